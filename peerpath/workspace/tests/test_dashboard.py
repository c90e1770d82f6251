"""The dashboard: every role lands here; each sees the parts its capabilities cover."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.groups import actions as group_actions
from peerpath.groups.actions import IncidentInput, SessionInput
from peerpath.groups.tests.conftest import make_group
from peerpath.members.tests.test_query_counts import (
    add_members,
    assert_count,
    assert_same_count,
    measure,
)

pytestmark = pytest.mark.django_db


# -- the dashboard ----------------------------------------------------------


def _with_plan_and_results(org_a, start: int, stop: int) -> None:
    from peerpath.measures import actions as measure_actions
    from peerpath.measures.models import PlanRule

    if start == 0:
        PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
        PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="every", interval_days=90)
    add_members(org_a.org, org_a.users["coordinator"], start, stop)
    from peerpath.members.models import Member

    for code in [f"M{i:04d}" for i in range(start, stop)][::3]:
        m = Member.objects.get(organization=org_a.org, code=code)
        measure_actions.record_paper_form(
            org_a.staff["coordinator"], m, "phq9", answers={str(i): 2 for i in range(1, 10)},
            taken_on=timezone.localdate() - dt.timedelta(days=100), reason="intake",
        )


# 4 before the view; the groups the viewer facilitates (none here); the figures with the
# research count (one query); the caseload; the plan, the due list (``due_page``: the
# members due, with the names and last questionnaires of the 30 shown, in one statement;
# was 3: every active member, their last questionnaires, the names of those shown), open
# flags; the alerts section (the newest open alerts with their members, each with their
# count: one statement; was 2, the count apart); 3 after.
DASHBOARD_QUERIES = 4 + 1 + 1 + 1 + 3 + 1 + 3


def test_the_figures_count_stages_and_gaps_as_the_member_list_filters_them(org_a, coordinator):
    from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory, StageChangeFactory

    day = dt.date(2026, 1, 5)
    by = org_a.users["coordinator"]
    none_given = MemberFactory(organization=org_a.org, code="A0901")
    in_force = MemberFactory(organization=org_a.org, code="A0902")
    ConsentFactory(member=in_force, given_on=day, recorded_by=by)
    withdrawn = MemberFactory(organization=org_a.org, code="A0903")
    ConsentFactory(member=withdrawn, given_on=day, withdrawn_on=day + dt.timedelta(days=9), recorded_by=by)
    given_again = MemberFactory(organization=org_a.org, code="A0904")
    ConsentFactory(member=given_again, given_on=day, withdrawn_on=day + dt.timedelta(days=9), recorded_by=by)
    ConsentFactory(member=given_again, given_on=day + dt.timedelta(days=20), recorded_by=by)
    StageChangeFactory(member=in_force, stage="rebuilding", changed_on=day, recorded_by=by)
    StageChangeFactory(member=withdrawn, stage="rebuilding", changed_on=day, recorded_by=by)
    StageChangeFactory(member=withdrawn, stage="growth", changed_on=day + dt.timedelta(days=3), recorded_by=by)
    CareTeamFactory(member=given_again, professional=org_a.users["professional"], assigned_by=by)
    MemberFactory(organization=org_a.org, code="A0905", status="closed")
    figures = coordinator.get("/dashboard/").context["figures"]
    for gap in ("no_professional", "no_mentor", "no_service_consent"):
        listed = {m.code for m in coordinator.get(f"/members/?gap={gap}").context["page"].object_list}
        assert figures[gap] == len(listed), gap
    assert figures["no_service_consent"] == 3  # the fixture's member, none_given and withdrawn
    assert none_given.code in listed and withdrawn.code in listed and given_again.code not in listed
    stages = dict(figures["by_stage"])
    assert (stages["Rebuilding"], stages["Growth"]) == (1, 1)
    assert figures["stage_not_assessed"] == figures["active"] - 2


def test_without_a_measurement_plan_the_dashboard_reads_no_member_for_the_due_list(coordinator, org_a,
                                                                                   without_urgent_panels):
    add_members(org_a.org, org_a.users["coordinator"], 0, 5)
    queries = measure(coordinator, "/dashboard/")
    assert not any('"enrolment_date" FROM "members_member"' in q["sql"] for q in queries)
    # not the due list (the plan has no rule)
    assert_count(queries, DASHBOARD_QUERIES - 1)


def test_the_figures_compiled_once_count_each_organisation_its_own(client_for, org_a, org_b):
    from tests.factories import MemberFactory

    for i in range(3):
        MemberFactory(organization=org_b.org, code=f"B09{i}", enrolment_date=timezone.localdate())
    a = client_for("coordinator").get("/dashboard/").context["figures"]
    b = client_for("coordinator", org_b).get("/dashboard/").context["figures"]
    assert (a["active"], a["no_professional"], a["enrolled_this_quarter"]) == (1, 1, 0)
    assert (b["active"], b["no_professional"], b["enrolled_this_quarter"]) == (4, 4, 3)
    assert sum(n for _, n in b["by_stage"]) + b["stage_not_assessed"] == 4


def test_the_dashboard_costs_the_same_with_3_or_30_members(coordinator, org_a, without_urgent_panels):
    _with_plan_and_results(org_a, 0, 3)
    few = measure(coordinator, "/dashboard/")
    _with_plan_and_results(org_a, 3, 30)
    many = measure(coordinator, "/dashboard/")
    assert coordinator.get("/dashboard/").context["due_total"] > 10
    assert_same_count(few, many)
    assert_count(many, DASHBOARD_QUERIES)


def test_the_dashboard_decrypts_only_the_names_it_shows(coordinator, org_a, without_urgent_panels, monkeypatch):
    """A coordinator's due list covers every active member; only the 30 shown are
    read with their (encrypted) names, so the page's cost per member stays small."""
    from peerpath.members import fields

    _with_plan_and_results(org_a, 0, 45)  # 90 members (45 and their mentors), all due
    coordinator.get("/dashboard/")
    calls = []
    real = fields.cipher()

    class Counting:
        def decrypt(self, value):
            calls.append(value)
            return real.decrypt(value)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(fields, "cipher", lambda: Counting())
    response = coordinator.get("/dashboard/")
    assert response.context["due_total"] > 30
    assert len(response.context["due"]) == 30
    shown = response.content.decode()
    assert all(m.name in shown for m, _ in response.context["due"])
    assert len(calls) < response.context["due_total"]  # was three fields of every active member


# -- the peer leader's own groups -------------------------------------------------------


def last_wednesday(weeks_back: int = 0) -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=(today.weekday() - 2) % 7 + 7 * weeks_back)


def session(org_a, g, day: dt.date, absent: set[int] = frozenset(), incidents: int = 0):
    attendance = {m.pk: ("absent" if m.pk in absent else "present") for m in g.members}
    present = [m for m in g.members if m.pk not in absent]
    return group_actions.record_session(org_a.staff["peer_leader"], g.group, SessionInput(
        date=day, theme="", facilitators=[], attendance=attendance, observations=[], feedback=[],
        incidents=[IncidentInput(present[i], f"第{i}件事") for i in range(incidents)],
    ))


def groups_with_history(org_a, names: list[str]) -> list:
    found = []
    for name in names:
        g = make_group(org_a, name=name, size=5)
        away = g.members[1]
        session(org_a, g, last_wednesday(2))
        session(org_a, g, last_wednesday(1) if last_wednesday(0) == timezone.localdate() else last_wednesday(1),
                absent={away.pk})
        if last_wednesday(0) != timezone.localdate():
            session(org_a, g, last_wednesday(0), absent={away.pk}, incidents=2)
        found.append((g, away))
    return found


def test_a_peer_leader_sees_their_groups_next_session_attendance_absences_and_incidents_to_code(client_for, org_a):
    [(g, away)] = groups_with_history(org_a, ["職場續航團體"])
    response = client_for("peer_leader").get("/dashboard/")
    [row] = response.context["my_groups"]
    assert row.group == g.group
    assert row.next_session.weekday() == 2 and row.next_session >= timezone.localdate()
    assert (row.last_attended, row.last_expected) == (4, 5)
    assert row.missed_twice == [away]
    page = response.content.decode()
    assert "4 of 5 came" in page
    assert f"{away.code} {away.preferred_name}" in page
    assert f'/groups/{g.group.pk}/sessions/new/?date={timezone.localdate().isoformat()}' in page
    assert "Record today&#x27;s session" in page or "Record today's session" in page


def test_incidents_no_one_has_coded_are_counted_and_linked_to_the_first(client_for, org_a):
    g = make_group(org_a, size=3)
    recorded = session(org_a, g, timezone.localdate() - dt.timedelta(days=1), incidents=2)
    first, second = recorded.incidents.order_by("pk")
    group_actions.code_incident(org_a.staff["peer_leader"], first, rank=1, factors=["hope"])
    [row] = client_for("peer_leader").get("/dashboard/").context["my_groups"]
    assert (row.uncoded, row.first_uncoded_id) == (1, second.pk)


def test_a_group_recorded_today_links_to_its_session_instead_of_the_button(client_for, org_a):
    g = make_group(org_a, size=3)
    today = session(org_a, g, timezone.localdate())
    page = client_for("peer_leader").get("/dashboard/").content.decode()
    assert f"/groups/{g.group.pk}/sessions/{today.pk}/" in page
    assert "/sessions/new/" not in page


def test_groups_of_another_leader_are_not_shown(client_for, org_a):
    make_group(org_a, peer_leader=False)
    assert client_for("peer_leader").get("/dashboard/").context["my_groups"] == []


# 4 before the view; my groups: groups, their last sessions, the last two sessions'
# attendance with members, incidents without a first coding; the group read's audit
# entry (5); figures (1); the caseload (none for a peer leader); the alerts with their
# count (1; was 2); 3 after.
PEER_LEADER_DASHBOARD_QUERIES = 4 + 4 + 5 + 1 + 1 + 1 + 3


def test_the_peer_leaders_dashboard_costs_the_same_for_one_group_or_three(client_for, org_a, without_urgent_panels):
    client = client_for("peer_leader")
    groups_with_history(org_a, ["甲團體"])
    few = measure(client, "/dashboard/")
    groups_with_history(org_a, ["乙團體", "丙團體"])
    many = measure(client, "/dashboard/")
    assert len(client.get("/dashboard/").context["my_groups"]) == 3
    assert_same_count(few, many)
    assert_count(many, PEER_LEADER_DASHBOARD_QUERIES)


def test_coding_an_incident_from_the_dashboard_returns_to_the_group_row(client_for, org_a):
    g = make_group(org_a, size=3)
    recorded = session(org_a, g, timezone.localdate() - dt.timedelta(days=1), incidents=1)
    incident = recorded.incidents.get()
    client = client_for("peer_leader")
    page = client.get("/dashboard/").content.decode()
    link = f"/groups/{g.group.pk}/incidents/{incident.pk}/code/"
    assert f"{link}?next=%2Fdashboard%2F%23group-{g.group.pk}" in page
    assert f'name="next" value="/dashboard/#group-{g.group.pk}"' in client.get(
        link, {"next": f"/dashboard/#group-{g.group.pk}"}).content.decode()
    response = client.post(link, {"factors": ["hope"], "next": f"/dashboard/#group-{g.group.pk}"})
    assert response.status_code == 302 and response["Location"] == f"/dashboard/#group-{g.group.pk}"
    [row] = client.get("/dashboard/").context["my_groups"]
    assert row.uncoded == 0
