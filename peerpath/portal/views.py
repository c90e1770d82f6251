"""The member portal: on a phone, a member sees what to answer and their own progress."""

from __future__ import annotations

import segno
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.forms import has_wording
from peerpath.measures.library import interface_language, library
from peerpath.measures.models import Administration, AdministrationStatus, Mode
from peerpath.measures.selectors import due_of, local_wording, results_of
from peerpath.measures.views import chart_response
from peerpath.members.selectors import get_member_for_write
from peerpath.portal import actions
from peerpath.portal.access import member_view
from peerpath.portal.models import MemberAccount
from peerpath.portal.sections import build_sections
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


def _due(account: MemberAccount) -> list[tuple[str, str, bool]]:
    """(instrument id, name, in progress) of the questionnaires the member can answer
    now: due by the plan, and every item can be shown to them. In progress: the
    member left it part-way in the portal and can continue it."""
    due = due_of(account.organization_id, [account.member], timezone.localdate())
    local = local_wording(account.organization_id)
    language = interface_language()
    started = set(
        Administration.objects.for_org(account.organization)
        .filter(member_id=account.member_id, mode=Mode.PORTAL, status=AdministrationStatus.IN_PROGRESS,
                link_expires_at__gt=timezone.now())
        .values_list("instrument_id", flat=True)
    )
    return [
        (d.instrument_id, library()[d.instrument_id].name.get(language), d.instrument_id in started)
        for _member, items in due
        for d in items
        if d.instrument_id in library() and has_wording(library()[d.instrument_id], local.get(d.instrument_id))
    ]


@member_view
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "home"})
    return render(
        request, "portal/home.html",
        {"account": account, "due": _due(account), "sections": build_sections(account)},
    )


@member_view
@require_http_methods(["POST"])
def answer(request: HttpRequest, instrument_id: str) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    if instrument_id not in {i for i, _name, _started in _due(account)}:
        raise Http404("Nothing to answer")
    token = actions.start_questionnaire(account, instrument_id, request=request)
    return redirect("self_report", token=token)


@member_view
@require_http_methods(["GET"])
def progress(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    language = interface_language()
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "progress"})
    results = results_of(account.member, language)
    return render(request, "portal/progress.html", {"account": account, "results": results, "language": language})


@member_view
@require_http_methods(["GET"])
def chart(request: HttpRequest, instrument_id: str, score_id: str) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    return chart_response(account.member, instrument_id, score_id, interface_language(), phone=True)


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
            try:
                account, path = actions.create_account(membership, member, request=request)
            except ValidationError as exc:
                context["errors"] = exc.messages
                return render(request, "portal/staff_account.html", context)
        else:
            path = actions.password_link(account)
        url = request.build_absolute_uri(path)
        context.update({"account": account, "url": url,
                        "qr_svg": segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff")})
    return render(request, "portal/staff_account.html", context)
