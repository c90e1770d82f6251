"""Helper roles, training, and the organisation's catalogue and readiness criteria."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog
from peerpath.pathway import actions
from peerpath.pathway.models import (
    HelperRole,
    ReadinessCriterion,
    TrainingCompletion,
    TrainingModule,
)
from peerpath.pathway.tests.conftest import days_ago


def roles(member) -> list[tuple[str, object, object]]:
    return list(HelperRole.objects.filter(member=member).order_by("started_on").values_list(
        "role", "started_on", "ended_on"))


# -- role transitions ------------------------------------------------------------


def test_a_transition_closes_the_previous_role_the_same_day(client_for, org_a):
    client = client_for("professional")
    assert client.post("/members/A0001/pathway/role/", {"role": "buddy", "started_on": days_ago(100)}).status_code == 302
    assert client.post("/members/A0001/pathway/role/",
                       {"role": "group_leader", "started_on": days_ago(10)}).status_code == 302
    assert roles(org_a.member) == [("buddy", days_ago(100), days_ago(10)), ("group_leader", days_ago(10), None)]
    assert AccessLog.objects.filter(event="pathway.role_changed", organization=org_a.org).count() == 2


def test_a_role_change_dated_before_the_current_role_is_refused(client_for, org_a):
    client = client_for("coordinator")
    client.post("/members/A0001/pathway/role/", {"role": "buddy", "started_on": days_ago(10)})
    response = client.post("/members/A0001/pathway/role/", {"role": "group_leader", "started_on": days_ago(20)})
    assert response.status_code == 200
    assert "The date is before the current role started" in str(response.context["form"].errors["started_on"])
    assert roles(org_a.member) == [("buddy", days_ago(10), None)]


@pytest.mark.parametrize("data,field", [
    ({"role": "buddy", "started_on": days_ago(-1)}, "started_on"),  # the future
    ({"role": "buddy", "started_on": days_ago(400)}, "started_on"),  # before enrolment (200 days ago)
    ({"role": "participant", "started_on": days_ago(1)}, "role"),  # already a participant
    ({"role": "", "started_on": days_ago(1)}, "role"),
])
def test_bad_role_changes_name_the_field_and_save_nothing(client_for, org_a, data, field):
    response = client_for("coordinator").post("/members/A0001/pathway/role/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not HelperRole.objects.exists()


def test_the_action_refuses_a_member_of_another_organisation(org_a, org_b):
    with pytest.raises(PermissionDenied):
        actions.change_role(org_a.staff["coordinator"], org_b.member, role="buddy", started_on=days_ago(1))
    assert not HelperRole.objects.exists()


def test_a_peer_leader_cannot_change_roles(org_a):
    with pytest.raises(PermissionDenied):
        actions.change_role(org_a.staff["peer_leader"], org_a.member, role="buddy", started_on=days_ago(1))


def test_only_one_role_is_open_at_a_time(org_a):
    from django.db import IntegrityError, transaction

    HelperRole.objects.create(organization=org_a.org, member=org_a.member, role="buddy", started_on=days_ago(5),
                              recorded_by=org_a.users["coordinator"])
    with pytest.raises(IntegrityError), transaction.atomic():
        HelperRole.objects.create(organization=org_a.org, member=org_a.member, role="group_leader",
                                  started_on=days_ago(2), recorded_by=org_a.users["coordinator"])


# -- training --------------------------------------------------------------------


@pytest.fixture
def module(org_a) -> TrainingModule:
    return TrainingModule.objects.create(organization=org_a.org, name="傾聽與回饋", hours=Decimal("6"))


def test_training_is_recorded_once_per_module(client_for, org_a, module):
    client = client_for("professional")
    assert client.post("/members/A0001/pathway/training/",
                       {"module": module.pk, "completed_on": days_ago(3)}).status_code == 302
    again = client.post("/members/A0001/pathway/training/", {"module": module.pk, "completed_on": days_ago(2)})
    assert "module" in again.context["form"].errors  # no longer offered for this member
    assert TrainingCompletion.objects.get().completed_on == days_ago(3)


def test_a_module_of_another_organisation_cannot_be_recorded(client_for, org_a, org_b):
    other = TrainingModule.objects.create(organization=org_b.org, name="倫理與界線", hours=Decimal("3"))
    response = client_for("coordinator").post("/members/A0001/pathway/training/",
                                              {"module": other.pk, "completed_on": days_ago(1)})
    assert "module" in response.context["form"].errors
    assert not TrainingCompletion.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.record_training(org_a.staff["coordinator"], org_a.member, module=other, completed_on=days_ago(1))


# -- catalogue and readiness criteria ------------------------------------------


def test_a_coordinator_adds_and_withdraws_a_training_module(client_for, org_a):
    client = client_for("coordinator")
    assert client.post("/pathway/training/", {"name": " 陪同就業面談 ", "hours": "4.5"}).status_code == 302
    module = TrainingModule.objects.get(organization=org_a.org)
    assert (module.name, module.hours, module.active) == ("陪同就業面談", Decimal("4.5"), True)
    duplicate = client.post("/pathway/training/", {"name": "陪同就業面談", "hours": "2"})
    assert "name" in duplicate.context["form"].errors
    client.post(f"/pathway/training/{module.pk}/toggle/")
    module.refresh_from_db()
    assert module.active is False


@pytest.mark.parametrize("data,field", [
    ({"target_role": "buddy", "kind": "months_in_programme"}, "threshold"),
    ({"target_role": "buddy", "kind": "sessions_attended", "threshold": "0"}, "threshold"),
    ({"target_role": "buddy", "kind": "training_module"}, "module"),
    ({"target_role": "group_leader", "kind": "current_role"}, "role"),
    ({"target_role": "buddy", "kind": "current_role", "role": "group_leader"}, "role"),
    ({"target_role": "buddy", "kind": "recovery_stage_at_least"}, "stage"),
    ({"target_role": "participant", "kind": "months_in_programme", "threshold": "3"}, "target_role"),
])
def test_a_criterion_needs_the_value_its_kind_uses(client_for, org_a, data, field):
    response = client_for("admin").post("/pathway/readiness/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not ReadinessCriterion.objects.exists()


def test_a_criterion_keeps_only_the_value_its_kind_uses(client_for, org_a, module):
    client = client_for("coordinator")
    response = client.post("/pathway/readiness/", {"target_role": "buddy", "kind": "training_module",
                                                   "module": module.pk, "threshold": "5", "stage": "growth"})
    assert response.status_code == 302
    c = ReadinessCriterion.objects.get()
    assert (c.module_id, c.threshold, c.stage, c.role) == (module.pk, None, "", "")
    assert "Training completed: 傾聽與回饋" in client.get("/pathway/readiness/").content.decode()
    client.post(f"/pathway/readiness/{c.pk}/remove/")
    c.refresh_from_db()
    assert not c.active


def test_professionals_and_peer_leaders_cannot_configure(org_a):
    for role in ("professional", "peer_leader"):
        with pytest.raises(PermissionDenied):
            actions.add_training_module(org_a.staff[role], name="x", hours=Decimal("1"))
