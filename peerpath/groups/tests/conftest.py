"""Fixtures of the groups tests: a group of organisation A led by A's peer leader
with A's professional, a roster of members, and agreed norms."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from peerpath.groups.models import Norm, PeerGroup, RosterEntry
from tests.factories import MemberFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def make_group(tenant: SimpleNamespace, *, name: str = "職場續航團體", size: int = 4, peer_leader: bool = True) -> SimpleNamespace:
    org = tenant.org
    group = PeerGroup.objects.create(
        organization=org, name=name, kind="job_retention",
        peer_leader=tenant.users["peer_leader"] if peer_leader else None,
        co_facilitator=tenant.users["professional"], started_on=days_ago(500), schedule="每週三 19:00",
    )
    members = [tenant.member] + [
        MemberFactory(organization=org, code=f"{name[:1]}{org.pk}{i:03d}", preferred_name=f"小{i}")
        for i in range(1, size)
    ]
    for m in members:
        RosterEntry.objects.create(organization=org, group=group, member=m, joined_on=days_ago(400))
    norms = [
        Norm.objects.create(organization=org, group=group, text=text, proposed_on=days_ago(100),
                            agreed_on=days_ago(100), created_by=tenant.users["peer_leader"])
        for text in ("一次一個人說話", "團體裡說的事留在團體裡")
    ]
    return SimpleNamespace(group=group, members=members, norms=norms)


@pytest.fixture
def group_a(org_a) -> SimpleNamespace:
    """A group of organisation A with four members on the roster and two norms."""
    return make_group(org_a)
