"""Invariants of multi-tenancy that every new model must keep."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from peerpath.members import actions
from peerpath.members.models import CareTeamAssignment
from peerpath.tenancy.models import Organization

# Rows that do not belong to one organisation, and why.
NOT_TENANT_OWNED = {
    "tenancy.Organization": "the tenant itself",
    "audit.ChainHead": "one per audit chain; the chain name carries the organisation",
    "tasks.WorkerHeartbeat": "a running worker process (host, pid, last seen): the queue serves every organisation",
    "tasks.PeriodicRun": "when a periodic task was last enqueued (by schedule name): for the whole deployment",
}


def test_every_peerpath_model_carries_its_organisation():
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("peerpath."):
            continue
        label = model._meta.label
        if label in NOT_TENANT_OWNED:
            continue
        field = next((f for f in model._meta.get_fields() if f.name == "organization"), None)
        if field is None or getattr(field, "related_model", None) is not Organization:
            missing.append(label)
    assert not missing, f"models without an organisation (or listed in NOT_TENANT_OWNED): {missing}"


def test_a_mentor_from_another_organisation_is_refused(org_a, org_b):
    with pytest.raises(PermissionDenied):
        actions.assign_care_team(
            org_a.staff["coordinator"], org_a.member, changes={"peer_mentor": org_b.member},
            started_on=org_a.member.enrolment_date,
        )
    assert not CareTeamAssignment.objects.exists()


def test_a_professional_from_another_organisation_is_refused(org_a, org_b):
    with pytest.raises(PermissionDenied):
        actions.assign_care_team(
            org_a.staff["coordinator"], org_a.member, changes={"professional": org_b.users["professional"]},
            started_on=org_a.member.enrolment_date,
        )
    assert not CareTeamAssignment.objects.exists()
