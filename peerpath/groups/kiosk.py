"""Kiosk mode: a tablet passed around after a group session.

A staff member who records the session starts the kiosk (POST, audited). Starting
signs the staff member out of the browser and keeps only a *kiosk grant* in the
new session: signed, bound to that session's key, expiring. The kiosk page lists
the members marked present or late (code and preferred name only); a member taps
their name and answers the session questionnaires (the plan's rules with the
trigger "after each group session", GCQ-S by default) one question per screen in
their own language, through the ordinary self-report pages, which come back to
the kiosk when the answers are sent. Every staff page needs a sign-in again, and
any sign-in ends the grant (the session key changes); leaving the kiosk goes to
the sign-in page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.groups import actions, permissions, selectors
from peerpath.groups.models import ATTENDED, Attendance, Session
from peerpath.measures.forms import has_wording
from peerpath.measures.library import library
from peerpath.measures.models import Administration, AdministrationStatus, PlanRule, Reason, Trigger
from peerpath.measures.selectors import local_wording
from peerpath.measures.selfreport import set_return_path
from peerpath.members.models import Member
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm

GRANT_KEY = "peerpath_groups_kiosk"
QUEUE_KEY = "peerpath_groups_kiosk_queue"
SALT = "peerpath.groups.kiosk"
KIOSK_HOURS = 3
DEFAULT_INSTRUMENTS = ("gcqs",)


@dataclass(frozen=True)
class Kiosk:
    membership: Membership  # who started it (the questionnaires are opened on their behalf)
    session: Session


def session_instruments(organization_id: int) -> list[str]:
    """The organisation's questionnaires after a group session (GCQ-S if the plan has
    none), of those whose every item can be shown to a member."""
    planned = list(
        PlanRule.objects.filter(organization_id=organization_id, trigger=Trigger.GROUP_SESSION, active=True)
        .order_by("instrument_id").values_list("instrument_id", flat=True)
    ) or list(DEFAULT_INSTRUMENTS)
    wording = local_wording(organization_id)
    return [i for i in planned if i in library() and has_wording(library()[i], wording.get(i))]


def _grant(request: HttpRequest) -> Kiosk:
    """The kiosk of this browser session, or 403."""
    raw = request.session.get(GRANT_KEY)
    try:
        data: dict[str, Any] = signing.loads(raw or "", salt=SALT, max_age=dt.timedelta(hours=KIOSK_HOURS))
    except signing.BadSignature:
        raise PermissionDenied("no kiosk on this device") from None
    if data.get("k") != request.session.session_key:
        raise PermissionDenied("the kiosk belongs to another browser session")
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user_id=int(data.get("u") or 0), organization_id=int(data.get("o") or 0), is_active=True).first()
    )
    if membership is None:
        raise PermissionDenied("the staff member who started the kiosk has no access any more")
    session = Session.objects.for_org(membership.organization).select_related("group").filter(pk=data.get("s")).first()
    if session is None or not permissions.may_record(membership, session.group):
        raise PermissionDenied("the kiosk's session is not available")
    return Kiosk(membership, session)


def kiosk_of(request: HttpRequest) -> Kiosk | None:
    """The kiosk this browser runs, or ``None`` (for the apps above: the safety
    app calls the session's facilitators when a kiosk answer trips a safety rule)."""
    try:
        return _grant(request)
    except PermissionDenied:
        return None


@never_cache
@staff_view(Perm.SESSION_RECORD)
@require_http_methods(["POST"])
def kiosk_start(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.SESSION_RECORD)
    session = selectors.get_session(group, session_id)
    actions.start_kiosk(membership, session, request=request)
    user_id, org_id = membership.user_id, membership.organization_id
    logout(request)  # the staff member is signed out; the tablet keeps only the kiosk
    request.session.save()  # a new session key for the grant to be bound to
    request.session[GRANT_KEY] = signing.dumps(
        {"u": user_id, "o": org_id, "s": session.pk, "k": request.session.session_key}, salt=SALT
    )
    return redirect("kiosk_home")


@never_cache
@require_http_methods(["GET"])
def kiosk_home(request: HttpRequest) -> HttpResponse:
    kiosk = _grant(request)
    request.session.pop(QUEUE_KEY, None)
    instruments = session_instruments(kiosk.membership.organization_id)
    rows = list(
        Attendance.objects.for_org(kiosk.membership.organization)
        .filter(session=kiosk.session, status__in=ATTENDED).select_related("member").order_by("member__code")
    )
    done = _done(kiosk, [a.member_id for a in rows], instruments)
    # Code and preferred name only: the tablet is passed around the group.
    members = [{"code": a.member.code, "name": a.member.preferred_name, "done": a.member_id in done} for a in rows]
    context = {"kiosk": kiosk, "members": members, "instruments": [library()[i] for i in instruments]}
    return render(request, "groups/kiosk.html", context)


def _done(kiosk: Kiosk, member_ids: list[int], instruments: list[str]) -> set[int]:
    """Members who answered every session questionnaire since the session's day."""
    if not instruments:
        return set()
    answered: dict[int, set[str]] = {}
    rows = Administration.objects.for_org(kiosk.membership.organization).filter(
        member_id__in=member_ids, reason=Reason.GROUP_SESSION, status=AdministrationStatus.COMPLETED,
        instrument_id__in=instruments, taken_on__gte=kiosk.session.date,
    ).values_list("member_id", "instrument_id")
    for member_id, instrument_id in rows:
        answered.setdefault(member_id, set()).add(instrument_id)
    return {m for m, found in answered.items() if found >= set(instruments)}


@never_cache
@require_http_methods(["POST"])
def kiosk_member(request: HttpRequest, code: str) -> HttpResponse:
    """A member tapped their name: their session questionnaires, one after another."""
    kiosk = _grant(request)
    member = Member.objects.for_org(kiosk.membership.organization).filter(code=code).first()
    if member is None:
        raise Http404("No such member")
    instruments = session_instruments(kiosk.membership.organization_id)
    if member.pk in _done(kiosk, [member.pk], instruments):
        messages.info(request, _("You have already answered. Thank you!"))
        return redirect("kiosk_home")
    request.session[QUEUE_KEY] = {"member": member.pk, "instruments": instruments}
    return _next(request, kiosk)


@never_cache
@require_http_methods(["GET"])
def kiosk_continue(request: HttpRequest) -> HttpResponse:
    """Where the self-report pages return after the answers are sent."""
    kiosk = _grant(request)
    return _next(request, kiosk)


def _next(request: HttpRequest, kiosk: Kiosk) -> HttpResponse:
    queue = request.session.get(QUEUE_KEY) or {}
    remaining = list(queue.get("instruments", []))
    if not remaining:
        request.session.pop(QUEUE_KEY, None)
        return redirect("kiosk_home")
    member = Member.objects.for_org(kiosk.membership.organization).filter(pk=queue.get("member")).first()
    if member is None:
        request.session.pop(QUEUE_KEY, None)
        return redirect("kiosk_home")
    instrument_id = remaining.pop(0)
    request.session[QUEUE_KEY] = {"member": member.pk, "instruments": remaining}
    _administration, token = actions.open_kiosk_questionnaire(
        kiosk.membership, kiosk.session, member, instrument_id, request=request
    )
    set_return_path(request, token, reverse("kiosk_continue"))
    return redirect("self_report", token=token)


@never_cache
@require_http_methods(["POST"])
def kiosk_leave(request: HttpRequest) -> HttpResponse:
    """Leave the kiosk: the grant ends and staff sign in again."""
    kiosk = _grant(request)
    target = reverse("session_detail", kwargs={"pk": kiosk.session.group_id, "session_id": kiosk.session.pk})
    request.session.pop(GRANT_KEY, None)
    request.session.pop(QUEUE_KEY, None)
    return redirect_to_login(target)

