"""Helpers shared by the employment tests (the org/role fixtures are in the root conftest)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import escape

from peerpath.employment.models import Employer, Job, JobEnding, SupportContact


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def make_employer(org: Any, staff: Any, name: str = "示範餐飲有限公司", sector: str = "food_service") -> Employer:
    return Employer.objects.create(organization=org, name=name, sector=sector, created_by=staff)


def make_job(
    member: Any, staff: Any, *, employer: Employer | None = None, start: int = 100, ended: int | None = None,
    reason: str = "quit", competitive: bool = True, hours: str = "20", wage: str | None = "196",
    title: str = "廚房助手", accommodations: str = "",
) -> Job:
    """A job that started ``start`` days ago (ended ``ended`` days ago, when given)."""
    employer = employer or Employer.objects.filter(organization=member.organization).first() or make_employer(
        member.organization, staff
    )
    job = Job.objects.create(
        organization=member.organization, member=member, employer=employer, title=title,
        start_date=days_ago(start), end_date=days_ago(ended) if ended is not None else None,
        hours_per_week=Decimal(hours), hourly_wage=Decimal(wage) if wage is not None else None, currency="TWD",
        in_community=True, open_to_anyone=competitive, minimum_wage_or_more=True, disclosure="none",
        accommodations=accommodations, created_by=staff,
    )
    if ended is not None:
        JobEnding.objects.create(organization=member.organization, job=job, ended_on=days_ago(ended), reason=reason,
                                 lessons="需要更多休息時間", recorded_by=staff)
    return job


def make_contact(member: Any, staff: Any, *, track: str = "professional", ago: int = 3,
                 kind: str | None = None, note: str = "") -> SupportContact:
    kind = kind or ("follow_along" if track == "professional" else "peer_checkin")
    return SupportContact.objects.create(
        organization=member.organization, member=member, contacted_on=days_ago(ago), track=track, kind=kind,
        place="workplace", minutes=30, note=note, by=staff,
    )


def assert_field_error(response: Any, field: str, message: str) -> None:
    """Re-rendered (200) with ``message`` among ``field``'s errors, shown beside that field."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    assert message in form.errors.get(field, []), form.errors
    shown = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    assert shown is not None, f"no error list beside {field}"
    assert escape(message) in shown.group(1)


@pytest.fixture
def pro(org_a):
    """Org A's professional membership, for calling actions directly."""
    return org_a.staff["professional"]
