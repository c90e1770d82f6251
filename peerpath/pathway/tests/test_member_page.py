"""What the pathway adds to the member page (panels, timeline) and what its own
pages cost in queries, whatever the number of rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.members.panels import build_panels
from peerpath.members.tests.test_query_counts import is_timeline, statement
from peerpath.pathway.member_page import helping_panel, pathway_panel
from peerpath.pathway.models import (
    HelperRole,
    ReadinessCriterion,
    TrainingCompletion,
    TrainingModule,
)
from peerpath.pathway.tests.conftest import days_ago, log_contact, make_story, story_consent
from tests.factories import CareTeamFactory, MemberFactory, StageChangeFactory


def panel(client, title: str, code: str = "A0001"):
    panels = client.get(f"/members/{code}/").context["panels"]
    return next((p for p in panels if p.title == title), None)


def timeline(client, code: str = "A0001"):
    return client.get(f"/members/{code}/").context["timeline"]


def criterion(tenant, target: str, kind: str, **value) -> ReadinessCriterion:
    return ReadinessCriterion.objects.create(organization=tenant.org, target_role=target, kind=kind,
                                             created_by=tenant.users["coordinator"], **value)


def attend(tenant, member, sessions: int, group_name: str = "週三團體") -> None:
    from peerpath.groups.models import Attendance, PeerGroup, Session

    group = PeerGroup.objects.create(organization=tenant.org, name=group_name, started_on=days_ago(150))
    for i in range(sessions):
        session = Session.objects.create(organization=tenant.org, group=group, date=days_ago(7 * i + 1),
                                         recorded_by=tenant.users["peer_leader"])
        Attendance.objects.create(organization=tenant.org, session=session, member=member, status="present")


# -- panels ---------------------------------------------------------------------


def test_the_pathway_panel_shows_the_checklist_for_the_next_role(coordinator, org_a):
    module = TrainingModule.objects.create(organization=org_a.org, name="同儕支持基礎訓練", hours=Decimal("12"))
    criterion(org_a, "buddy", "months_in_programme", threshold=6)  # enrolled 200 days ago: 6 months
    criterion(org_a, "buddy", "sessions_attended", threshold=3)
    criterion(org_a, "buddy", "training_module", module=module)
    criterion(org_a, "buddy", "recovery_stage_at_least", stage="preparation")
    criterion(org_a, "group_leader", "months_in_programme", threshold=12)  # not the next role: not shown
    StageChangeFactory(member=org_a.member, stage="rebuilding", recorded_by=org_a.users["coordinator"])
    attend(org_a, org_a.member, 2)
    p = panel(coordinator, "Helper pathway")
    assert p.context["current_label"] == "Participant"
    [readiness] = p.context["readiness"]
    assert readiness.target_role == "buddy"
    assert readiness.items == [
        ("At least 6 months in the programme", "6 months", True),
        ("At least 3 group sessions attended", "2 attended", False),
        ("Training completed: 同儕支持基礎訓練", "Not yet", False),
        ("Recovery stage at least: Preparation", "Rebuilding", True),
    ]
    assert not readiness.ready
    TrainingCompletion.objects.create(organization=org_a.org, member=org_a.member, module=module,
                                      completed_on=days_ago(3), recorded_by=org_a.users["coordinator"])
    attend(org_a, org_a.member, 1, group_name="週五團體")
    [readiness] = panel(coordinator, "Helper pathway").context["readiness"]
    assert [met for _asked, _stands, met in readiness.items] == [True, True, True, True]
    assert "All criteria met" in coordinator.get("/members/A0001/").content.decode()


def test_the_checklist_follows_the_current_role(coordinator, org_a):
    criterion(org_a, "group_leader", "current_role", role="buddy")
    HelperRole.objects.create(organization=org_a.org, member=org_a.member, role="buddy", started_on=days_ago(30),
                              recorded_by=org_a.users["coordinator"])
    p = panel(coordinator, "Helper pathway")
    assert p.context["current_label"] == "Peer buddy" and p.context["since"] == days_ago(30)
    [readiness] = p.context["readiness"]
    assert readiness.items == [("Currently at least: Peer buddy", "Peer buddy", True)]
    assert readiness.ready


def test_the_helping_panel_shows_hours_given_and_received(client_for, org_a, second):
    log_contact(org_a, org_a.member, second, minutes=90, day=days_ago(3))
    log_contact(org_a, org_a.member, second, minutes=30, day=days_ago(120))
    log_contact(org_a, second, org_a.member, minutes=45, day=days_ago(10))
    p = panel(client_for("peer_leader"), "Helping")
    s = p.context["summary"]
    assert (s.given, s.received, s.given_recent, s.received_recent, s.contacts) == (120, 45, 90, 45, 3)


def test_panels_are_hidden_from_roles_without_the_pathway(org_a):
    for role in ("researcher",):
        membership = org_a.staff[role]
        assert pathway_panel(org_a.member, membership) is None
        assert helping_panel(org_a.member, membership) is None
        assert all(p.title not in ("Helper pathway", "Helping") for p in build_panels(org_a.member, membership))


# -- timeline -------------------------------------------------------------------


def test_the_timeline_shows_roles_training_helping_and_the_story(coordinator, org_a, second):
    module = TrainingModule.objects.create(organization=org_a.org, name="倫理與界線", hours=Decimal("3"))
    HelperRole.objects.create(organization=org_a.org, member=org_a.member, role="buddy", started_on=days_ago(40),
                              recorded_by=org_a.users["coordinator"])
    TrainingCompletion.objects.create(organization=org_a.org, member=org_a.member, module=module,
                                      completed_on=days_ago(35), recorded_by=org_a.users["coordinator"])
    log_contact(org_a, org_a.member, second, minutes=60, day=days_ago(9), kind="accompany_interview", note="面試")
    log_contact(org_a, second, org_a.member, minutes=20, day=days_ago(8), kind="phone")
    story_consent(org_a, org_a.member)
    make_story(org_a, org_a.member)
    entries = {e.kind: e for e in timeline(coordinator) if e.kind.startswith("pathway.")}
    given = [e for e in timeline(coordinator) if e.kind == "pathway.helping"]
    assert [e.title for e in given] == ["Helped by A0002: Phone call, 20 min",
                                        "Helped A0002: Accompanying to a job interview, 60 min"]
    assert entries["pathway.role"].title == "Helper role: Peer buddy"
    assert entries["pathway.training"].title == "Training completed: 倫理與界線"
    assert "pathway.story_published" in entries
    assert all(e.track == "peer" for e in entries.values())


def test_a_peer_leader_sees_helping_entries_without_the_note(client_for, org_a, second):
    log_contact(org_a, org_a.member, second, note="私人的事")
    [mine] = [e for e in timeline(client_for("peer_leader")) if e.kind == "pathway.helping"]
    assert mine.detail == ""
    [theirs] = [e for e in timeline(client_for("professional")) if e.kind == "pathway.helping"]
    assert theirs.detail == "私人的事"


# -- query counts ---------------------------------------------------------------


def measure(client, url: str) -> list[dict[str, str]]:
    assert client.get(url).status_code == 200
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return list(ctx.captured_queries)


def assert_count(queries, expected: int) -> None:
    if len(queries) != expected:
        listing = "\n".join(q["sql"] for q in queries)
        pytest.fail(f"expected {expected} queries, got {len(queries)}:\n{listing}")


def add_pathway(tenant, start: int, stop: int) -> None:
    """Per step: a member who helped A0001 and was helped back, a role period, a
    training module completed, and a mentoring pairing."""
    coordinator = tenant.users["coordinator"]
    for i in range(start, stop):
        other = MemberFactory(organization=tenant.org, code=f"H{i:04d}")
        StageChangeFactory(member=other, stage="growth", recorded_by=coordinator)
        log_contact(tenant, other, tenant.member, day=days_ago(i + 1), note=f"n{i}")
        log_contact(tenant, tenant.member, other, day=days_ago(i + 2))
        HelperRole.objects.create(organization=tenant.org, member=tenant.member, role="buddy" if i % 2 else
                                  "group_leader", started_on=days_ago(190 - i), ended_on=days_ago(189 - i),
                                  recorded_by=coordinator)
        module = TrainingModule.objects.create(organization=tenant.org, name=f"模組{i}", hours=Decimal("2"))
        TrainingCompletion.objects.create(organization=tenant.org, member=tenant.member, module=module,
                                          completed_on=days_ago(i + 1), recorded_by=coordinator)
        CareTeamFactory(member=other, role="peer_mentor", professional=None, mentor=tenant.member,
                        assigned_by=coordinator)


# The member page's pathway share: the timeline's one query (which reads this
# app's sources with every other app's: roles, training, helping contacts, story)
# and the panels' one read (open role, training, readiness criteria and helping
# hours in one UNION ALL; four queries before); group attendance only when a
# criterion counts sessions. This is the "pathway" line of
# members/tests/test_query_counts.py.
PATHWAY_ON_MEMBER_PAGE = 1 + 1


def ours(queries) -> list[dict[str, str]]:
    """The queries of this app's providers and panels (other apps' vary as they grow)."""
    return [q for q in queries if '"pathway_' in statement(q) or is_timeline(q)]


@pytest.mark.parametrize("role", ["coordinator", "peer_leader"])
def test_the_member_page_costs_the_same_with_3_or_30_pathway_rows(client_for, org_a, role):
    client = client_for(role)
    add_pathway(org_a, 0, 3)
    few = measure(client, "/members/A0001/")
    add_pathway(org_a, 3, 30)
    many = measure(client, "/members/A0001/")
    assert len(few) == len(many)
    assert_count(ours(many), PATHWAY_ON_MEMBER_PAGE)
    criterion(org_a, "buddy", "sessions_attended", threshold=3)
    with_sessions = measure(client, "/members/A0001/")
    assert len(with_sessions) == len(many) + 1  # group attendance, read only when a criterion counts it
    assert_count(ours(with_sessions), PATHWAY_ON_MEMBER_PAGE)


def test_the_pathway_page_costs_the_same_with_3_or_30_rows(coordinator, org_a):
    add_pathway(org_a, 0, 3)
    few = measure(coordinator, "/members/A0001/pathway/")
    add_pathway(org_a, 3, 30)
    many = measure(coordinator, "/members/A0001/pathway/")
    # 4 before; member; audit (5); organisation; history, training, criteria,
    # helping totals, latest contacts, mentor and mentee preferences, story; 3 after
    assert_count(few, 4 + 1 + 5 + 1 + 8 + 3)
    assert len(many) == len(few)


def test_the_helping_list_costs_the_same_with_3_or_30_rows(client_for, org_a):
    client = client_for("peer_leader")
    add_pathway(org_a, 0, 3)
    few = measure(client, "/helping/")
    add_pathway(org_a, 3, 30)
    many = measure(client, "/helping/")
    assert_count(few, 4 + 2 + 5 + 3)  # 4 before; count and page; audit; 3 after
    assert len(many) == len(few)


def test_the_network_page_costs_the_same_with_3_or_30_members(client_for, org_a):
    client = client_for("peer_leader")
    add_pathway(org_a, 0, 3)
    few = measure(client, "/network/")
    add_pathway(org_a, 3, 30)
    many = measure(client, "/network/")
    assert_count(few, 4 + 4 + 5 + 3)  # 4 before; members, contacts, mentoring, recent ties; audit; 3 after
    assert len(many) == len(few)
    assert len(client.get("/network/").context["report"].nodes) == 31


def test_mentor_suggestions_cost_the_same_with_3_or_30_candidates(coordinator, org_a):
    from peerpath.pathway.models import MentorPreferences

    def offer(start: int, stop: int) -> None:
        add_pathway(org_a, start, stop)
        for i in range(start, stop):
            MentorPreferences.objects.create(organization=org_a.org, member_id=MemberFactory._meta.model.objects.get(
                organization=org_a.org, code=f"H{i:04d}").pk, max_mentees=3)

    offer(0, 3)
    few = measure(coordinator, "/members/A0001/mentors/")
    offer(3, 30)
    many = measure(coordinator, "/members/A0001/mentors/")
    # 4 before; mentee; audit (5); candidates, load, current mentor, sectors, preferences; 3 after
    assert_count(few, 4 + 1 + 5 + 5 + 3)
    assert len(many) == len(few)
    assert len(coordinator.get("/members/A0001/mentors/").context["eligible"]) == 30


def test_the_portal_pages_cost_the_same_with_3_or_30_rows(org_a):
    from peerpath.pathway.tests.conftest import portal_client_for

    _account, client = portal_client_for(org_a.member, org_a.users["coordinator"])
    story_consent(org_a, org_a.member)
    add_pathway(org_a, 0, 3)
    few = [measure(client, url) for url in ("/me/", "/me/helping/", "/me/stories/")]
    add_pathway(org_a, 3, 30)
    many = [measure(client, url) for url in ("/me/", "/me/helping/", "/me/stories/")]
    assert [len(q) for q in few] == [len(q) for q in many]
