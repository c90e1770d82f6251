"""Helpers shared by the alerts tests: the records the rules read, written as the
other apps write them (the org/role fixtures are in the root conftest)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from peerpath.alerts.compute import ComputeResult, compute_alerts
from peerpath.alerts.models import Alert
from peerpath.employment import actions as employment
from peerpath.employment.models import Employer, Job
from peerpath.groups.models import Attendance, PeerGroup, Session
from peerpath.measures.models import Administration, AdministrationStatus, ResultFlag
from peerpath.pathway.models import HelpingContact
from tests.factories import CareTeamFactory, MemberFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def compute(tenant: Any) -> ComputeResult:
    return compute_alerts(tenant.org, timezone.localdate())


def rules_of(member: Any, state: str | None = None) -> set[str]:
    alerts = Alert.objects.filter(member=member)
    if state is not None:
        alerts = alerts.filter(state=state)
    return set(alerts.values_list("rule", flat=True))


def start_job(tenant: Any, member: Any, days: int) -> Job:
    """A competitive job that started ``days`` ago, recorded by the professional."""
    pro = tenant.staff["professional"]
    employer = Employer.objects.filter(organization=tenant.org).first() or employment.create_employer(
        pro, name="示範餐飲有限公司", sector="food_service"
    )
    return employment.start_job(
        pro, member, employer=employer, title="廚房助手", start_date=days_ago(days), hours_per_week=Decimal(20),
        hourly_wage=Decimal(196), in_community=True, open_to_anyone=True, minimum_wage_or_more=True,
        disclosure="none",
    )


def end_job(tenant: Any, job: Job, days: int, reason: str = "quit") -> None:
    employment.end_job(tenant.staff["professional"], job, ended_on=days_ago(days), reason=reason)


def workplace_visit(tenant: Any, member: Any, days: int = 0, track: str = "professional") -> None:
    """A support contact at the workplace, from either track."""
    who = tenant.staff["professional" if track == "professional" else "peer_leader"]
    employment.log_support_contact(
        who, member, contacted_on=days_ago(days), track=track,
        kind="follow_along" if track == "professional" else "peer_checkin", place="workplace", minutes=30,
    )


def attend(tenant: Any, member: Any, *statuses: str) -> None:
    """Attendance at weekly sessions, newest first."""
    group, _ = PeerGroup.objects.get_or_create(
        organization=tenant.org, name="週三同儕支持團體", defaults={"started_on": days_ago(400)}
    )
    for i, status in enumerate(statuses):
        session, _ = Session.objects.get_or_create(
            organization=tenant.org, group=group, date=days_ago(1 + 7 * i),
            defaults={"recorded_by": tenant.users["peer_leader"]},
        )
        Attendance.objects.create(organization=tenant.org, session=session, member=member, status=status)


def helped(tenant: Any, member: Any, days: int = 3, helper: Any = None) -> Any:
    """A helping contact ``member`` received ``days`` ago (from another member)."""
    helper = helper or MemberFactory(organization=tenant.org)
    return HelpingContact.objects.create(
        organization=tenant.org, helper=helper, helped=member, kind="phone", minutes=20, date=days_ago(days),
        logged_by=tenant.users["peer_leader"],
    )


def mentor_for(tenant: Any, member: Any, mentor: Any = None) -> Any:
    mentor = mentor or MemberFactory(organization=tenant.org)
    CareTeamFactory(member=member, role="peer_mentor", professional=None, mentor=mentor,
                    started_on=days_ago(30), assigned_by=tenant.users["coordinator"])
    return mentor


def professional_for(tenant: Any, member: Any, role: str = "professional") -> None:
    CareTeamFactory(member=member, professional=tenant.users[role], started_on=days_ago(30),
                    assigned_by=tenant.users["coordinator"])


def safety_flag(tenant: Any, member: Any) -> ResultFlag:
    administration = Administration.objects.create(
        organization=tenant.org, member=member, instrument_id="phq9", instrument_version=1, mode="staff",
        status=AdministrationStatus.COMPLETED, taken_on=days_ago(1), answers={},
    )
    return ResultFlag.objects.create(
        organization=tenant.org, administration=administration, member=member, kind="safety", item_id="9",
        value=2, raised_at=timezone.now(),
    )


@pytest.fixture
def settled(org_a):
    """Org A's member A0001 with a peer mentor and a helping contact received 30
    days ago (not isolated, but no recent contact either): no alert of any rule
    until a test gives it a reason."""
    mentor_for(org_a, org_a.member)
    helped(org_a, org_a.member, days=30)
    return org_a.member
