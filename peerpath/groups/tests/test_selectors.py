"""Functions other apps call (fixed queries for any number of members), the
questionnaire trigger, the timeline and the member-page panel."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.groups import selectors
from peerpath.groups.actions import IncidentInput, SessionInput, record_session
from peerpath.groups.member_page import group_session_dates, peer_groups_panel
from peerpath.groups.models import RosterEntry
from peerpath.groups.tests.conftest import days_ago, make_group
from peerpath.members.timeline import build_timeline


def week_of_sessions(org_a, g, weeks: int) -> None:
    """Weekly sessions: member 0 always present, member 1 late, member 2 absent in the
    last three, member 3 excused."""
    for w in range(weeks):
        attendance = {g.members[0].pk: "present", g.members[1].pk: "late",
                      g.members[2].pk: "absent" if w < 3 else "present", g.members[3].pk: "excused"}
        record_session(org_a.staff["peer_leader"], g.group, SessionInput(
            date=days_ago(1 + 7 * w), theme=f"主題 {w}", facilitators=[], attendance=attendance, observations=[],
            feedback=[(g.members[0], g.members[1], "謝謝你")],
            incidents=[IncidentInput(g.members[0], "今天很有收穫")],
        ))


def test_recent_attendance_newest_first_in_one_query(org_a, group_a):
    week_of_sessions(org_a, group_a, 5)
    ids = [m.pk for m in group_a.members]
    with CaptureQueriesContext(connection) as ctx:
        found = selectors.recent_attendance(org_a.org.pk, ids)
    assert len(ctx.captured_queries) == 1
    assert found[group_a.members[2].pk] == [(days_ago(1), "absent"), (days_ago(8), "absent"), (days_ago(15), "absent")]
    assert [s for _d, s in found[group_a.members[1].pk]] == ["late"] * 3
    assert selectors.recent_attendance(org_a.org.pk, ids, n=1)[group_a.members[0].pk] == [(days_ago(1), "present")]


def test_sessions_attended_and_attendance_by_member(org_a, group_a):
    week_of_sessions(org_a, group_a, 5)
    ids = [m.pk for m in group_a.members]
    assert selectors.sessions_attended(org_a.org.pk, ids) == {ids[0]: 5, ids[1]: 5, ids[2]: 2, ids[3]: 0}
    assert selectors.sessions_attended(org_a.org.pk, ids, since=days_ago(10))[ids[0]] == 2
    by_member = selectors.attendance_by_member(org_a.org.pk, days_ago(40), days_ago(0))
    assert by_member[ids[2]] == (2, 5) and by_member[ids[3]] == (0, 0)


def test_co_members_are_those_on_a_roster_now(org_a, org_b, group_a):
    RosterEntry.objects.filter(member=group_a.members[3]).update(left_on=days_ago(1))
    assert selectors.co_members(org_a.org.pk, group_a.members[0].pk) == sorted(m.pk for m in group_a.members[1:3])
    assert selectors.co_members(org_b.org.pk, group_a.members[0].pk) == []


def test_the_group_session_trigger_gives_dates_attended(org_a, group_a):
    week_of_sessions(org_a, group_a, 4)
    dates = group_session_dates(org_a.org.pk, [m.pk for m in group_a.members])
    assert sorted(dates[group_a.members[2].pk]) == [days_ago(22)]
    assert group_a.members[3].pk not in dates


def test_the_timeline_shows_the_peer_track_without_incident_text(org_a, group_a):
    week_of_sessions(org_a, group_a, 2)
    member = group_a.members[0]
    entries = [e for e in build_timeline(member, org_a.staff["coordinator"]) if e.kind.startswith("group.")]
    kinds = sorted({e.kind for e in entries})
    assert kinds == ["group.feedback", "group.incident", "group.joined", "group.session"]
    assert all(e.track == "peer" for e in entries)
    assert not any("今天很有收穫" in (e.title + e.detail) for e in entries)


def test_the_panel_shows_a_peer_leader_only_their_groups(org_a, group_a):
    other = make_group(org_a, name="求職加油站", size=1, peer_leader=False)
    other.group.co_facilitator = None
    other.group.save()
    week_of_sessions(org_a, group_a, 3)
    panel = peer_groups_panel(org_a.member, org_a.staff["peer_leader"])
    assert [e.group.name for e in panel.context["current"]] == ["職場續航團體"]
    assert [e.group.name for e in peer_groups_panel(org_a.member, org_a.staff["coordinator"]).context["current"]] == [
        "求職加油站", "職場續航團體"]
    assert panel.context["rate"] == 1.0 and panel.context["last"].session.date == days_ago(1)
    assert peer_groups_panel(org_a.member, org_a.staff["researcher"]) is None
