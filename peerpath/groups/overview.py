"""The groups a staff user facilitates, at a glance (the peer leader's dashboard).

For each ongoing group the user leads or co-facilitates: its next meeting day,
its last session's attendance, members absent from its last two sessions, the
critical incidents no one has coded yet, and whether today's session is
recorded. Four queries for any number of groups, sessions and members.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups.meeting_days import meeting_weekdays, next_meeting
from peerpath.groups.models import (
    ATTENDED,
    EXPECTED,
    Attendance,
    AttendanceStatus,
    CriticalIncident,
    PeerGroup,
    Session,
)
from peerpath.groups.selectors import groups_visible_to
from peerpath.members import precompiled
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can

RECENT_SESSIONS = 8  # sessions read to find the meeting days


@dataclass
class GroupOverview:
    group: PeerGroup
    next_session: dt.date | None = None
    today_session_id: int | None = None
    last_session: Session | None = None
    last_attended: int = 0
    last_expected: int = 0
    missed_twice: list[Member] = field(default_factory=list)
    uncoded: int = 0
    first_uncoded_id: int | None = None


def _facilitated(role: str, organization: int, user: int) -> QuerySet[PeerGroup]:
    """The ongoing groups ``user`` leads or co-facilitates, as a viewer of ``role`` sees them."""
    viewer = Membership.stand_in(organization, role, user)
    return (groups_visible_to(viewer).filter(Q(peer_leader=user) | Q(co_facilitator=user), ended_on__isnull=True)
            .order_by("name"))


def _recent_sessions(role: str, organization: int, user: int, today: dt.date) -> QuerySet[Session]:
    """The latest ``RECENT_SESSIONS`` sessions up to ``today`` of each group of ``_facilitated``."""
    return (
        Session.objects.filter(organization_id=organization, date__lte=today,
                               group__in=_facilitated(role, organization, user).values("pk"))
        .annotate(position=Window(RowNumber(), partition_by="group_id", order_by=["-date", "-pk"]))
        .filter(position__lte=RECENT_SESSIONS)
        .order_by("group_id", "-date")
    )


def _attendance(organization: int, **sessions: int) -> QuerySet[Any]:
    return Attendance.objects.filter(organization_id=organization, session_id__in=list(sessions.values())).values_list(
        "session_id", "status", "member_id", "member__organization_id", "member__code", "member__name",
        "member__preferred_name")


_MEMBER_FIELDS = ["id", "organization_id", "code", "name", "preferred_name"]  # as _attendance reads them


def _uncoded(role: str, organization: int, user: int) -> QuerySet[Any]:
    """The critical incidents of the groups of ``_facilitated`` that no one has coded yet."""
    return (CriticalIncident.objects.filter(organization_id=organization,
                                            session__group__in=_facilitated(role, organization, user).values("pk"))
            .exclude(codings__rank=1).values_list("session__group_id", "pk").order_by("pk"))


def my_groups(membership: Membership, today: dt.date, request: HttpRequest | None = None) -> list[GroupOverview]:
    """The ongoing groups the user facilitates, with their figures; empty without
    the groups capability. Reading who missed sessions is audited as a group read."""
    if not can(membership, Perm.GROUP_VIEW):
        return []
    # Compiled once per role (which groups it sees is the shape of the query), planned
    # once per connection: most viewers facilitate none, and read nothing more.
    groups: list[PeerGroup] = precompiled.objects(
        ("groups.my_groups", membership.role), partial(_facilitated, membership.role),
        {"organization": membership.organization_id, "user": membership.user_id}, prepared=True)
    if not groups:
        return []
    org, role, user = membership.organization_id, membership.role, membership.user_id
    # Each read below is compiled once per role and planned once per connection (the
    # groups as a subquery of the user, not a list of ids): building and compiling them
    # on each view cost more than running them.
    sessions = precompiled.objects(
        ("groups.my_groups.sessions", role), partial(_recent_sessions, role),
        {"organization": org, "user": user, "today": today}, prepared=True)
    by_group: dict[int, list[Session]] = defaultdict(list)
    for s in sessions:
        by_group[s.group_id].append(s)
    last_two = sorted(s.pk for g in by_group.values() for s in g[:2])
    # Who came to the last two sessions, with only what the panel shows of the members
    # (each member column read is decrypted: their whole rows cost some 0.7 ms a view).
    attendance = precompiled.tuples(
        ("groups.my_groups.attendance", len(last_two)), _attendance,
        {"organization": org, **{f"s{n}": pk for n, pk in enumerate(last_two)}}) if last_two else []
    incidents = precompiled.tuples(
        ("groups.my_groups.uncoded", role), partial(_uncoded, role), {"organization": org, "user": user},
        prepared=True)
    uncoded: dict[int, list[int]] = defaultdict(list)
    for group_id, pk in incidents:
        uncoded[group_id].append(pk)
    rows_by_session: dict[int, list[tuple[int, str]]] = defaultdict(list)
    members: dict[int, list[Any]] = {}  # id → the member columns of _MEMBER_FIELDS
    for session_id, status, *member in attendance:
        rows_by_session[session_id].append((member[0], status))
        members[member[0]] = member

    found = []
    missed: dict[int, set[int]] = {}  # group → members absent from its last two sessions
    for g in groups:
        recent = by_group.get(g.pk, [])
        weekdays = meeting_weekdays(g.schedule, [s.date for s in recent])
        held_today = next((s for s in recent if s.date == today), None)
        row = GroupOverview(
            group=g,
            next_session=next_meeting(weekdays, today, include=held_today is None),
            today_session_id=held_today.pk if held_today else None,
            uncoded=len(uncoded.get(g.pk, [])),
            first_uncoded_id=next(iter(uncoded.get(g.pk, [])), None),
        )
        if recent:
            last = recent[0]
            row.last_session = last
            statuses = [status for _, status in rows_by_session[last.pk]]
            row.last_attended = sum(s in ATTENDED for s in statuses)
            row.last_expected = sum(s in EXPECTED for s in statuses)
        if len(recent) >= 2:
            absent = [
                {m for m, status in rows_by_session[s.pk] if status == AttendanceStatus.ABSENT} for s in recent[:2]
            ]
            missed[g.pk] = absent[0] & absent[1]
        found.append(row)
    for row in found:  # as Member.objects.only(...) would give them
        row.missed_twice = sorted((Member.from_db("default", _MEMBER_FIELDS, members[pk])
                                   for pk in missed.get(row.group.pk, ())), key=lambda m: m.code)
    audit.record_by(membership, Event.GROUP_VIEW, request=request,
                    extra={"page": "dashboard", "shown": len(found)})
    return found
