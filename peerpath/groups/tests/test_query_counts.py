"""The group pages cost a fixed number of queries however many sessions, members
and incidents there are (and the exact number is asserted)."""

from __future__ import annotations

from peerpath.groups.actions import IncidentInput, SessionInput, code_incident, record_session
from peerpath.groups.models import CriticalIncident
from peerpath.groups.tests.conftest import days_ago
from peerpath.members.tests.test_query_counts import assert_count, assert_same_count, measure
from tests.factories import MemberFactory


def sessions(org_a, g, start: int, stop: int) -> None:
    for w in range(start, stop):
        record_session(org_a.staff["peer_leader"], g.group, SessionInput(
            date=days_ago(1 + 7 * w), theme="", facilitators=[org_a.users["peer_leader"]],
            attendance={m.pk: "present" for m in g.members}, observations=[(g.norms[0], "upheld", "")],
            feedback=[(g.members[0], g.members[1], "謝謝")],
            incidents=[IncidentInput(g.members[0], "有收穫"), IncidentInput(g.members[1], "很溫暖")],
        ))
    for incident in CriticalIncident.objects.filter(codings__isnull=True):
        code_incident(org_a.staff["coordinator"], incident, rank=1, factors=["hope"])
        code_incident(org_a.staff["professional"], incident, rank=2, factors=["hope", "altruism"])


# 4 before the view; the group, its audit entry (5); roster, norms, the latest
# sessions with their incident counts (and the first session's date: one query),
# attendance of the period shown (for the chart, the sessions table and the
# climate), codings (for the factor profile and kappa), the climate's scores (the
# last four are prepared statements on PostgreSQL); 3 after.
DETAIL_QUERIES = 4 + 1 + 5 + 6 + 3
# The recording page: the group; roster and norms of the day; the facilitator
# choices; the audit entry (5); 3 after.
RECORD_QUERIES = 4 + 1 + 1 + 2 + 1 + 5 + 3  # (+1: the dates of the last sessions, for the meeting days)


def test_the_group_page_costs_the_same_with_3_or_30_sessions(client_for, org_a, group_a):
    client = client_for("coordinator")
    url = f"/groups/{group_a.group.pk}/"
    sessions(org_a, group_a, 0, 3)
    few = measure(client, url)
    sessions(org_a, group_a, 3, 30)
    many = measure(client, url)
    assert_same_count(few, many)
    assert_count(many, DETAIL_QUERIES)


def test_the_recording_page_costs_the_same_with_4_or_30_members(client_for, org_a, group_a):
    client = client_for("peer_leader")
    url = f"/groups/{group_a.group.pk}/sessions/new/"
    few = measure(client, url)
    from peerpath.groups.models import RosterEntry

    for i in range(26):
        RosterEntry.objects.create(organization=org_a.org, group=group_a.group, joined_on=days_ago(50),
                                   member=MemberFactory(organization=org_a.org, code=f"R{i:03d}"))
    many = measure(client, url)
    assert len(client.get(url).context["page"].attendance.forms) == 30
    assert_same_count(few, many)
    assert_count(many, RECORD_QUERIES)
