"""Writes of the import flow: upload, mapping, check (preview), commit, discard, purge.

Each is one durable transaction with its audit entry. The commit reads the stored file
again, checks every row again and writes everything in one transaction: if any row has
a problem nothing is written (``ImportRefused``). Checking a large file takes seconds,
so ``preview`` checks outside any transaction and then records the outcome in a short
one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.exchange import columns, jobs, kinds, storage
from peerpath.exchange.models import OPEN_STATES, ImportBatch, ImportFile, Kind, State
from peerpath.exchange.tabular import FileError, Problem, Table, gettext_noop, read_table
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

PURGE_AFTER = dt.timedelta(days=1)


class ImportRefused(Exception):
    """A commit refused because the file has problems (nothing was written)."""

    def __init__(self, check: kinds.Check) -> None:
        self.check = check
        super().__init__(f"{len(check.problems)} problems")


def max_rows() -> int:
    return int(getattr(settings, "PEERPATH_IMPORT_MAX_ROWS", 200_000))


def _own(membership: Membership, batch: ImportBatch) -> None:
    if batch.organization_id != membership.organization_id:
        raise PermissionDenied("an import of another organisation")


def read_file(data: bytes, encoding: str = "auto") -> Table:
    """The file as a table, or ``FileError`` (also for a file over the size limit)."""
    if len(data) > storage.max_bytes():
        message = gettext_noop("the file is larger than %(limit)s, the most that can be imported at once: split "
                               "it into smaller files")
        raise FileError([Problem(1, None, message, {"limit": storage.megabytes(storage.max_bytes())})])
    return read_table(data, encoding=encoding, max_rows=max_rows())


def instruments_in(table: Table, mapping: Mapping[int, str], options: Mapping[str, Any]) -> list[str]:
    """The questionnaires a responses file is for: the one chosen, or those named in its
    questionnaire column (at most ten)."""
    if options.get("instrument"):
        return [options["instrument"]]
    column = next((i for i, key in mapping.items() if key == "instrument"), None)
    if column is None:
        return []
    named = dict.fromkeys(cells[column].strip() for _, cells in table.rows)
    return [i for i in named if kinds.member_instrument(i) is not None][:10]


def suggested_mapping(kind: str, table: Table, options: Mapping[str, Any]) -> dict[str, str]:
    """Column index (as text) → field, from the header (see ``columns.suggest``); for
    questionnaire responses also the item columns of each questionnaire of the file."""
    if kind == columns.REDCAP:
        return {str(i): "" for i in range(len(table.header))}
    suggested = columns.suggest(kind, table.header)
    if kind == columns.RESPONSES:
        items = {}
        for instrument_id in instruments_in(table, suggested, options):
            instrument = kinds.member_instrument(instrument_id)
            if instrument is not None:
                items[instrument.id] = [i.id for i in instrument.items]
        suggested = columns.suggest(kind, table.header, items)
    return {str(i): suggested.get(i, "") for i in range(len(table.header))}


@transaction.atomic(durable=True)
def upload(
    membership: Membership,
    *,
    kind: str,
    file_name: str,
    data: bytes,
    encoding: str = "auto",
    options: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> ImportBatch:
    """Keep a readable file (encrypted) as a new import with a suggested mapping.
    Raises ``FileError`` for a file that cannot be read: then nothing is kept."""
    require(membership, Perm.DATA_IMPORT)
    if kind not in Kind.values:
        raise ValueError(f"unknown kind of import {kind!r}")
    table = read_file(data, encoding)
    options = dict(options or {})
    batch = ImportBatch.objects.create(
        organization=membership.organization, kind=kind, file_name=file_name[:255] or "upload",
        file_sha256=storage.sha256(data), file_size=len(data), file_format=table.file_format,
        encoding=encoding, header=list(table.header), n_rows=len(table.rows),
        mapping=suggested_mapping(kind, table, options), options=options, created_by=membership.user,
    )
    ImportFile.objects.create(organization=membership.organization, batch=batch, content=storage.encrypt(data))
    audit.record_by(membership, Event.IMPORT_PREVIEWED, target=batch, request=request,
                    extra={"step": "uploaded", "kind": kind, "rows": batch.n_rows, "sha256": batch.file_sha256})
    return batch


def load_table(batch: ImportBatch) -> Table:
    """The stored file of an open import, decrypted and read again."""
    stored = ImportFile.objects.filter(organization_id=batch.organization_id).get(batch_id=batch.pk)
    return read_file(storage.decrypt(bytes(stored.content)), batch.encoding)


@transaction.atomic(durable=True)
def save_mapping(
    membership: Membership,
    batch: ImportBatch,
    *,
    mapping: Mapping[str, str],
    options: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> ImportBatch:
    """The person's column mapping and options; a new check is needed before commit."""
    require(membership, Perm.DATA_IMPORT)
    _own(membership, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not batch.is_open:
        raise ValueError("this import is closed")
    batch.mapping = {str(k): v for k, v in mapping.items()}
    batch.options = dict(options)
    batch.mapped = True
    batch.state = State.UPLOADED
    batch.checked_key = ""
    batch.save(update_fields=["mapping", "options", "mapped", "state", "checked_key"])
    audit.record_by(membership, Event.IMPORT_PREVIEWED, target=batch, request=request,
                    extra={"step": "mapped", "kind": batch.kind})
    return batch


def check_key(batch: ImportBatch) -> str:
    """What a check depends on: the file, the kind, the mapping and the options."""
    text = json.dumps([batch.file_sha256, batch.kind, batch.mapping, batch.options], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _mapping(batch: ImportBatch) -> dict[int, str]:
    return {int(k): v for k, v in batch.mapping.items() if v}


def run_check(membership: Membership, batch: ImportBatch, table: Table | None = None) -> kinds.Check:
    """Check every row of an import (reads only; no transaction of its own)."""
    require(membership, Perm.DATA_IMPORT)
    _own(membership, batch)
    table = table if table is not None else load_table(batch)
    if batch.kind == Kind.MEMBERS:
        check = kinds.check_members(membership, table, _mapping(batch))
    elif batch.kind == Kind.RESPONSES:
        check = kinds.check_responses(membership, table, _mapping(batch), batch.options)
    elif batch.kind == Kind.REDCAP:
        check = kinds.check_redcap(membership, table, batch.options)
    elif batch.kind == Kind.JOBS:
        check = jobs.check_jobs(membership, table, _mapping(batch))
    else:
        raise ValueError(f"unknown kind of import {batch.kind!r}")
    position = {name: i for i, name in reversed(list(enumerate(table.header)))}
    check.problems.sort(key=lambda p: (p.row, position.get(p.column or "", -1)))
    return check


def _counts(batch: ImportBatch, check: kinds.Check) -> list[str]:
    batch.n_new, batch.n_present, batch.n_skipped = check.n_new, check.n_present, check.n_skipped
    batch.n_problems, batch.n_problem_rows = len(check.problems), check.problem_rows
    return ["n_new", "n_present", "n_skipped", "n_problems", "n_problem_rows"]


def preview(membership: Membership, batch: ImportBatch, *, request: HttpRequest | None = None) -> kinds.Check:
    """Check the file as mapped, and record that it was checked (with what was found)."""
    check = run_check(membership, batch)
    _record_preview(membership, batch, check, request=request)
    return check


@transaction.atomic(durable=True)
def _record_preview(
    membership: Membership, batch: ImportBatch, check: kinds.Check, *, request: HttpRequest | None
) -> None:
    require(membership, Perm.DATA_IMPORT)
    _own(membership, batch)
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.is_open and check_key(locked) == check_key(batch):
        fields = [*_counts(locked, check), "state", "checked_key", "checked_at"]
        locked.state = State.PREVIEWED
        locked.checked_key = check_key(locked)
        locked.checked_at = timezone.now()
        locked.save(update_fields=fields)
        for name in fields:
            setattr(batch, name, getattr(locked, name))
    audit.record_by(membership, Event.IMPORT_PREVIEWED, target=batch, request=request, extra={
        "step": "checked", "kind": batch.kind, "new": check.n_new, "present": check.n_present,
        "problems": len(check.problems),
    })


WRITERS: dict[str, Callable[[Membership, Any], dict[str, int]]] = {
    Kind.MEMBERS: kinds.write_members,
    Kind.RESPONSES: kinds.write_responses_plans,
    Kind.REDCAP: kinds.write_responses_plans,
    Kind.JOBS: jobs.write_jobs,
}
# The tables each kind of import writes many rows into: their planner statistics
# are refreshed (ANALYZE) after a large import commits, so the pages that read them
# keep good query plans even where autovacuum is slow or off.
ANALYZED_TABLES: dict[str, tuple[str, ...]] = {
    Kind.MEMBERS: ("members.Member", "members.StageChange", "members.Consent"),
    Kind.RESPONSES: ("measures.Administration", "measures.StoredScore", "measures.ResultFlag"),
    Kind.REDCAP: ("measures.Administration", "measures.StoredScore", "measures.ResultFlag"),
    Kind.JOBS: ("employment.Job", "employment.Employer", "employment.JobEnding"),
}


def analyze_tables(labels: tuple[str, ...]) -> None:
    """``ANALYZE`` the tables of these models (PostgreSQL and SQLite both have it)."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        for label in labels:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(apps.get_model(label)._meta.db_table)}")


@transaction.atomic(durable=True)
def commit(membership: Membership, batch: ImportBatch, *, request: HttpRequest | None = None) -> ImportBatch:
    """Import every new row of a checked file, all or nothing. Raises ``ImportRefused``
    (nothing written) when the file, checked again now, has any problem."""
    require(membership, Perm.DATA_IMPORT)
    _own(membership, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state not in (State.PREVIEWED, State.COMMITTING) or batch.checked_key != check_key(batch):
        raise ValueError("check the file (preview) before importing it")
    check = run_check(membership, batch)
    if not check.ok:
        raise ImportRefused(check)
    created = WRITERS[Kind(batch.kind)](membership, check.plan)
    if sum(created.values()) >= settings.PEERPATH_ANALYZE_ROWS:
        tables = ANALYZED_TABLES[Kind(batch.kind)]
        transaction.on_commit(lambda: analyze_tables(tables))
    fields = _counts(batch, check)
    batch.state = State.COMMITTED
    batch.committed_at = timezone.now()
    batch.result = created
    batch.save(update_fields=[*fields, "state", "committed_at", "result"])
    ImportFile.objects.filter(batch=batch).delete()  # the data is in the records now
    audit.record_by(membership, Event.IMPORT_COMMITTED, target=batch, request=request, extra={
        "kind": batch.kind, "sha256": batch.file_sha256, "created": created, "present": check.n_present,
        "skipped": check.n_skipped, "members": _member_ids(check),
    })
    return batch


@transaction.atomic(durable=True)
def queue_commit(membership: Membership, batch: ImportBatch) -> ImportBatch:
    """Hand a checked file to a background worker to import (a large file: the
    request returns at once and the import's page shows when it is done). The
    worker runs ``commit``, all or nothing, exactly once (see
    ``peerpath.exchange.tasks.commit_import``)."""
    from peerpath.exchange.tasks import commit_import

    require(membership, Perm.DATA_IMPORT)
    _own(membership, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != State.PREVIEWED or batch.checked_key != check_key(batch):
        raise ValueError("check the file (preview) before importing it")
    batch.state = State.COMMITTING
    batch.save(update_fields=["state"])
    if settings.TASKS_MODE == "database":  # queued in the same transaction: both or neither
        commit_import.enqueue(batch.pk, membership.pk)
    else:  # run at once, after this transaction
        transaction.on_commit(lambda: commit_import.enqueue(batch.pk, membership.pk))
    return batch


def _member_ids(check: kinds.Check) -> list[int]:
    """The members whose records an import changed (for the audit entry)."""
    found: set[int] = set()
    for plan in check.plan or []:
        if isinstance(plan, kinds.ResponsesPlan):
            found.update(plan.member_ids[i] for i in plan.write)
        elif getattr(plan, "member_id", None):
            found.add(plan.member_id)
    return sorted(found)


@transaction.atomic(durable=True)
def discard(membership: Membership, batch: ImportBatch, *, request: HttpRequest | None = None) -> ImportBatch:
    """Give up an import: its file is deleted, nothing is imported."""
    require(membership, Perm.DATA_IMPORT)
    _own(membership, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not batch.is_open:
        return batch
    batch.state = State.DISCARDED
    batch.discarded_at = timezone.now()
    batch.save(update_fields=["state", "discarded_at"])
    ImportFile.objects.filter(batch=batch).delete()
    audit.record_by(membership, Event.IMPORT_PREVIEWED, target=batch, request=request,
                    extra={"step": "discarded", "kind": batch.kind})
    return batch


@transaction.atomic(durable=True)
def purge(now: dt.datetime | None = None) -> int:
    """Delete the files of imports never committed that are older than a day (and any
    file left behind by a closed import); returns how many imports were closed."""
    now = now or timezone.now()
    stale = list(ImportBatch.objects.select_for_update().filter(
        state__in=OPEN_STATES, created_at__lt=now - PURGE_AFTER).select_related("organization"))
    ImportFile.objects.filter(batch__in=stale).delete()
    ImportFile.objects.exclude(batch__state__in=OPEN_STATES).delete()
    by_org: dict[int, list[ImportBatch]] = {}
    for batch in stale:
        by_org.setdefault(batch.organization_id, []).append(batch)
    ImportBatch.objects.filter(pk__in=[b.pk for b in stale]).update(state=State.DISCARDED, discarded_at=now)
    for batches in by_org.values():
        audit.record(Event.IMPORT_PREVIEWED, actor=None, organization=batches[0].organization,
                     extra={"step": "purged", "imports": [b.pk for b in batches]})
    return len(stale)
