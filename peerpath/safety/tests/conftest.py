"""Fixtures of the safety tests: a member of organisation A with A's professional
in their care team, and helpers that answer PHQ-9 the way a member does."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.measures import actions as measure_actions
from peerpath.members.models import CareTeamAssignment


@pytest.fixture
def team_a(org_a) -> SimpleNamespace:
    """Organisation A with its professional in the member's care team."""
    CareTeamAssignment.objects.create(
        organization=org_a.org, member=org_a.member, role="professional", professional=org_a.users["professional"],
        started_on=timezone.localdate() - dt.timedelta(days=30), assigned_by=org_a.users["coordinator"],
    )
    for role, user in org_a.users.items():
        user.email = f"{role}@example.org"
        user.save(update_fields=["email"])
    return org_a


def answer_phq9(client: Client, path: str, *, item9: int) -> object:
    """Answer every PHQ-9 item on a self-report page (1 each, item 9 as given) and finish."""
    for item in range(1, 10):
        client.post(path, {"item": str(item), "value": str(item9 if item == 9 else 1)})
    return client.post(path, {"action": "finish"})


def phq9_link(tenant: SimpleNamespace) -> str:
    _administration, token = measure_actions.create_link(
        tenant.staff["professional"], tenant.member, "phq9", reason="ad_hoc"
    )
    return f"/r/{token}/"
