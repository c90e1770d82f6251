"""What the groups app adds elsewhere: timeline providers and the "Peer groups"
panel of the member page, the "group_session" questionnaire trigger, and the
member's section of the portal home."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
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
from peerpath.members import panels
from peerpath.members.models import Member
from peerpath.members.timeline import TimelineEntry, Track, register
from peerpath.portal import sections
from peerpath.portal.models import MemberAccount
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can

PANEL_MONTHS = 3


@register
def roster_entries(member: Member) -> list[TimelineEntry]:
    entries = []
    rows = RosterEntry.objects.for_org(member.organization).filter(member=member).select_related("group")
    for r in rows:
        entries.append(TimelineEntry(
            date=r.joined_on, kind="group.joined", track=Track.PEER,
            title=_("Joined the group %(group)s") % {"group": r.group.name}, sort_key=(str(r.created_at),),
        ))
        if r.left_on:
            entries.append(TimelineEntry(
                date=r.left_on, kind="group.left", track=Track.PEER,
                title=_("Left the group %(group)s") % {"group": r.group.name}, sort_key=(str(r.created_at), "l"),
            ))
    return entries


@register
def sessions(member: Member) -> list[TimelineEntry]:
    rows = (
        Attendance.objects.for_org(member.organization).filter(member=member)
        .select_related("session__group")
    )
    return [
        TimelineEntry(
            date=a.session.date, kind="group.session", track=Track.PEER,
            title=_("Group session %(group)s: %(status)s") % {
                "group": a.session.group.name, "status": a.get_status_display(),
            },
            detail=a.session.theme, sort_key=(str(a.session.created_at),),
        )
        for a in rows
    ]


@register
def incidents(member: Member) -> list[TimelineEntry]:
    """The member wrote a critical incident. Its text stays off the timeline (the
    timeline cannot check each group's scope): it is read on the session page."""
    rows = CriticalIncident.objects.for_org(member.organization).filter(member=member).select_related("session__group")
    return [
        TimelineEntry(
            date=i.session.date, kind="group.incident", track=Track.PEER,
            title=_("Wrote a critical incident in %(group)s") % {"group": i.session.group.name},
            private_detail=True, sort_key=(str(i.created_at), "i"),
        )
        for i in rows
    ]


@register
def feedback(member: Member) -> list[TimelineEntry]:
    rows = (
        FeedbackNote.objects.for_org(member.organization).filter(Q(giver=member) | Q(receiver=member))
        .select_related("session__group", "giver", "receiver")
    )
    entries = []
    for f in rows:
        if f.giver_id == member.pk:
            title = _("Gave here-and-now feedback to %(code)s in %(group)s") % {
                "code": f.receiver.code, "group": f.session.group.name}
        else:
            title = _("Received here-and-now feedback from %(code)s in %(group)s") % {
                "code": f.giver.code, "group": f.session.group.name}
        entries.append(TimelineEntry(
            date=f.session.date, kind="group.feedback", track=Track.PEER, title=title, private_detail=True,
            sort_key=(str(f.session.created_at), "f", str(f.pk)),
        ))
    return entries


@panels.register
def peer_groups_panel(member: Member, membership: Membership) -> panels.Panel | None:
    """Current groups, attendance over the last three months, the last session
    (peer leaders: only the groups they facilitate). Three queries."""
    if not can(membership, Perm.GROUP_VIEW):
        return None
    scope = permissions.visible_q(membership, prefix="group__")
    current = list(
        RosterEntry.objects.for_org(member.organization).filter(member=member, left_on__isnull=True)
        .filter(scope).select_related("group").order_by("group__name")
    )
    since = timezone.localdate() - dt.timedelta(days=30 * PANEL_MONTHS)
    session_scope = permissions.visible_q(membership, prefix="session__group__")
    statuses = list(
        Attendance.objects.for_org(member.organization).filter(member=member, session__date__gte=since)
        .filter(session_scope).values_list("status", flat=True)
    )
    last = (
        Attendance.objects.for_org(member.organization).filter(member=member, status__in=ATTENDED)
        .filter(session_scope).select_related("session__group").order_by("-session__date").first()
    )
    if not current and last is None and not statuses:
        return None
    attended = sum(1 for s in statuses if s in ATTENDED)
    expected = sum(1 for s in statuses if s in EXPECTED)
    return panels.Panel(
        template="groups/_member_panel.html", title=_("Peer groups"),
        context={"current": current, "attended": attended, "expected": expected, "rate": rate(attended, expected),
                 "last": last, "months": PANEL_MONTHS},
    )


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
