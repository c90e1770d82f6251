"""Writes of the exports app: requesting, running, downloading and purging exports.

Every request and download is audited with its parameters, never with data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.exports import codebook, collect, formats, pseudo
from peerpath.exports.models import (
    CategoryCode,
    ExportFile,
    ExportJob,
    ExportKind,
    ExportState,
    ResearchProject,
)
from peerpath.exports.tables import CAT, Table
from peerpath.members.models import Member
from peerpath.members.selectors import research_consented
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can, require

log = logging.getLogger(__name__)


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in settings.PEERPATH_FIELD_KEYS])


def _audit_params(job: ExportJob) -> dict[str, Any]:
    return {"kind": job.kind, **job.parameters, "project": job.project.name if job.project else ""}


@transaction.atomic(durable=True)
def request_research_export(membership: Membership, *, tables: list[str], fmt: str, date_mode: str,
                            project: ResearchProject | None = None, new_project: str = "",
                            aggregates_only: bool = False, request: HttpRequest | None = None) -> ExportJob:
    """Queue a de-identified export (and create its research project when named).
    ``aggregates_only``: the summary counts alone, for sharing outside the research
    team (no row-level table)."""
    require(membership, Perm.EXPORT_RESEARCH)
    require(membership, Perm.RESEARCH_DATA)
    if project is not None and project.organization_id != membership.organization_id:
        raise PermissionDenied("project of another organisation")
    if project is None:
        if not new_project.strip():
            raise ValueError("a research export needs a project")
        project = ResearchProject.objects.create(
            organization=membership.organization, name=new_project.strip(), key=secrets.token_hex(32),
            created_by=membership.user)
    _check(tables, fmt, date_mode)
    if aggregates_only and tables:
        raise ValueError("an aggregates-only export holds no row-level table")
    parameters: dict[str, Any] = {"tables": sorted(tables), "format": fmt, "date_mode": date_mode}
    if aggregates_only:
        parameters["aggregates_only"] = True
    job = ExportJob.objects.create(
        organization=membership.organization, kind=ExportKind.RESEARCH, project=project,
        parameters=parameters,
        requested_by=membership.user)
    audit.record_by(membership, Event.EXPORT_REQUESTED, target=job, request=request, extra=_audit_params(job))
    return job


@transaction.atomic(durable=True)
def request_identifiable_export(membership: Membership, *, tables: list[str], fmt: str, reason: str,
                                request: HttpRequest | None = None) -> ExportJob:
    """Queue an identifiable export; administrators only, with a stated reason."""
    require(membership, Perm.EXPORT_IDENTIFIABLE)
    if not reason.strip():
        raise ValueError("an identifiable export needs a reason")
    _check(tables, fmt, None)
    job = ExportJob.objects.create(
        organization=membership.organization, kind=ExportKind.IDENTIFIABLE, reason=reason.strip(),
        parameters={"tables": sorted(tables), "format": fmt}, requested_by=membership.user)
    # The reason is audited (it is the requester's own justification), the data never is.
    audit.record_by(membership, Event.EXPORT_REQUESTED, target=job, request=request,
                    extra={**_audit_params(job), "reason": job.reason})
    return job


def _check(tables: list[str], fmt: str, date_mode: str | None) -> None:
    if set(tables) - set(collect.OPTIONAL_TABLES):
        raise ValueError(f"unknown tables: {sorted(set(tables) - set(collect.OPTIONAL_TABLES))}")
    if fmt not in formats.FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if date_mode is not None and date_mode not in pseudo.DATE_MODES:
        raise ValueError(f"unknown date mode {date_mode!r}")


def requester(job: ExportJob) -> Membership:
    membership = Membership.objects.select_related("organization", "user").filter(
        organization_id=job.organization_id, user_id=job.requested_by_id).first()
    perm = Perm.EXPORT_RESEARCH if job.kind == ExportKind.RESEARCH else Perm.EXPORT_IDENTIFIABLE
    if membership is None or not can(membership, perm):
        raise PermissionDenied("the requester may no longer make this export")
    return membership


def members_of(job: ExportJob, membership: Membership) -> Any:
    if job.kind == ExportKind.RESEARCH:
        return research_consented(membership)
    return Member.objects.for_org(membership.organization)


def _save_progress(job: ExportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ExportJob.objects.filter(pk=job.pk).update(**fields)


def run_job(job: ExportJob, report: Callable[[int, int], None] | None = None, *,
            resume: bool = False, raise_transient: bool = False) -> ExportJob:
    """Build a queued export, store it encrypted and mark it done (or failed, with
    a message). Progress is saved as each table is written.

    ``resume``: the export task's next attempt after its worker died, which left
    the export "running": it is built again from the start (nothing of a build is
    kept before ``_finish``, one transaction). ``raise_transient``: a database
    error (a lost connection, a locked SQLite file) is raised, the export left
    running, for the task's next attempt."""
    states = [ExportState.QUEUED, ExportState.RUNNING] if resume else [ExportState.QUEUED]
    claimed = ExportJob.objects.filter(pk=job.pk, state__in=states).update(
        state=ExportState.RUNNING, started_at=timezone.now(), progress_done=0)
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        membership = requester(job)
        members = members_of(job, membership)
        params = job.parameters
        n_tables = len(params["tables"]) + 2
        _save_progress(job, progress_total=2 * n_tables, progress_done=0)
        counter = {"done": 0}

        def step(_rows: int) -> None:
            counter["done"] += 1
            _save_progress(job, progress_done=counter["done"])
            if report is not None:
                report(counter["done"], job.progress_total)

        research = job.kind == ExportKind.RESEARCH
        keying = {"research": research, "key": job.project.key if job.project else "",
                  "date_mode": params.get("date_mode", pseudo.SHIFT)}
        built = collect.build(members, params["tables"], keying, settings.PEERPATH_SMALL_CELL, step,
                              aggregates_only=bool(params.get("aggregates_only")))
        if job.project is not None:
            project_codes(job.project, built.tables)
        coded = params["format"] in ("sav", "dta")
        extra = {"codebook.csv": codebook.codebook_csv(built.tables, coded),
                 "codebook.md": codebook.codebook_md(built.tables, coded, "Peerpath export codebook"),
                 "README.txt": readme(job, built.n_members).encode("utf-8")}
        data = formats.zip_export(built.tables, params["format"], extra, step)
        _finish(job, membership, data, built.n_members)
    except OperationalError:
        if raise_transient:
            log.warning("export %s: database error; the task will try again", job.pk, exc_info=True)
            raise
        _fail(job, "OperationalError")
    except Exception as exc:
        log.exception("export %s failed", job.pk)
        _fail(job, str(exc) if isinstance(exc, PermissionDenied | ValueError) else type(exc).__name__)
    return job


def _fail(job: ExportJob, message: str) -> None:
    """Mark a running export failed (an export meanwhile finished stays done)."""
    fields = {"state": ExportState.FAILED, "error": message[:300], "finished_at": timezone.now()}
    if ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(**fields):
        for name, value in fields.items():
            setattr(job, name, value)
    else:
        job.refresh_from_db()


@transaction.atomic(durable=True)
def project_codes(project: ResearchProject, tables: list[Table]) -> None:
    """Give every category column of ``tables`` the project's codes: the codes it
    already has, and the next free code of its variable for each new value (in the
    column's order), stored for every later export of the project."""
    ResearchProject.objects.select_for_update().filter(pk=project.pk).first()  # one assignment at a time
    known: dict[str, dict[str, int]] = {}
    for row in CategoryCode.objects.for_org(project.organization).filter(project=project).values_list(
            "variable", "value", "code"):
        known.setdefault(row[0], {})[row[1]] = row[2]
    new: list[CategoryCode] = []
    for table in tables:
        for col in table.columns:
            if col.kind != CAT:
                continue
            codes = known.setdefault(col.name, {})
            for choice in col.choices:
                if choice.value not in codes:
                    codes[choice.value] = max(codes.values(), default=0) + 1
                    new.append(CategoryCode(organization=project.organization, project=project, variable=col.name,
                                            value=choice.value, code=codes[choice.value]))
            col.fixed_codes = dict(codes)
    CategoryCode.objects.bulk_create(new)


@transaction.atomic(durable=True)
def _finish(job: ExportJob, membership: Membership, data: bytes, n_members: int) -> None:
    """Store the file, mark the export done and audit it, all at once; an export
    already finished (by an attempt taken for dead that went on) is left alone."""
    if ExportJob.objects.select_for_update().filter(pk=job.pk, state=ExportState.RUNNING).first() is None:
        job.refresh_from_db()
        return
    now = timezone.now()
    ExportFile.objects.create(organization=job.organization, job=job, content=_fernet().encrypt(data),
                              sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    _save_progress(job, state=ExportState.DONE, finished_at=now, n_members=n_members,
                   progress_done=job.progress_total,
                   expires_at=now + dt.timedelta(days=settings.PEERPATH_EXPORT_DAYS))
    audit.record_by(membership, Event.EXPORT, target=job,
                    extra={**_audit_params(job), "members": n_members, "bytes": len(data)})


def _members_line(job: ExportJob, n_members: int) -> str:
    """How many members: in an aggregates-only export, a number below the threshold
    is not given (the summary's counts add up to it)."""
    threshold = settings.PEERPATH_SMALL_CELL
    if job.parameters.get("aggregates_only") and 0 < n_members < threshold:
        return f"fewer than {threshold}"
    return str(n_members)


def readme(job: ExportJob, n_members: int) -> str:
    p = job.parameters
    lines = [
        "Peerpath export", "",
        f"Kind: {job.kind}",
        f"Format: {p['format']}",
        ("Tables: summary (aggregates only)" if p.get("aggregates_only") else
         f"Tables: members, {', '.join(p['tables']) or '(no optional tables)'}, summary"),
        f"Members: {_members_line(job, n_members)}",
        f"Small-cell threshold: {settings.PEERPATH_SMALL_CELL} (aggregate counts below it are hidden)",
        f"Created: {timezone.localtime().strftime('%Y-%m-%d %H:%M %Z')}",
    ]
    if job.kind == ExportKind.RESEARCH:
        lines += [
            f"Research project: {job.project.name if job.project else ''}",
            f"Date mode: {p['date_mode']} ("
            + ("each member's dates shifted by one random offset of 1-180 days" if p["date_mode"] == pseudo.SHIFT
               else "days since the member's enrolment") + ")",
            "Members: research consent in force only. Pseudonyms are stable within the project.",
            "No names, member codes, contact details, national IDs, diagnoses or free text are included.",
            "",
            "The summary table is meant for publication: small counts are hidden, and so are enough others "
            "that none can be worked out from the rest.",
            "The row-level tables (members and the others) are NOT for publication and must not leave the "
            "research team: the summary's hidden counts can be read off them. To share outside the team, "
            "make an aggregates-only export.",
        ]
    else:
        lines += ["IDENTIFIABLE DATA: keep it encrypted, share it with no one, delete it when done."]
    lines += ["", "See codebook.csv / codebook.md for every variable, its labels and values."]
    return "\n".join(lines) + "\n"


def export_bytes(membership: Membership, job: ExportJob, request: HttpRequest | None = None) -> bytes:
    """The decrypted zip of a finished export for its requester or an administrator;
    audited as a download."""
    with transaction.atomic(durable=True):
        if job.organization_id != membership.organization_id:
            raise PermissionDenied("export of another organisation")
        if not (job.requested_by_id == membership.user_id or can(membership, Perm.EXPORT_IDENTIFIABLE)):
            raise PermissionDenied("only the requester or an administrator may download an export")
        stored = ExportFile.objects.for_org(membership.organization).get(job=job)
        audit.record_by(membership, Event.EXPORT_DOWNLOADED, target=job, request=request,
                        extra={**_audit_params(job), "sha256": stored.sha256})
    try:
        data = _fernet().decrypt(bytes(stored.content))
    except InvalidToken as exc:
        raise ValueError("the export cannot be decrypted with any configured key") from exc
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValueError("the stored export does not match its checksum")
    return data


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the files of expired exports (the job rows stay as history)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        deleted, _ = ExportFile.objects.filter(job__expires_at__lte=now).delete()
    return deleted
