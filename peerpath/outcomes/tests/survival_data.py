"""Test data for the survival reports: jobs with fixed dates, group sessions and
attendance, helping contacts and GSES scores (factories and model rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from peerpath.employment.models import Employer, Job, JobEnding
from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.scope import ReportScope
from tests.factories import MemberFactory

TODAY = dt.date(2026, 10, 15)


def scope_for(org: Any, period: str = "2025Q1..2026Q3", *, today: dt.date = TODAY, suppress: bool = False,
              **kwargs: Any) -> ReportScope:
    return ReportScope(organizations=(org,), period=parse_period(period), today=today,
                       suppression=Suppression(suppress, 5), **kwargs)


def member(org: Any, enrolled: dt.date = dt.date(2025, 1, 1), **kwargs: Any) -> Any:
    return MemberFactory(organization=org, enrolment_date=enrolled, **kwargs)


def job(m: Any, staff: Any, start: dt.date, end: dt.date | None = None, *, competitive: bool = True,
        title: str = "廚房助手") -> Job:
    employer = Employer.objects.filter(organization=m.organization).first() or Employer.objects.create(
        organization=m.organization, name="示範餐飲有限公司", sector="food_service", created_by=staff)
    row = Job.objects.create(
        organization=m.organization, member=m, employer=employer, title=title, start_date=start, end_date=end,
        hours_per_week=Decimal("20"), hourly_wage=Decimal("196"), currency="TWD", in_community=True,
        open_to_anyone=competitive, minimum_wage_or_more=True, disclosure="none", created_by=staff,
    )
    if end is not None:
        JobEnding.objects.create(organization=m.organization, job=row, ended_on=end, reason="quit", recorded_by=staff)
    return row


def group(org: Any, name: str = "就業支持小組", started: dt.date = dt.date(2024, 1, 1)) -> Any:
    from peerpath.groups.models import PeerGroup

    return PeerGroup.objects.create(organization=org, name=name, started_on=started)


def roster(g: Any, m: Any, joined: dt.date, left: dt.date | None = None) -> Any:
    from peerpath.groups.models import RosterEntry

    return RosterEntry.objects.create(organization=g.organization, group=g, member=m, joined_on=joined, left_on=left)


def session(g: Any, staff: Any, day: dt.date, attendance: dict[Any, str] | None = None) -> Any:
    from peerpath.groups.models import Attendance, Session

    s = Session.objects.create(organization=g.organization, group=g, date=day, recorded_by=staff)
    for m, status in (attendance or {}).items():
        Attendance.objects.create(organization=g.organization, session=s, member=m, status=status)
    return s


def helping(helper: Any, helped: Any, staff: Any, day: dt.date, minutes: int) -> Any:
    from peerpath.pathway.models import HelpingContact

    return HelpingContact.objects.create(organization=helper.organization, helper=helper, helped=helped,
                                         kind=_helping_kind(), minutes=minutes, date=day, logged_by=staff)


def _helping_kind() -> str:
    from peerpath.pathway.models import HelpingKind

    return next(iter(HelpingKind)).value


def gses(m: Any, membership: Any, day: dt.date, total: int) -> Any:
    """A GSES questionnaire entered on paper on ``day`` whose total is ``total``
    (10 items scored 1-4; the scoring engine stores the total)."""
    from peerpath.measures.actions import record_paper_form

    assert 10 <= total <= 40
    answers = {str(i): 1 + (1 if i <= (total - 10) % 10 else 0) + (total - 10) // 10 for i in range(1, 11)}
    return record_paper_form(membership, m, "gses", answers=answers, taken_on=day, reason="periodic")
