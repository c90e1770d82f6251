"""Scoped reads of the safety path. Every function takes the acting membership
(or, for the member's own pages, the member) and filters by its organisation in
the query; clinical reads need the safety capabilities of the policy module."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from peerpath.members import precompiled
from peerpath.members.models import CareRole, CareTeamAssignment, Member
from peerpath.safety import rules
from peerpath.safety.models import (
    CrisisContact,
    FollowUpState,
    KioskCall,
    SafetyFollowUp,
    SafetyPlan,
    SafetySettings,
)
from peerpath.tenancy.models import Membership, Role
from peerpath.tenancy.policy import Perm, can


def follow_up_hours(organization_id: int) -> int:
    """The organisation's hours to follow up a safety answer (1 query, compiled
    once: every safety answer asks)."""
    hours = precompiled.rows(("safety.follow_up_hours",), _hours, {"organization": organization_id}, prepared=True)
    return hours[0][0] if hours else rules.DEFAULT_FOLLOW_UP_HOURS


def _hours(organization: int) -> QuerySet[SafetySettings, tuple[Any, ...]]:
    return SafetySettings.objects.filter(organization_id=organization).values_list("follow_up_hours")[:1]


@dataclass(frozen=True)
class ContactLine:
    name: str
    number: str
    hours: str
    note: str
    tel: str


def crisis_contacts(organization_id: int) -> list[ContactLine]:
    """The crisis contacts a member of the organisation is shown, in the active
    language for the shipped defaults (1 query, 2 with the organisation's own list;
    compiled once: the crisis page after every safety answer asks)."""
    values = {"organization": organization_id}
    if precompiled.rows(("safety.contacts_edited",), _contacts_edited, values, prepared=True):
        return [
            ContactLine(c.name, c.number, c.hours, c.note, c.tel)
            for c in precompiled.objects(("safety.crisis_contacts",), _own_contacts, values)
        ]
    return [
        ContactLine(str(d.name), d.number, str(d.hours), str(d.note), rules.tel_uri(d.number))
        for d in rules.default_contacts(settings.LANGUAGE_CODE)
    ]


def _contacts_edited(organization: int) -> QuerySet[SafetySettings, tuple[Any, ...]]:
    return SafetySettings.objects.filter(organization_id=organization, contacts_edited=True).values_list("pk")[:1]


def _own_contacts(organization: int) -> QuerySet[CrisisContact]:
    return CrisisContact.objects.filter(organization_id=organization)


def _current_professional(user_id: int) -> Exists:
    today = timezone.localdate()
    return Exists(
        CareTeamAssignment.objects.filter(
            member_id=OuterRef("member_id"), role=CareRole.PROFESSIONAL, professional_id=user_id,
            started_on__lte=today,
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
    )


def open_follow_ups(membership: Membership, member_ids: list[int] | None = None) -> QuerySet[Any]:
    """The open follow-ups this membership must act on, soonest due first:

    * with ``member_ids`` (a caseload): every open follow-up of those members;
    * without: those of members in the viewer's care team, and — for the roles
      that receive escalations — every overdue one (plus every one of a member
      with no professional assigned, who has nobody else).
    Nothing for roles without the safety capability."""
    if not can(membership, Perm.SAFETY_FOLLOW_UP):
        return SafetyFollowUp.objects.none()
    qs = SafetyFollowUp.objects.for_org(membership.organization).filter(state=FollowUpState.OPEN)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    else:
        mine = Q(_mine=True)
        if can(membership, Perm.SAFETY_ESCALATED):
            today = timezone.localdate()
            unassigned = ~Exists(
                CareTeamAssignment.objects.filter(
                    member_id=OuterRef("member_id"), role=CareRole.PROFESSIONAL, started_on__lte=today,
                ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
            )
            mine |= Q(due_at__lte=timezone.now()) | Q(_unassigned=True)
            qs = qs.annotate(_unassigned=unassigned)
        qs = qs.annotate(_mine=_current_professional(membership.user_id)).filter(mine)
    return qs.select_related("member").order_by("due_at", "pk")


def urgent_follow_ups(membership: Membership, member_ids: list[int] | None = None) -> list[SafetyFollowUp]:
    """``open_follow_ups`` for the urgent panel of the dashboards and the caseload,
    which most days is empty: one plain query says whether the organisation has
    any open follow-up at all, and only then is the fuller query (care teams,
    escalation) built and run. Both read the database as it is now; the first is
    compiled once and prepared (the caseload and the dashboards ask on every view)."""
    if not can(membership, Perm.SAFETY_FOLLOW_UP):
        return []
    if not precompiled.rows(("safety.any_open_follow_up",), _any_open_follow_up,
                            {"organization": membership.organization_id}, prepared=True):
        return []
    return list(open_follow_ups(membership, member_ids))


def _any_open_follow_up(organization: int) -> QuerySet[SafetyFollowUp, tuple[Any, ...]]:
    return SafetyFollowUp.objects.filter(organization_id=organization, state=FollowUpState.OPEN).values_list("pk")[:1]


def member_follow_ups(membership: Membership, member: Member) -> list[SafetyFollowUp]:
    """Every follow-up of one member, newest first (1 query, compiled once and, on
    PostgreSQL, planned once per connection: the member page's safety panel asks on
    every view)."""
    if not can(membership, Perm.SAFETY_FOLLOW_UP):
        return []
    return precompiled.objects(("safety.member_follow_ups",), _follow_up_rows,
                               {"organization": membership.organization_id, "member": member.pk}, prepared=True)


def _follow_up_rows(organization: int, member: int) -> QuerySet[SafetyFollowUp]:
    return SafetyFollowUp.objects.for_org(organization).filter(member_id=member).order_by("-opened_at")


def get_follow_up(membership: Membership, member: Member, pk: int) -> SafetyFollowUp:
    if not can(membership, Perm.SAFETY_FOLLOW_UP):
        raise Http404("No such follow-up")
    found = (
        SafetyFollowUp.objects.for_org(membership.organization).filter(member=member, pk=pk)
        .select_related("administration").prefetch_related("contacts").first()
    )
    if found is None:
        raise Http404("No such follow-up")
    return found


def open_follow_up_of(member: Member) -> SafetyFollowUp | None:
    """For the member's own pages (the portal, the crisis page): their open
    follow-up, if any (soonest due; 1 query, compiled once)."""
    found = precompiled.objects(("safety.open_follow_up_of",), _open_follow_up,
                                {"organization": member.organization_id, "member": member.pk}, prepared=True)
    return found[0] if found else None


def _open_follow_up(organization: int, member: int) -> QuerySet[SafetyFollowUp]:
    return SafetyFollowUp.objects.filter(organization_id=organization, member_id=member,
                                         state=FollowUpState.OPEN).order_by("due_at")[:1]


def current_plan(member: Member) -> SafetyPlan | None:
    """The member's latest safety plan (1 query, compiled once and, on PostgreSQL,
    planned once per connection: the member page's safety panel asks on every view)."""
    found = precompiled.objects(("safety.current_plan",), _latest_plan,
                                {"organization": member.organization_id, "member": member.pk}, prepared=True)
    return found[0] if found else None


def _latest_plan(organization: int, member: int) -> QuerySet[SafetyPlan]:
    return SafetyPlan.objects.filter(organization_id=organization, member_id=member).order_by("-version")[:1]


def may_see_plan(membership: Membership, plan: SafetyPlan | None) -> bool:
    """Clinical staff see every plan; a peer leader only a plan the member chose to
    share with their peer mentor; nobody else."""
    if plan is None or plan.organization_id != membership.organization_id:
        return False
    if can(membership, Perm.SAFETY_PLAN):
        return True
    return membership.role == Role.PEER_LEADER and plan.share_with_mentor


def plan_versions(member: Member) -> list[SafetyPlan]:
    return list(SafetyPlan.objects.filter(organization_id=member.organization_id, member=member).order_by("-version"))


def mentee_plans(mentor: Member) -> list[tuple[Member, SafetyPlan]]:
    """Plans of the member's current mentees who ticked that their peer mentor may
    see them (newest version only)."""
    today = timezone.localdate()
    mentee_ids = list(
        CareTeamAssignment.objects.filter(
            organization_id=mentor.organization_id, mentor=mentor, role=CareRole.PEER_MENTOR, started_on__lte=today,
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today)).values_list("member_id", flat=True)
    )
    if not mentee_ids:
        return []
    latest: dict[int, SafetyPlan] = {}
    for plan in SafetyPlan.objects.filter(organization_id=mentor.organization_id, member_id__in=mentee_ids) \
            .select_related("member").order_by("member_id", "-version"):
        latest.setdefault(plan.member_id, plan)
    return [(p.member, p) for p in latest.values() if p.share_with_mentor]


def open_kiosk_calls(membership: Membership) -> list[KioskCall]:
    """Unanswered kiosk calls of today for sessions this membership facilitates,
    recorded or (for coordinators and admins) of the whole organisation."""
    if not can(membership, Perm.KIOSK_CALL):
        return []
    since = timezone.now() - dt.timedelta(hours=12)
    values: dict[str, Any] = {"organization": membership.organization_id, "since": since}
    if not precompiled.rows(("safety.any_kiosk_call",), _any_kiosk_call, values, prepared=True):
        # Most of the time there is no call at all: one plain query, compiled once and
        # prepared, not the facilitators' join (every dashboard asks).
        return []
    qs = _unanswered_calls(membership.organization_id, since)
    if membership.role not in (Role.COORDINATOR, Role.ADMIN):
        qs = qs.filter(Q(session__facilitators=membership.user_id) | Q(session__recorded_by=membership.user_id))
    return list(qs.select_related("member", "session__group").distinct().order_by("raised_at"))


def _unanswered_calls(organization: int, since: dt.datetime) -> QuerySet[KioskCall]:
    return KioskCall.objects.for_org(organization).filter(answered_at__isnull=True, raised_at__gte=since)


def _any_kiosk_call(organization: int, since: dt.datetime) -> QuerySet[KioskCall, tuple[Any, ...]]:
    return _unanswered_calls(organization, since).values_list("pk")[:1]


def get_kiosk_call(membership: Membership, pk: int) -> KioskCall:
    for call in open_kiosk_calls(membership):
        if call.pk == pk:
            return call
    raise Http404("No such call")


def follow_up_rows(organization_ids: list[int], start: dt.date, end: dt.date, member_ids: Any) -> list[SafetyFollowUp]:
    """Follow-ups opened from ``start`` to ``end`` (local dates, inclusive) in these
    organisations, of the members ``member_ids`` (a subquery), for the reports
    (one query; the report decides what may be shown)."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return list(
        SafetyFollowUp.objects.filter(organization_id__in=organization_ids, opened_at__gte=lo, opened_at__lt=hi,
                                      member_id__in=member_ids)
        .only("member_id", "opened_at", "first_due_at", "closed_at", "outcome")
    )
