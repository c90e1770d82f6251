"""Report files: a programme report rendered as the ``report`` command writes it
(small cells hidden), and the stored PDFs that ``peerpath report --queue`` makes in
the background, one per organisation, listed and downloaded on the report-files
page. Every rendering and download is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.ops.dbrouter import replica_reads
from peerpath.outcomes import registry
from peerpath.outcomes.forms import command_scope, counts_research_only
from peerpath.outcomes.models import ReportFile
from peerpath.outcomes.pdf import REPORT_PRINT, html_to_pdf, render_html, report_context
from peerpath.outcomes.registry import Report
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.views import audit_report
from peerpath.tenancy.models import Membership, Organization


def render_report(report: Report, scope: ReportScope, fmt: str = "pdf", **audit_extra: Any) -> bytes:
    """The report of ``scope`` as a PDF (or HTML), audited as an export by the system."""
    with replica_reads():  # on the read replica, if there is one (peerpath/ops/dbrouter.py)
        data = report.build(scope)
    audit_report(scope, report.slug, event=Event.REPORT_EXPORT, format=fmt, **audit_extra)
    html = render_html(REPORT_PRINT, report_context(report, scope, data), scope.language)
    return html_to_pdf(html) if fmt == "pdf" else html.encode()


def store_report(task_id: str, organization_id: int, slug: str, period: str, language: str,
                 options: dict[str, Any]) -> ReportFile | None:
    """Render one organisation's report and store it, once per task: a task run
    again (retried, or taken for dead) finds its file and stores no second one.
    None when the organisation or the report no longer exists."""
    done = ReportFile.objects.filter(task_id=task_id).first()
    if done is not None:
        return done
    org = Organization.objects.filter(pk=organization_id).first()
    report = registry.get(slug)
    if org is None or report is None:
        return None
    scope = command_scope(organizations=[org], period=period, today=timezone.localdate(), options=options,
                          language=language)
    content = render_report(report, scope, via="task")
    now = timezone.now()
    try:
        with transaction.atomic():
            return ReportFile.objects.create(
                organization=org, task_id=task_id, report=slug, period=scope.period.label, language=language,
                options=options, content=content, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                expires_at=now + dt.timedelta(days=settings.PEERPATH_EXPORT_DAYS))
    except IntegrityError:  # another attempt of the same task stored it meanwhile
        return ReportFile.objects.get(task_id=task_id)


def may_read(membership: Membership) -> bool:
    """Stored files count every member: not for researchers (who count
    research-consented members only)."""
    return not counts_research_only([membership])


def files_of(membership: Membership) -> list[ReportFile]:
    """The organisation's stored report files not yet expired, newest first (without content)."""
    return list(ReportFile.objects.for_org(membership.organization).filter(expires_at__gt=timezone.now())
                .defer("content").order_by("-created_at"))


def file_bytes(membership: Membership, pk: int, request: HttpRequest | None = None) -> tuple[ReportFile, bytes]:
    """A stored report file of the membership's organisation, audited as a report
    export read by the user. ``ReportFile.DoesNotExist`` for another
    organisation's file or an expired one."""
    if not may_read(membership):
        raise PermissionDenied("stored reports count every member: not for researchers")
    stored = ReportFile.objects.for_org(membership.organization).get(pk=pk, expires_at__gt=timezone.now())
    data = bytes(stored.content)
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise ValueError("the stored report does not match its checksum")
    audit.record(Event.REPORT_EXPORT, actor=membership.user, organization=membership.organization,
                 request=request, extra={"report": stored.report, "period": stored.period, "format": "pdf",
                                         "via": "stored file", "file": stored.pk, "sha256": stored.sha256})
    return stored, data


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete expired report files (nightly)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        deleted, _ = ReportFile.objects.filter(expires_at__lte=now).delete()
    return deleted
