"""What the groups app adds elsewhere: timeline providers and the "Peer groups"
panel of the member page, the "group_session" questionnaire trigger, and the
member's section of the portal home."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from typing import Any

from django.db.models import F, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.groups import permissions
from peerpath.groups.models import (
    ATTENDED,
    EXPECTED,
    Attendance,
    CriticalIncident,
    FeedbackNote,
    RosterEntry,
)
from peerpath.groups.profile import rate
from peerpath.measures import events
from peerpath.members import panels, precompiled
from peerpath.members.models import Member
from peerpath.members.timeline import Source, TimelineEntry, Track, label, register
from peerpath.portal import sections
from peerpath.portal.models import MemberAccount
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can

PANEL_MONTHS = 3


@register
def roster_entries(member: Member) -> list[Source]:
    rows = RosterEntry.objects.filter(organization_id=member.organization_id, member=member)

    def joined(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="group.joined",
                             title=_("Joined the group %(group)s") % {"group": d["group"]})

    def left(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="group.left",
                             title=_("Left the group %(group)s") % {"group": d["group"]})

    columns = {"group": F("group__name")}
    return [
        Source(name="group.joined", queryset=rows, date=F("joined_on"), track=Track.PEER, columns=columns,
               render=joined),
        Source(name="group.left", queryset=rows.filter(left_on__isnull=False), date=F("left_on"), track=Track.PEER,
               columns=columns, render=left),
    ]


@register
def sessions(member: Member) -> list[Source]:
    rows = Attendance.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="group.session",
            title=_("Group session %(group)s: %(status)s") % {
                "group": d["group"], "status": label(Attendance, "status", d["status"]),
            },
            detail=d["theme"] or "",
        )

    return [Source(
        name="group.session", queryset=rows, date=F("session__date"), at=F("session__created_at"), track=Track.PEER,
        columns={"group": F("session__group__name"), "status": F("status"), "theme": F("session__theme")},
        render=render,
    )]


@register
def incidents(member: Member) -> list[Source]:
    """The member wrote a critical incident. Its text stays off the timeline (the
    timeline cannot check each group's scope): it is read on the session page."""
    rows = CriticalIncident.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="group.incident", private_detail=True,
                             title=_("Wrote a critical incident in %(group)s") % {"group": d["group"]})

    return [Source(name="group.incident", queryset=rows, date=F("session__date"), track=Track.PEER,
                   columns={"group": F("session__group__name")}, render=render)]


@register
def feedback(member: Member) -> list[Source]:
    rows = FeedbackNote.objects.filter(organization_id=member.organization_id).filter(
        Q(giver=member) | Q(receiver=member))

    def render(d: dict[str, Any]) -> TimelineEntry:
        if d["giver"] == d["_member"]:
            title = _("Gave here-and-now feedback to %(code)s in %(group)s") % {
                "code": d["receiver_code"], "group": d["group"]}
        else:
            title = _("Received here-and-now feedback from %(code)s in %(group)s") % {
                "code": d["giver_code"], "group": d["group"]}
        return TimelineEntry(date=d["_date"], kind="group.feedback", title=title, private_detail=True)

    return [Source(
        name="group.feedback", queryset=rows, date=F("session__date"), at=F("session__created_at"), track=Track.PEER,
        columns={"giver": F("giver_id"), "giver_code": F("giver__code"), "receiver_code": F("receiver__code"),
                 "group": F("session__group__name")},
        render=render,
    )]


@panels.register
def peer_groups_panel(member: Member, membership: Membership) -> panels.Panel | None:
    """Current groups, attendance over the last three months, the last session
    (peer leaders: only the groups they facilitate). Two queries: the current
    groups, and the attendance of the last three months with the last session
    attended (whenever it was)."""
    if not can(membership, Perm.GROUP_VIEW):
        return None
    # Both queries are compiled once per role (what the role's scope looks like)
    # and run with this page's values (``precompiled``).
    values: dict[str, Any] = {"organization": member.organization_id, "member": member.pk}
    if not permissions.sees_all_groups(membership):
        values["user"] = membership.user_id
    shape = (membership.role, membership.is_active)
    current = precompiled.objects(("groups.panel.current", *shape), partial(_current_groups, shape[0]), values)
    since = timezone.localdate() - dt.timedelta(days=30 * PANEL_MONTHS)
    rows = precompiled.objects(("groups.panel.attendance", *shape), partial(_attendance_rows, shape[0]),
                               {**values, "since": since})
    statuses = [a.status for a in rows if a.session.date >= since]
    last = next((a for a in rows if a.status in ATTENDED), None)
    if not current and last is None and not statuses:
        return None
    attended = sum(1 for s in statuses if s in ATTENDED)
    expected = sum(1 for s in statuses if s in EXPECTED)
    return panels.Panel(
        template="groups/_member_panel.html", title=_("Peer groups"),
        context={"current": current, "attended": attended, "expected": expected, "rate": rate(attended, expected),
                 "last": last, "months": PANEL_MONTHS},
    )


def _viewer(organization: int, role: str, user: int | None) -> Membership:
    """A stand-in for the viewer: what ``permissions.visible_q`` reads of it."""
    return Membership(organization_id=organization, role=role, user_id=user or 0, is_active=True)


def _current_groups(role: str, organization: int, member: int, user: int | None = None) -> QuerySet[RosterEntry]:
    scope = permissions.visible_q(_viewer(organization, role, user), prefix="group__")
    return (RosterEntry.objects.for_org(organization).filter(member_id=member, left_on__isnull=True)
            .filter(scope).select_related("group").order_by("group__name"))


def _attendance_rows(role: str, organization: int, member: int, since: dt.date,
                     user: int | None = None) -> QuerySet[Attendance]:
    """The member's attendance since ``since``, and the last session attended."""
    session_scope = permissions.visible_q(_viewer(organization, role, user), prefix="session__group__")
    seen = Attendance.objects.for_org(organization).filter(member_id=member).filter(session_scope)
    last_attended = seen.filter(status__in=ATTENDED).order_by("-session__date").values("pk")[:1]
    return (seen.filter(Q(session__date__gte=since) | Q(pk__in=Subquery(last_attended)))
            .select_related("session__group").order_by("-session__date"))


@events.register("group_session")
def group_session_dates(organization_id: int, member_ids: list[int]) -> dict[int, list[dt.date]]:
    """Dates of the sessions each member attended (present or late), in one query."""
    found: dict[int, list[dt.date]] = defaultdict(list)
    rows = Attendance.objects.filter(
        organization_id=organization_id, member_id__in=member_ids, status__in=ATTENDED
    ).values_list("member_id", "session__date")
    for member_id, day in rows:
        found[member_id].append(day)
    return dict(found)


@sections.register
def my_groups(account: MemberAccount) -> sections.PortalSection | None:
    """The member's current groups, with a link to their reflections (one query)."""
    current = list(
        RosterEntry.objects.for_org(account.organization).filter(member=account.member, left_on__isnull=True)
        .select_related("group").order_by("group__name")
    )
    if not current:
        return None
    return sections.PortalSection(template="groups/_portal_section.html", title=_("My groups"),
                                  context={"current": current})
