"""Report pages and their PDFs. Views parse the filters, build the scope the policy
module allows, call the report's ``build`` and render; every view is audited."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.ops import replica
from peerpath.ops.dbrouter import replica_reads
from peerpath.outcomes import registry
from peerpath.outcomes.forms import ReportFilterForm
from peerpath.outcomes.pdf import REPORT_PRINT, render_pdf, report_context
from peerpath.outcomes.scope import ReportScope
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


def audit_report(scope: ReportScope, slug: str, *, event: Event, actor: Any = None,
                 request: HttpRequest | None = None, **extra: Any) -> None:
    """One entry in each covered organisation's chain: each one's data was read.
    ``actor``: the user (None: the system, e.g. the ``report`` command); ``extra``:
    more to record (the format, how it was run)."""
    details = {"report": slug, **extra, **scope.describe()}
    for org in scope.organizations:
        audit.record(event, actor=actor, organization=org, request=request, extra=details)


@staff_view(Perm.REPORT_VIEW)
@require_http_methods(["GET"])
def report_index(request: HttpRequest) -> HttpResponse:
    from peerpath.outcomes.files import may_read

    membership: Membership = request.membership  # type: ignore[attr-defined]
    return render(request, "outcomes/index.html",
                  {"reports": list(registry.reports().values()), "can_files": may_read(membership)})


def _run(request: HttpRequest, slug: str, *, exported: bool) -> tuple[Any, ReportFilterForm, dict[str, Any]]:
    report = registry.get(slug)
    if report is None:
        raise Http404("No such report")
    membership: Membership = request.membership  # type: ignore[attr-defined]
    # Always bound: a plain GET is the defaults (every field is optional).
    form = ReportFilterForm(request.GET, membership=membership, spec=report.spec, today=timezone.localdate())
    if not form.is_valid():
        return report, form, {}
    scope = form.scope(exported=exported)
    with replica_reads():  # on the read replica, if there is one (peerpath/ops/dbrouter.py)
        data = report.build(scope)
        lag = replica.notice_lag()
    if exported:
        audit_report(scope, slug, event=Event.REPORT_EXPORT, actor=membership.user, request=request, format="pdf")
    else:
        audit_report(scope, slug, event=Event.REPORT_VIEW, actor=membership.user, request=request)
    return report, form, {"scope": scope, "r": data, "replica_lag": lag}


@staff_view(Perm.REPORT_VIEW)
@require_http_methods(["GET"])
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    report, form, context = _run(request, slug, exported=False)
    status = 200 if context else 400
    return render(request, "outcomes/report_page.html",
                  {"report": report, "form": form, "query": request.GET.urlencode(), **context}, status=status)


@staff_view(Perm.REPORT_VIEW)
@require_http_methods(["GET"])
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    report, form, context = _run(request, slug, exported=True)
    if not context:
        return render(request, "outcomes/report_page.html", {"report": report, "form": form}, status=400)
    scope: ReportScope = context["scope"]
    pdf = render_pdf(REPORT_PRINT, report_context(report, scope, context["r"]), scope.language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="peerpath-{slug}-{scope.period.label}.pdf"'
    return response


@staff_view(Perm.REPORT_VIEW)
@require_http_methods(["GET"])
def report_files(request: HttpRequest) -> HttpResponse:
    """The organisation's stored report PDFs (made by ``peerpath report --queue``)."""
    from peerpath.outcomes import files

    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not files.may_read(membership):
        raise PermissionDenied("stored reports count every member: not for researchers")
    reports = registry.reports()
    languages = dict(settings.LANGUAGES)
    rows = [(f, reports[f.report].spec.title if f.report in reports else f.report,
             languages.get(f.language, f.language)) for f in files.files_of(membership)]
    return render(request, "outcomes/report_files.html", {"rows": rows, "days": settings.PEERPATH_EXPORT_DAYS})


@staff_view(Perm.REPORT_VIEW)
@require_http_methods(["GET"])
def report_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    from peerpath.outcomes import files
    from peerpath.outcomes.models import ReportFile

    membership: Membership = request.membership  # type: ignore[attr-defined]
    try:
        stored, data = files.file_bytes(membership, pk, request)
    except ReportFile.DoesNotExist:
        raise Http404("No such report file") from None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="peerpath-{stored.report}-{stored.period}-{stored.organization.slug}.pdf"')
    return response
