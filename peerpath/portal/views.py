"""The member portal: on a phone, a member sees what to answer and their own progress."""

from __future__ import annotations

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.due import Rule, due_for_member
from peerpath.measures.forms import has_wording
from peerpath.measures.library import library
from peerpath.measures.models import Administration, AdministrationStatus, PlanRule
from peerpath.measures.selectors import local_wording, results_of, series_of
from peerpath.members.selectors import get_member_for_write
from peerpath.portal import actions
from peerpath.portal.access import member_view
from peerpath.portal.models import MemberAccount
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


def _language() -> str:
    return "zh-hant" if (get_language() or "").startswith("zh") else "en"


def _due(account: MemberAccount) -> list[tuple[str, str]]:
    """(instrument id, name) of the questionnaires the member can answer now."""
    rules = [Rule(r.instrument_id, r.trigger, r.interval_days)
             for r in PlanRule.objects.for_org(account.organization).filter(active=True)]
    last: dict[str, object] = {}
    for instrument_id, taken_on in (
        Administration.objects.filter(member=account.member, status=AdministrationStatus.COMPLETED)
        .order_by("taken_on").values_list("instrument_id", "taken_on")
    ):
        last[instrument_id] = taken_on
    local = local_wording(account.organization_id)
    due = due_for_member(rules, enrolment_date=account.member.enrolment_date,
                         last_completed=last, today=timezone.localdate())  # type: ignore[arg-type]
    language = _language()
    return [
        (d.instrument_id, library()[d.instrument_id].name.get(language))
        for d in due
        if d.instrument_id in library() and has_wording(library()[d.instrument_id], local.get(d.instrument_id))
    ]


@member_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "home"})
    return render(request, "portal/home.html", {"account": account, "due": _due(account)})


@member_view
@require_http_methods(["POST"])
def answer(request: HttpRequest, instrument_id: str) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    if instrument_id not in {i for i, _ in _due(account)}:
        raise Http404("Nothing to answer")
    token = actions.start_questionnaire(account, instrument_id, request=request)
    return redirect("self_report", token=token)


@member_view
@require_http_methods(["GET"])
def progress(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    language = _language()
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "progress"})
    results = [r for r in results_of(account.member, language)]
    return render(request, "portal/progress.html", {"account": account, "results": results, "language": language})


@member_view
@require_http_methods(["GET"])
def chart(request: HttpRequest, instrument_id: str, score_id: str) -> HttpResponse:
    from peerpath.measures.charts import progress_svg
    from peerpath.measures.scoring import score_range

    account = request.account  # type: ignore[attr-defined]
    language = _language()
    instrument, series = series_of(account.member, instrument_id, score_id, language)
    points = [(p.date, p.value, p.band, p.change) for p in series.points if p.value is not None]
    svg = progress_svg(points, score=series.score, language=language,
                       title=f"{instrument.short_name} · {series.score.label.get(language)}",
                       score_range=score_range(instrument, score_id))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@staff_view(Perm.MEMBER_EDIT)
@require_http_methods(["GET", "POST"])
def staff_account(request: HttpRequest, code: str) -> HttpResponse:
    """Staff open a portal account for a member and hand over a set-password link."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.MEMBER_EDIT)
    account = MemberAccount.objects.for_org(membership.organization).filter(member=member).first()
    context: dict[str, object] = {"member": member, "account": account}
    if request.method == "POST":
        if account is None:
            account, path = actions.create_account(membership, member, request=request)
        else:
            path = actions.password_link(account)
        url = request.build_absolute_uri(path)
        context.update({"account": account, "url": url,
                        "qr_svg": segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff")})
    return render(request, "portal/staff_account.html", context)
