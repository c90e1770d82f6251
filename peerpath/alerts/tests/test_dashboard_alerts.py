"""The dashboard's alerts, read in one statement compiled once per role: the newest
open alerts the viewer may see and how many there are in all, as the two reads they
replaced gave them, for each role and organisation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.alerts.models import UNRESOLVED
from peerpath.alerts.selectors import alerts_visible_to, dashboard_alerts
from tests.factories import MemberFactory

from .factories import AlertFactory

pytestmark = pytest.mark.django_db


def _by_two_reads(membership, limit: int) -> tuple[list[int], int]:
    """What the dashboard read before: the newest ``limit``, then the count."""
    alerts = alerts_visible_to(membership).filter(state__in=UNRESOLVED)
    return list(alerts.order_by("-raised_at", "-pk").values_list("pk", flat=True)[:limit]), alerts.count()


def _alerts(tenant, prefix: str, clinical: int, peer: int) -> None:
    now = timezone.now()
    for i in range(clinical + peer):
        AlertFactory(member=MemberFactory(organization=tenant.org, code=f"{prefix}{i:03d}"), clinical=i < clinical,
                     raised_at=now - dt.timedelta(hours=i % 3))  # ties on the time, broken by the id
    AlertFactory(member=tenant.member, state="resolved")
    AlertFactory(member=tenant.member, state="acknowledged", acknowledged_by=tenant.users["coordinator"],
                 acknowledged_at=now, raised_at=now - dt.timedelta(days=5))


def test_the_newest_and_the_count_are_those_of_the_two_reads_for_each_role_and_organisation(org_a, org_b):
    _alerts(org_a, "A9", clinical=4, peer=9)
    _alerts(org_b, "B9", clinical=1, peer=2)
    for tenant, role, total in ((org_a, "coordinator", 14), (org_a, "peer_leader", 10), (org_a, "professional", 14),
                                (org_b, "coordinator", 4), (org_b, "peer_leader", 3)):
        membership = tenant.staff[role]
        for limit in (10, 3):
            newest, count = dashboard_alerts(membership, limit=limit)
            assert ([a.pk for a in newest], count) == _by_two_reads(membership, limit), (tenant.org, role, limit)
            assert count == total
            assert all(a.organization_id == tenant.org.pk for a in newest)
    newest, _ = dashboard_alerts(org_a.staff["coordinator"], limit=20)
    acknowledged = next(a for a in newest if a.state == "acknowledged")  # with who acknowledged it, read with it
    assert acknowledged.acknowledged_by == org_a.users["coordinator"] and acknowledged.member == org_a.member


def test_no_open_alert_gives_none_and_a_count_of_zero(org_a, org_b):
    _alerts(org_b, "B9", clinical=1, peer=2)
    AlertFactory(member=org_a.member, state="resolved")
    assert dashboard_alerts(org_a.staff["coordinator"]) == ([], 0)
    AlertFactory(member=org_a.member, rule="safety", key="flag:1", clinical=True)
    assert dashboard_alerts(org_a.staff["peer_leader"]) == ([], 0)
    assert dashboard_alerts(org_a.staff["coordinator"])[1] == 1
