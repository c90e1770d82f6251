"""Scoped, policy-checked reads of the groups app. Reads of a group are audited.

The functions at the end (``recent_attendance`` …) are for other apps (alerts,
reports, the pathway): fixed queries for any number of members, no access check
inside — their callers check.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connections
from django.db.models import Count, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups import permissions
from peerpath.groups.models import (
    ATTENDED,
    EXPECTED,
    Attendance,
    CriticalIncident,
    IncidentCoding,
    Norm,
    PeerGroup,
    RosterEntry,
    Session,
)
from peerpath.measures.models import StoredScore
from peerpath.members import precompiled
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def groups_visible_to(membership: Membership) -> QuerySet[PeerGroup]:
    """The organisation's groups the membership may see (peer leaders: the groups
    they facilitate)."""
    require(membership, Perm.GROUP_VIEW)
    return PeerGroup.objects.for_org(membership.organization).filter(permissions.visible_q(membership))


def group_list(membership: Membership, request: HttpRequest | None = None) -> list[PeerGroup]:
    """Visible groups with their current roster size and last session (one query)."""
    groups: list[PeerGroup] = list(
        groups_visible_to(membership)
        .select_related("peer_leader", "co_facilitator")
        .annotate(
            current=Count("roster", filter=Q(roster__left_on__isnull=True), distinct=True),
            last_session=Max("sessions__date"),
        )
        .order_by("ended_on", "name")
    )
    audit.record_by(membership, Event.GROUP_VIEW, request=request, extra={"list": True, "shown": len(groups)})
    return groups


def get_group(membership: Membership, pk: int, request: HttpRequest | None = None) -> PeerGroup:
    """One visible group (404 for another organisation's or one not visible), audited as a read."""
    group = get_group_for_write(membership, pk, Perm.GROUP_VIEW)
    audit.record_by(membership, Event.GROUP_VIEW, target=group, request=request)
    return group


def get_group_for_write(membership: Membership, pk: int, perm: Perm) -> PeerGroup:
    """A visible group to change (the write itself is audited by the action).

    Read by every group page: compiled once per shape of the viewer's scope (all
    the organisation's groups, or those the viewer facilitates: ``visible_q``),
    run as a prepared statement."""
    require(membership, perm)
    require(membership, Perm.GROUP_VIEW)
    values = {"organization": membership.organization_id, "pk": pk}
    if not permissions.sees_all_groups(membership):
        values["user"] = membership.user_id
    found = precompiled.objects(("groups.visible_group", membership.role, membership.is_active),
                                partial(_visible_group, membership.role, membership.is_active), values,
                                prepared=True)
    if not found:
        raise Http404("No such group")
    return found[0]


def _visible_group(role: str, is_active: bool, organization: int, pk: int, user: int = 0) -> QuerySet[PeerGroup]:
    # The viewer as visible_q reads it: its role, whether it is active, its user.
    viewer = Membership(organization_id=organization, role=role, is_active=is_active, user_id=user)
    return (
        PeerGroup.objects.for_org(organization).filter(permissions.visible_q(viewer))
        .select_related("organization", "peer_leader", "co_facilitator").filter(pk=pk)
    )


def get_session(group: PeerGroup, session_id: int) -> Session:
    """A session of a group already checked by ``get_group*``."""
    try:
        return Session.objects.for_org(group.organization).select_related("group").get(group=group, pk=session_id)
    except Session.DoesNotExist:
        raise Http404("No such session") from None


def get_incident(group: PeerGroup, incident_id: int) -> CriticalIncident:
    try:
        return (
            CriticalIncident.objects.for_org(group.organization)
            .select_related("session__group", "member")
            .get(session__group=group, pk=incident_id)
        )
    except CriticalIncident.DoesNotExist:
        raise Http404("No such incident") from None


def get_roster_entry(group: PeerGroup, entry_id: int) -> RosterEntry:
    try:
        return RosterEntry.objects.for_org(group.organization).select_related("group").get(group=group, pk=entry_id)
    except RosterEntry.DoesNotExist:
        raise Http404("No such roster entry") from None


def get_norm(group: PeerGroup, norm_id: int) -> Norm:
    try:
        return Norm.objects.for_org(group.organization).select_related("group", "supersedes").get(group=group, pk=norm_id)
    except Norm.DoesNotExist:
        raise Http404("No such norm") from None


def roster_on(group: PeerGroup, day: dt.date) -> list[RosterEntry]:
    """Who was on the roster on ``day``, by member code."""
    return list(
        RosterEntry.objects.for_org(group.organization)
        .filter(group=group, joined_on__lte=day).exclude(left_on__lt=day)
        .select_related("member").order_by("member__code")
    )


def roster_history(group: PeerGroup) -> list[RosterEntry]:
    """Every roster entry with its member's code and name (the only member fields
    the roster shows: the member's other encrypted fields are not read).

    This query, the norms' and the sessions' below are read with every group page:
    each is compiled once (``members.precompiled``), as building it cost more than
    running it."""
    return precompiled.objects(("groups.roster_history",), _roster_rows,
                               {"organization": group.organization_id, "group": group.pk})


ROSTER_FIELDS = ("organization_id", "group_id", "joined_on", "left_on", "member__organization_id",
                 "member__code", "member__name")


def _roster_rows(organization: int, group: int) -> QuerySet[RosterEntry]:
    return (
        RosterEntry.objects.for_org(organization).filter(group_id=group)
        .select_related("member").only(*ROSTER_FIELDS).order_by("left_on", "member__code", "-joined_on")
    )


@dataclass(frozen=True)
class RosterRow:
    """A roster entry as the group page shows it."""

    code: str
    name: str
    joined_on: dt.date
    left_on: dt.date | None


def roster_rows(group: PeerGroup) -> list[RosterRow]:
    """``roster_history`` as light rows for the group page: the entries with their
    member's code and name (decrypted here, as the field does), in the same order;
    one query, prepared (``members.precompiled``)."""
    found = precompiled.rows(("groups.roster_rows",), _roster_tuples,
                             {"organization": group.organization_id, "group": group.pk}, prepared=True)
    name = Member._meta.get_field("name")
    connection = connections["default"]
    return [RosterRow(code, name.from_db_value(secret, None, connection) or "", _day(joined),
                      None if left is None else _day(left))
            for code, secret, joined, left in found]


def _roster_tuples(organization: int, group: int) -> QuerySet[RosterEntry, Any]:
    return _roster_rows(organization, group).values_list("member__code", "member__name", "joined_on", "left_on")


def norms_of(group: PeerGroup) -> list[Norm]:
    return precompiled.objects(("groups.norms_of",), _norm_rows, {"organization": group.organization_id,
                                                                  "group": group.pk}, prepared=True)


def _norm_rows(organization: int, group: int) -> QuerySet[Norm]:
    return Norm.objects.for_org(organization).filter(group_id=group).order_by("proposed_on", "pk")


def norms_in_force(group: PeerGroup, day: dt.date) -> list[Norm]:
    return list(
        Norm.objects.for_org(group.organization)
        .filter(group=group, agreed_on__lte=day).exclude(retired_on__lte=day).order_by("agreed_on", "pk")
    )


@dataclass
class SessionRow:
    """A row of the group page's sessions table: a session with its counts."""

    pk: int
    date: dt.date
    theme: str
    incident_count: int
    attended: int = 0
    expected: int = 0


def latest_sessions(group: PeerGroup, limit: int = 20) -> tuple[list[SessionRow], dt.date | None]:
    """The latest sessions with their incident counts, newest first, and the date of
    the group's first session (None without a session): one query, compiled once
    and run as a prepared statement (``members.precompiled``). Their attendance
    counts are set by ``count_attendance``."""
    found = precompiled.rows(("groups.latest_sessions", limit), partial(_session_rows, limit=limit),
                             {"organization": group.organization_id, "group": group.pk}, prepared=True)
    sessions = [SessionRow(pk, _day(day), theme, incidents) for pk, day, theme, incidents, _first in found]
    return sessions, _day(found[0][4]) if found else None


def count_attendance(sessions: list[SessionRow], attendance: list[tuple[int, dt.date, str]]) -> None:
    """Set each session's attended and expected counts from ``attendance_rows`` (a
    session is the group's on its day; rows of other days are left out)."""
    counts: dict[dt.date, list[int]] = {s.date: [0, 0] for s in sessions}
    for _member, day, status in attendance:
        found = counts.get(day)
        if found is not None:
            found[0] += status in _ATTENDED
            found[1] += status in _EXPECTED
    for s in sessions:
        s.attended, s.expected = counts[s.date]


def _session_rows(organization: int, group: int, limit: int) -> QuerySet[Session, Any]:
    sessions: QuerySet[Session] = Session.objects.for_org(organization).filter(group_id=group)
    return (
        sessions.annotate(incident_count=Count("incidents"), first=Window(Min("date")))
        .order_by("-date").values_list("pk", "date", "theme", "incident_count", "first")[:limit]
    )


def _day(value: object) -> dt.date:
    """A date as the database gives it (a string on SQLite)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def recent_session_dates(group: PeerGroup, limit: int = 8) -> list[dt.date]:
    """Dates of the group's latest sessions, newest first (one query)."""
    return list(
        Session.objects.for_org(group.organization).filter(group=group)
        .order_by("-date").values_list("date", flat=True)[:limit]
    )


def session_contents(session: Session) -> dict[str, list]:
    """Attendance, norm observations, feedback notes and incidents (with their codings) of one session."""
    org = session.organization_id
    incidents = list(
        CriticalIncident.objects.filter(organization_id=org, session=session).select_related("member")
        .prefetch_related("codings__coder").order_by("pk")
    )
    return {
        "attendance": list(
            Attendance.objects.filter(organization_id=org, session=session).select_related("member")
            .order_by("member__code")
        ),
        "observations": list(session.norm_observations.select_related("norm").order_by("norm__agreed_on", "pk")),
        "feedback": list(session.feedback_notes.select_related("giver", "receiver").order_by("pk")),
        "incidents": incidents,
        "facilitators": list(session.facilitators.order_by("last_name", "first_name")),
    }


_ATTENDED = frozenset(s.value for s in ATTENDED)
_EXPECTED = frozenset(s.value for s in EXPECTED)


# The first date the database keeps: "since" for the whole history.
EVER = dt.date(1, 1, 1)


def attendance_rows(group: PeerGroup, since: dt.date = EVER) -> list[tuple[int, dt.date, str]]:
    """(member id, session date, status) of every attendance record of the group's
    sessions since ``since`` (one query, prepared): what the attendance chart, the
    sessions table's counts and the group climate are drawn from."""
    # Scoped through the session (the group's organisation): a filter on the
    # attendance's own organisation leads PostgreSQL to read the organisation's
    # whole attendance when it misjudges how many rows a session has.
    found = precompiled.rows(("groups.attendance_rows",), _attendance_rows,
                             {"organization": group.organization_id, "group": group.pk, "since": since},
                             prepared=True)
    return [(member, _day(day), status) for member, day, status in found]


def _attendance_rows(organization: int, group: int, since: dt.date) -> QuerySet[Attendance, Any]:
    return (
        Attendance.objects.filter(session__organization_id=organization, session__group_id=group,
                                  session__date__gte=since)
        .values_list("member_id", "session__date", "status")
    )


def attendance_by_month(rows: list[tuple[int, dt.date, str]]) -> list[tuple[dt.date, int, int]]:
    """(first day of month, attended, expected) for every month with a session, from
    ``attendance_rows`` (no query)."""
    months: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    month_of: dict[dt.date, dt.date] = {}
    for _member, day, status in rows:
        month = month_of.get(day)
        if month is None:
            month = month_of[day] = day.replace(day=1)
        counts = months[month]
        counts[0] += status in _ATTENDED
        counts[1] += status in _EXPECTED
    return [(m, a, e) for m, (a, e) in sorted(months.items())]


def codings(group: PeerGroup, since: dt.date = EVER) -> list[tuple[int, int, list[str], dt.date]]:
    """(incident id, rank, factors, session date) of every coding of the group's
    incidents of sessions since ``since`` in the group's code set (one query,
    prepared: planning its joins cost more than running them): what the factor
    profile and the coders' agreement are drawn from."""
    found = precompiled.rows(("groups.codings",), _coding_rows, {
        "organization": group.organization_id, "group": group.pk, "code_set": group.code_set, "since": since},
        prepared=True)
    # The factors as the database gives them: JSON text (the field's from_db_value is not applied).
    return [(incident, rank, value if isinstance(value, list) else json.loads(value), _day(day))
            for incident, rank, value, day in found]


def _coding_rows(organization: int, group: int, code_set: str, since: dt.date) -> QuerySet[IncidentCoding, Any]:
    return IncidentCoding.objects.filter(
        organization_id=organization, incident__session__group_id=group, code_set=code_set,
        incident__session__date__gte=since,
    ).values_list("incident_id", "rank", "factors", "incident__session__date")


def climate_scores(group: PeerGroup, instrument: str, score_ids: tuple[str, ...],
                   since: dt.date = EVER) -> list[tuple[int, dt.date, str, float]]:
    """(member id, day, score id, value) of the scores of ``instrument`` taken since
    ``since`` by the members who attended a session of the group since then (one
    query, prepared). The caller keeps the (member, day) pairs who attended: the
    query reads the members' own scores by the members' index, so its cost follows
    the group's members and the period, never the organisation's history."""
    found = precompiled.rows(("groups.climate_scores", instrument, score_ids),
                             partial(_climate_rows, instrument=instrument, score_ids=score_ids),
                             {"organization": group.organization_id, "group": group.pk, "since": since},
                             prepared=True)
    return [(member, _day(day), score_id, value) for member, day, score_id, value in found]


def _climate_rows(organization: int, group: int, since: dt.date, instrument: str,
                  score_ids: tuple[str, ...]) -> QuerySet[StoredScore, Any]:
    attended = Attendance.objects.filter(
        session__organization_id=organization, session__group_id=group, session__date__gte=since,
        status__in=sorted(_ATTENDED),
    ).values("member_id")
    return StoredScore.objects.filter(
        organization_id=organization, instrument_id=instrument, score_id__in=score_ids, value__isnull=False,
        member_id__in=attended, taken_on__gte=since,
    ).values_list("member_id", "taken_on", "score_id", "value")


def first_codings(rows: list[tuple[int, int, list[str], dt.date]]) -> list[tuple[dt.date, list[str]]]:
    """(session date, factors) of the first coder's coding of each incident, from
    ``codings`` (no query)."""
    return [(day, factors) for _incident, rank, factors, day in rows if rank == 1]


def double_codings(rows: list[tuple[int, int, list[str], dt.date]]) -> list[tuple[dt.date, list[str], list[str]]]:
    """(session date, first coder's factors, second coder's factors) of incidents
    coded by both coders, from ``codings`` (no query)."""
    by_incident: dict[int, dict[int, list[str]]] = defaultdict(dict)
    dates: dict[int, dt.date] = {}
    for incident_id, rank, factors, day in rows:
        by_incident[incident_id][rank] = factors
        dates[incident_id] = day
    return sorted(
        (dates[i], c[1], c[2]) for i, c in by_incident.items() if 1 in c and 2 in c
    )


# -- for other apps (no access check: callers check) --------------------------


def recent_attendance(organization_id: int, member_ids: list[int], n: int = 3) -> dict[int, list[tuple[dt.date, str]]]:
    """Each member's last ``n`` attendance records (date, status), newest first (one query)."""
    if not member_ids:
        return {}
    rows = (
        Attendance.objects.filter(organization_id=organization_id, member_id__in=member_ids)
        .annotate(position=Window(RowNumber(), partition_by="member_id", order_by=["-session__date", "-pk"]))
        .filter(position__lte=n)
        .values_list("member_id", "session__date", "status")
        .order_by("member_id", "-session__date", "-pk")
    )
    found: dict[int, list[tuple[dt.date, str]]] = {m: [] for m in member_ids}
    for member_id, day, status in rows:
        found[member_id].append((day, status))
    return found


def sessions_attended(organization_id: int, member_ids: list[int], since: dt.date | None = None) -> dict[int, int]:
    """Sessions attended (present or late) per member, since a date if given (one query)."""
    rows = Attendance.objects.filter(organization_id=organization_id, member_id__in=member_ids, status__in=ATTENDED)
    if since is not None:
        rows = rows.filter(session__date__gte=since)
    counts = dict(rows.values_list("member_id").annotate(n=Count("pk")).order_by())
    return {m: counts.get(m, 0) for m in member_ids}


def co_members(organization_id: int, member_id: int) -> list[int]:
    """Ids of the members currently on a roster together with this member (one query)."""
    groups = RosterEntry.objects.filter(organization_id=organization_id, member_id=member_id, left_on__isnull=True)
    return sorted(set(
        RosterEntry.objects.filter(
            organization_id=organization_id, left_on__isnull=True, group_id__in=groups.values("group_id")
        ).exclude(member_id=member_id).values_list("member_id", flat=True)
    ))


def attendance_by_member(organization_id: int, since: dt.date, until: dt.date) -> dict[int, tuple[int, int]]:
    """(attended, expected) per member over sessions from ``since`` to ``until``
    inclusive; expected counts present, late and absent (one query)."""
    rows = (
        Attendance.objects.filter(organization_id=organization_id, session__date__gte=since, session__date__lte=until)
        .values("member_id")
        .annotate(attended=Count("pk", filter=Q(status__in=ATTENDED)), expected=Count("pk", filter=Q(status__in=EXPECTED)))
        .order_by()
    )
    return {r["member_id"]: (r["attended"], r["expected"]) for r in rows}
