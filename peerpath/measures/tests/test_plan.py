"""The measurement plan and the due lists it produces."""

import datetime as dt

from django.utils import timezone

from peerpath.measures import actions
from peerpath.measures.models import PlanRule
from tests.factories import CareTeamFactory


def test_an_admin_builds_the_plan(org_a, client_for):
    admin = client_for("admin")
    assert admin.post("/questionnaires/plan/", {"instrument_id": "phq9", "trigger": "intake"}).status_code == 302
    admin.post("/questionnaires/plan/", {"instrument_id": "phq9", "trigger": "every", "interval_days": "90"})
    rules = PlanRule.objects.filter(organization=org_a.org, active=True)
    assert sorted((r.trigger, r.interval_days) for r in rules) == [("every", 90), ("intake", None)]


def test_a_periodic_rule_needs_its_interval_and_duplicates_are_refused(org_a, client_for):
    admin = client_for("admin")
    missing = admin.post("/questionnaires/plan/", {"instrument_id": "who5", "trigger": "every"})
    assert "interval_days" in missing.context["form"].errors
    admin.post("/questionnaires/plan/", {"instrument_id": "who5", "trigger": "intake"})
    again = admin.post("/questionnaires/plan/", {"instrument_id": "who5", "trigger": "intake"})
    assert "trigger" in again.context["form"].errors
    assert PlanRule.objects.count() == 1


def test_removing_a_rule_keeps_it_as_history(org_a, client_for):
    rule = PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
    client_for("coordinator").post(f"/questionnaires/plan/{rule.pk}/remove/")
    rule.refresh_from_db()
    assert not rule.active


def test_the_professional_sees_their_members_due_and_overdue(org_a, client_for):
    member = org_a.member  # enrolled 200 days ago
    CareTeamFactory(member=member, professional=org_a.users["professional"])
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
    PlanRule.objects.create(organization=org_a.org, instrument_id="who5", trigger="every", interval_days=90)
    actions.record_paper_form(org_a.staff["professional"], member, "who5",
                              answers={str(i): 3 for i in range(1, 6)},
                              taken_on=timezone.localdate() - dt.timedelta(days=80), reason="periodic")
    page = client_for("professional").get("/dashboard/")
    [(due_member, items)] = page.context["due"]
    assert due_member == member
    assert [(name, d.overdue) for name, d in items] == [("PHQ-9", True), ("WHO-5", False)]
    assert page.context["overdue_total"] == 1
