"""What the groups app adds elsewhere: timeline providers and the "Peer groups"
panel of the member page, the "group_session" questionnaire trigger, and the
member's section of the portal home."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from typing import Any

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.groups import permissions
from peerpath.groups.models import (
    ATTENDED,
    EXPECTED,
    Attendance,
    CriticalIncident,
    FeedbackNote,
    PeerGroup,
    RosterEntry,
    Session,
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

    # The group's name by a subquery rather than a join: PostgreSQL runs it after the
    # branch's limit, for the window's rows only (a member attends weekly, for years).
    group = PeerGroup.objects.filter(pk=OuterRef("session__group_id")).order_by().values("name")
    return [Source(
        name="group.session", queryset=rows, date=F("session__date"), at=F("session__created_at"), track=Track.PEER,
        columns={"group": Subquery(group), "status": F("status"), "theme": F("session__theme")},
        render=render, limited=True,
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
    (peer leaders: only the groups they facilitate). One query: the current groups,
    and the attendance of the last three months with the last session attended
    (whenever it was)."""
    if not can(membership, Perm.GROUP_VIEW):
        return None
    # Compiled once per role (what the role's scope looks like), run with this
    # page's values as a prepared statement (``precompiled``).
    values: dict[str, Any] = {"organization": member.organization_id, "member": member.pk}
    if not permissions.sees_all_groups(membership):
        values["user"] = membership.user_id
    shape = (membership.role, membership.is_active)
    since = timezone.localdate() - dt.timedelta(days=30 * PANEL_MONTHS)
    found = precompiled.tuples(("groups.panel", *shape), partial(_panel_rows, shape[0]), {**values, "since": since},
                               prepared=True)
    current = [RosterEntry(group=PeerGroup(pk=group, name=name), joined_on=day)
               for kind, group, name, day, _status, _sort in found if kind == _CURRENT]
    rows = [(day, group, name, status) for kind, group, name, day, status, _sort in found if kind == _ATTENDANCE]
    statuses = [status for day, _group, _name, status in rows if day >= since]
    last = next((Attendance(session=Session(date=day, group=PeerGroup(pk=group, name=name)), status=status)
                 for day, group, name, status in rows if status in ATTENDED), None)
    if not current and last is None and not statuses:
        return None
    attended = sum(1 for s in statuses if s in ATTENDED)
    expected = sum(1 for s in statuses if s in EXPECTED)
    title = _("Peer groups")
    context = {"current": current, "attended": attended, "expected": expected, "rate": rate(attended, expected),
               "last": last, "months": PANEL_MONTHS}
    return panels.Panel(template="groups/_member_panel.html", title=title, context=context,
                        html=panel_html(title, context))


def panel_html(title: str, c: dict[str, Any]) -> SafeString:
    """What ``groups/_member_panel.html`` renders for this context, written in
    Python (the template cost some 0.4 ms a page; tests compare the two). Every
    value from data is escaped as the template's autoescaping did (translations are
    not: the template's ``translate`` of a literal is safe); the msgids are the
    template's."""
    if c["current"]:
        link = reverse("group_detail", kwargs={"pk": 999999999})
        items = "".join(
            f'<li><a href="{escape(link.replace("999999999", str(e.group_id)))}">{escape(e.group.name)}</a> '
            f'<span class="muted">{_("since %(d)s") % {"d": escape(e.joined_on.isoformat())}}</span></li>'
            for e in c["current"])
        groups = f'<ul class="plain">{items}</ul>\n  '
    else:
        groups = '<p class="muted">' + _("Not on a group's roster now.") + "</p>"
    months = ngettext("Attendance, last %(n)s month", "Attendance, last %(n)s months", c["months"]) % {
        "n": c["months"]}
    if c["rate"] is not None:
        shown = f'{round(float(c["rate"]) / 1.0 * 100)}% ({c["attended"]} / {c["expected"]})'
    else:
        shown = "—"
    last = c["last"]
    session = f"{last.session.date.isoformat()} · {escape(last.session.group.name)}" if last else "—"
    return mark_safe(  # noqa: S308  # every value from data is escaped
        '\n<section class="card" aria-labelledby="h-peer-groups">\n'
        f'  <h2 id="h-peer-groups"><span class="track track-peer">{_("Peer track")}</span> {escape(title)}</h2>'
        f'\n  \n  {groups}\n  <dl class="facts">\n    <dt>{months}</dt>\n    <dd>{shown}</dd>\n'
        f'    <dt>{_("Last session")}</dt>\n    <dd>{session}</dd>\n  </dl>\n  \n</section>\n'
    )


_CURRENT, _ATTENDANCE = 0, 1  # the kind of a panel row


def _viewer(organization: int, role: str, user: int | None) -> Membership:
    """A stand-in for the viewer: what ``permissions.visible_q`` reads of it."""
    return Membership(organization_id=organization, role=role, user_id=user or 0, is_active=True)


def _panel_rows(role: str, organization: int, member: int, since: dt.date,
                user: int | None = None) -> QuerySet[Any]:
    """(kind, group id, group name, date, attendance status) of the current
    groups (by name; the date they joined) then of the attendance since ``since``
    with the last session attended (latest first; the session's date)."""
    viewer = _viewer(organization, role, user)
    current = (RosterEntry.objects.for_org(organization).filter(member_id=member, left_on__isnull=True)
               .filter(permissions.visible_q(viewer, prefix="group__")).order_by()
               .annotate(kind=Value(_CURRENT), group_pk=F("group_id"), group_name=F("group__name"), day=F("joined_on"),
                         state=Value("", output_field=CharField()), sort=F("group__name")))
    seen = (Attendance.objects.for_org(organization).filter(member_id=member)
            .filter(permissions.visible_q(viewer, prefix="session__group__")))
    last_attended = seen.filter(status__in=ATTENDED).order_by("-session__date").values("pk")[:1]
    attendance = (seen.filter(Q(session__date__gte=since) | Q(pk__in=Subquery(last_attended))).order_by()
                  .annotate(kind=Value(_ATTENDANCE), group_pk=F("session__group_id"),
                            group_name=F("session__group__name"),
                            day=F("session__date"), state=F("status"), sort=Value("", output_field=CharField())))
    columns = ("kind", "group_pk", "group_name", "day", "state", "sort")
    return (current.values_list(*columns).union(attendance.values_list(*columns), all=True)
            .order_by("kind", "sort", "-day"))


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
