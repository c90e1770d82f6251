"""One member's progress report for a case conference, as a page and a PDF.

Clinical staff of the member's organisation only (``Perm.MEMBER_REPORT``; another
organisation's member is 404). Each report is audited twice: as a read of the member
record (``get_member``, as the member page is) and as ``Event.MEMBER_REPORT`` with
its format, period and language; the questionnaire results read is audited by the
measures selector."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.library import interface_language
from peerpath.members.models import Member
from peerpath.members.selectors import get_member
from peerpath.outcomes.member_report import build_member_report
from peerpath.outcomes.member_report_forms import MemberReportForm
from peerpath.outcomes.member_report_rules import report_language
from peerpath.outcomes.pdf import render_pdf
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


def _run(request: HttpRequest, code: str, *, fmt: str) -> tuple[Member, MemberReportForm, dict[str, Any]]:
    """The member (404 elsewhere), the options form, and — when the form is valid —
    the report's context, built in the report's language and audited."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member(membership, code, request=request)
    form = MemberReportForm(request.GET, membership=membership, today=timezone.localdate())
    if not form.is_valid():
        return member, form, {}
    language = report_language(form.cleaned_data["language"], member_language=member.preferred_language,
                               staff_language=interface_language())
    period = form.report_period
    with translation.override(language):
        data = build_member_report(membership, member, period, language=language,
                                   clinical=form.include_clinical, request=request)
    audit.record_by(membership, Event.MEMBER_REPORT, target=member, request=request,
                    extra={"format": fmt, "period": period.label, "language": language})
    return member, form, {"r": data, "report_language": language}


@staff_view(Perm.MEMBER_REPORT)
@require_http_methods(["GET"])
def member_report(request: HttpRequest, code: str) -> HttpResponse:
    member, form, context = _run(request, code, fmt="html")
    return render(request, "outcomes/member_report.html",
                  {"member": member, "form": form, "query": request.GET.urlencode(), **context},
                  status=200 if context else 400)


@staff_view(Perm.MEMBER_REPORT)
@require_http_methods(["GET"])
def member_report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    member, form, context = _run(request, code, fmt="pdf")
    if not context:
        return render(request, "outcomes/member_report.html", {"member": member, "form": form}, status=400)
    pdf = render_pdf("outcomes/member_report_print.html",
                     {"organization": request.organization, "generated": timezone.localtime(),  # type: ignore[attr-defined]
                      **context}, context["report_language"])
    response = HttpResponse(pdf, content_type="application/pdf")
    name = re.sub(r"[^A-Za-z0-9._-]", "", f"{member.code}-{context['r']['period'].label}")
    response["Content-Disposition"] = f'attachment; filename="peerpath-progress-{name}.pdf"'

    response["Cache-Control"] = "private, no-store"
    return response
