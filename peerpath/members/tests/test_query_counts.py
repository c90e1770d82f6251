"""The member list and the member page cost a fixed number of queries however
many members, or timeline rows, there are (the guard against N+1 queries).

The exact counts are asserted too, so that any new query shows up here. For a
signed-in, verified staff user a page costs 4 queries before the view (session,
user, OTP device, membership) and 3 after it (session save in a savepoint);
writing the audit entry costs 5 (savepoint, chain head, insert, head update,
release). The view's own reads are listed beside each number below.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.members import actions, precompiled
from tests.factories import (
    CareTeamFactory,
    ConsentFactory,
    MemberFactory,
    StageChangeFactory,
    UserFactory,
)

# list: count + page of members (stage and professional, with the professional's
# name, as subqueries: the names are no longer a query of their own)
LIST_QUERIES = 4 + 2 + 5 + 3
# search: the same (the name match is a subquery on the blind index)
SEARCH_QUERIES = LIST_QUERIES
# member page: member (with its organisation, and the consent and care-team cards
# as subqueries), the timeline's window (one UNION ALL query over every app's
# sources, the field history included).
# Each domain app's panels (each app's own tests show that its count does not grow
# with its rows); one line per app:
APP_PANEL_QUERIES = {
    "employment": 1,  # the Work panel (jobs and the last contact per track: one UNION ALL; was 2)
    "groups": 1,  # the Peer groups panel (current groups and recent attendance with the last session: one
    #               UNION ALL; was 2)
    "pathway": 1,  # the pathway and helping panels (open role, training, criteria and hours: one UNION ALL;
    #                was 4)
    "alerts": 1,  # the open-alerts panel
    "safety": 2,  # the safety panel (follow-ups, plan)
}
# ... and for a peer leader, who is shown less of some apps (nothing clinical).
APP_PANEL_QUERIES_PEER_LEADER = {**APP_PANEL_QUERIES, "safety": 1}  # the plan (shown only if shared with the mentor)
# The queries that name each app's tables: its panels' and the timeline's one query
# (which reads every app's sources; a peer leader's leaves safety's out: all clinical).
APP_DETAIL_QUERIES = {app: n + 1 for app, n in APP_PANEL_QUERIES.items()}
APP_DETAIL_QUERIES_PEER_LEADER = {
    app: n + (app != "safety") for app, n in APP_PANEL_QUERIES_PEER_LEADER.items()
}
TIMELINE_QUERIES = 1
DETAIL_QUERIES = 4 + 1 + 5 + TIMELINE_QUERIES + 3 + sum(APP_PANEL_QUERIES.values())
DETAIL_QUERIES_PEER_LEADER = 4 + 1 + 5 + TIMELINE_QUERIES + 3 + sum(APP_PANEL_QUERIES_PEER_LEADER.values())


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def add_members(org, staff, start: int, stop: int) -> None:
    """Members with a stage, a professional and a peer mentor each."""
    for i in range(start, stop):
        member = MemberFactory(organization=org, code=f"M{i:04d}")
        StageChangeFactory(member=member, recorded_by=staff)
        CareTeamFactory(member=member, professional=UserFactory(), assigned_by=staff)
        mentor = MemberFactory(organization=org, code=f"P{i:04d}")
        CareTeamFactory(member=member, role="peer_mentor", professional=None, mentor=mentor, assigned_by=staff)


def add_history(org_a, start: int, stop: int) -> None:
    """Per step: a consent (every other one withdrawn), a stage change, a professional
    and a peer mentor who came and went, and a change of details."""
    member = org_a.member
    for i in range(start, stop):
        recorder = UserFactory()
        day = days_ago(190 - 5 * i)
        ConsentFactory(
            member=member, given_on=day, recorded_by=recorder,
            withdrawn_on=day + dt.timedelta(days=1) if i % 2 else None,
            withdrawal_recorded_by=UserFactory() if i % 2 else None,
        )
        StageChangeFactory(member=member, changed_on=day, recorded_by=recorder)
        CareTeamFactory(member=member, professional=UserFactory(), started_on=day,
                        ended_on=day + dt.timedelta(days=1), assigned_by=recorder)
        mentor = MemberFactory(organization=org_a.org, code=f"P{i:04d}")
        CareTeamFactory(member=member, role="peer_mentor", professional=None, mentor=mentor,
                        started_on=day, ended_on=day + dt.timedelta(days=1), assigned_by=recorder)
        actions.update_member(org_a.staff["coordinator"], member, {"birth_year": 1950 + i})


def measure(client, url: str) -> list[dict[str, str]]:
    """Queries of one steady-state request (after a first one has, for example,
    created the organisation's audit chain head)."""
    assert client.get(url).status_code == 200
    # The query log keeps at most 9000 entries; once full, the context would
    # capture nothing. Setting up a long history fills it.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    queries = list(ctx.captured_queries)  # a copy: the context reads the shared log lazily
    assert queries
    return queries


def statement(query: dict[str, str]) -> str:
    """The SQL a captured query ran: on PostgreSQL, an EXECUTE of a prepared
    statement (the timeline's first window, the panels) names no table, and
    stands here for the SQL it was prepared from."""
    return precompiled.statement_sql(query["sql"])


def is_timeline(query: dict[str, str]) -> bool:
    """The timeline's one query (its SQL, or the EXECUTE of it as a prepared
    statement). For the apps' tests that count their share of the member page by
    table name (with ``statement``)."""
    return '"tl_src"' in statement(query)


def test_the_timeline_query_is_recognised_on_every_database(coordinator, org_a):
    assert sum(1 for q in measure(coordinator, "/members/A0001/") if is_timeline(q)) == 1


def shown(client, url: str) -> int:
    return len(client.get(url).context["page"].object_list)


def assert_same_count(few: list[dict[str, str]], many: list[dict[str, str]]) -> None:
    if len(few) != len(many):
        listing = "\n".join(q["sql"] for q in many)
        pytest.fail(f"{len(few)} queries with little data, {len(many)} with more:\n{listing}")


def assert_count(queries: list[dict[str, str]], expected: int) -> None:
    if len(queries) != expected:
        listing = "\n".join(q["sql"] for q in queries)
        pytest.fail(f"expected {expected} queries, got {len(queries)}:\n{listing}")


# -- the member list ---------------------------------------------------------


def test_it_lists_3_or_30_members_in_the_same_number_of_queries(coordinator, org_a):
    staff = org_a.users["coordinator"]
    add_members(org_a.org, staff, 0, 3)
    few = measure(coordinator, "/members/")
    add_members(org_a.org, staff, 3, 30)
    many = measure(coordinator, "/members/")
    assert shown(coordinator, "/members/") == 25  # a full page
    assert_same_count(few, many)


def test_it_lists_members_in_a_known_number_of_queries(coordinator, org_a):
    add_members(org_a.org, org_a.users["coordinator"], 0, 30)
    assert_count(measure(coordinator, "/members/"), LIST_QUERIES)


def test_it_searches_3_or_30_members_in_the_same_number_of_queries(coordinator, org_a):
    staff = org_a.users["coordinator"]
    add_members(org_a.org, staff, 0, 3)
    few = measure(coordinator, "/members/?q=M00")
    add_members(org_a.org, staff, 3, 30)
    many = measure(coordinator, "/members/?q=M00")
    assert_same_count(few, many)


def test_it_searches_by_name_in_a_known_number_of_queries(coordinator, org_a):
    add_members(org_a.org, org_a.users["coordinator"], 0, 30)
    found = MemberFactory(organization=org_a.org, code="M0100", name="陳美玲")
    CareTeamFactory(member=found, professional=UserFactory(), assigned_by=org_a.users["coordinator"])
    assert_count(measure(coordinator, "/members/?q=美玲"), SEARCH_QUERIES)


def test_it_shows_a_later_page_of_members_in_the_same_number_of_queries(coordinator, org_a):
    add_members(org_a.org, org_a.users["coordinator"], 0, 30)
    assert_count(measure(coordinator, "/members/?page=2"), LIST_QUERIES)


# -- the member page ---------------------------------------------------------


def test_it_shows_a_member_with_3_or_40_timeline_steps_in_the_same_number_of_queries(
    coordinator, org_a
):
    add_history(org_a, 0, 3)
    few = measure(coordinator, "/members/A0001/")
    add_history(org_a, 3, 40)
    many = measure(coordinator, "/members/A0001/")
    from peerpath.members.timeline import build_timeline

    assert len(build_timeline(org_a.member, org_a.staff["coordinator"])) >= 300
    response = coordinator.get("/members/A0001/")
    assert len(response.context["timeline"]) == 25  # the latest entries; the rest on demand
    assert response.context["next_cursor"] is not None
    assert_same_count(few, many)
    assert len(many) <= 25


def test_it_shows_a_member_in_a_known_number_of_queries(coordinator, org_a):
    add_history(org_a, 0, 30)
    assert_count(measure(coordinator, "/members/A0001/"), DETAIL_QUERIES)


def test_it_shows_a_member_to_a_peer_leader_in_the_same_number_of_queries(client_for, org_a):
    add_history(org_a, 0, 30)
    assert_count(measure(client_for("peer_leader"), "/members/A0001/"), DETAIL_QUERIES_PEER_LEADER)


def test_it_shows_a_member_with_a_current_care_team_in_the_same_number_of_queries(
    coordinator, org_a
):
    add_history(org_a, 0, 3)
    CareTeamFactory(member=org_a.member, professional=org_a.users["professional"], started_on=days_ago(2))
    mentor = MemberFactory(organization=org_a.org, code="A0002")
    CareTeamFactory(member=org_a.member, role="peer_mentor", professional=None, mentor=mentor,
                    started_on=days_ago(2), assigned_by=org_a.users["coordinator"])
    assert_count(measure(coordinator, "/members/A0001/"), DETAIL_QUERIES)
