"""Hand-built data for the programme and IPS quarterly tests, with the answers
worked out by hand (see the comments). Period: 2026Q3 (2026-07-01 .. 2026-09-30);
the tests run after it, so "now" for the period is 2026-09-30."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from peerpath.employment.models import Employer, Job, JobEnding, SupportContact
from peerpath.measures.models import Administration, PlanRule
from peerpath.members.models import Member
from peerpath.pathway.models import HelpingContact
from tests.factories import ConsentFactory, MemberFactory

D = dt.date
Q3_END = D(2026, 9, 30)
JUL_1 = D(2026, 7, 1)


def member(tenant: Any, code: str, enrolled: dt.date, status: str = "active") -> Member:
    return MemberFactory(organization=tenant.org, code=code, enrolment_date=enrolled, status=status)


def job(tenant: Any, who: Member, start: dt.date, end: dt.date | None = None, *, competitive: bool = True,
        hours: str = "20", wage: str | None = "200", currency: str = "TWD") -> Job:
    staff = tenant.users["professional"]
    employer = Employer.objects.filter(organization=tenant.org).first() or Employer.objects.create(
        organization=tenant.org, name="示範餐飲有限公司", sector="food_service", created_by=staff)
    made = Job.objects.create(
        organization=tenant.org, member=who, employer=employer, title="廚房助手", start_date=start, end_date=end,
        hours_per_week=Decimal(hours), hourly_wage=Decimal(wage) if wage is not None else None, currency=currency,
        in_community=True, open_to_anyone=competitive, minimum_wage_or_more=True, disclosure="none",
        created_by=staff,
    )
    if end is not None:
        JobEnding.objects.create(organization=tenant.org, job=made, ended_on=end, reason="quit", recorded_by=staff)
    return made


def contact(tenant: Any, who: Member, on: dt.date) -> SupportContact:
    return SupportContact.objects.create(
        organization=tenant.org, member=who, contacted_on=on, track="professional", kind="follow_along",
        place="workplace", minutes=30, by=tenant.users["professional"],
    )


def helping(tenant: Any, helper: Member, helped: Member, on: dt.date, minutes: int) -> HelpingContact:
    return HelpingContact.objects.create(organization=tenant.org, helper=helper, helped=helped, kind="meeting",
                                         minutes=minutes, date=on, logged_by=tenant.users["peer_leader"])


def completed(tenant: Any, who: Member, days_ago: int, instrument: str = "who5") -> Administration:
    return Administration.objects.create(
        organization=tenant.org, member=who, instrument_id=instrument, instrument_version=1, mode="staff",
        status="completed", taken_on=timezone.localdate() - dt.timedelta(days=days_ago),
        created_by=tenant.users["professional"],
    )


def research_consent(tenant: Any, who: Member) -> None:
    ConsentFactory(member=who, kind="research", given_on=who.enrolment_date, recorded_by=tenant.users["coordinator"])


def programme(tenant: Any) -> SimpleNamespace:
    """The programme of organisation ``tenant`` (its member A0001 was enrolled 200
    days before today, i.e. before 2026Q3, active, with no job).

    2026Q3, by hand:
    - served 10 (A0001, m1–m7, m8 closed but contacted in Q3, m11); m9 closed without
      contact or job; m10 enrolled after the quarter;
    - worked competitively 4 (m1, m2, m3 whose job ended on 07-01, m4) → 40.0%:
      minimal reached, average not;
    - out of work at entry: m4 was in a competitive job when enrolled → 3 of 9 (33.3%);
    - 2026Q2: served 9 (m8 had no contact then), worked 4 (m1, m3, m4, m6) → 44.4%;
    - active caseload 8 (A0001, m1–m6, m11); in a competitive job on 09-30: 3 (m1, m2, m4);
    - job starts in Q3: 2 (m2 competitive, m5 not);
    - competitive jobs on 09-30: hours 20, 30, 40 → mean 30.0; TWD wages 200, 210 →
      median 205; USD 15;
    - hours worked in Q3: (92×20 + 61×30 + 1×10 + 92×40) / 7 = 7360 / 7 ≈ 1,051;
    - helping in Q3: 60 + 30 + 45 minutes = 2.25 hours, 2 helpers, 2 helped, 3 contacts.
    """
    t = tenant
    jan = D(2026, 1, 1)
    m = SimpleNamespace(a=t.member)
    m.m1 = member(t, "P01", jan)
    job(t, m.m1, D(2026, 3, 1), hours="20", wage="200")
    m.m2 = member(t, "P02", jan)
    job(t, m.m2, D(2026, 8, 1), hours="30", wage="210")
    m.m3 = member(t, "P03", jan)
    job(t, m.m3, D(2026, 2, 1), D(2026, 7, 1), hours="10", wage="190")
    m.m4 = member(t, "P04", jan)
    job(t, m.m4, D(2025, 6, 1), hours="40", wage="15", currency="USD")
    m.m5 = member(t, "P05", jan)
    job(t, m.m5, D(2026, 7, 15), competitive=False, hours="15")
    contact(t, m.m5, D(2026, 9, 1))
    m.m6 = member(t, "P06", jan)
    job(t, m.m6, D(2026, 1, 15), D(2026, 6, 30))
    m.m7 = member(t, "P07", D(2026, 2, 1), status="inactive")
    m.m8 = member(t, "P08", D(2026, 3, 1), status="closed")
    contact(t, m.m8, D(2026, 8, 10))
    m.m9 = member(t, "P09", D(2026, 3, 1), status="closed")
    m.m10 = member(t, "P10", D(2026, 10, 5))
    job(t, m.m10, D(2026, 10, 10))
    m.m11 = member(t, "P11", jan)
    helping(t, m.m1, m.m2, D(2026, 8, 5), 60)
    helping(t, m.m1, m.a, D(2026, 9, 1), 30)
    helping(t, m.m7, m.m2, D(2026, 7, 20), 45)
    helping(t, m.m2, m.m1, D(2026, 6, 1), 90)  # before the quarter
    return m


def plan(tenant: Any, m: SimpleNamespace) -> None:
    """WHO-5 every 90 days. m1 and m2 answered 10 days ago (not due), m3 85 days ago
    (due in 5 days, not overdue); the other active members (A0001, m4, m5, m6, m11)
    never did: overdue. Due or overdue: 6; overdue: 5."""
    PlanRule.objects.create(organization=tenant.org, instrument_id="who5", trigger="every", interval_days=90)
    completed(tenant, m.m1, 10)
    completed(tenant, m.m2, 10)
    completed(tenant, m.m3, 85)


# Time to first competitive job, by hand (days from enrolment; follow-up ends on 09-30,
# or earlier for a closed case or a member out of contact for more than 180 days; the
# start of the first competitive job is a contact). A0001 is filled in by the test
# (enrolled 200 days before today, a helping contact received on 09-01: followed to 09-30).
# m4 was in a competitive job (since 2025-06-01) when enrolled: left out.
FIRST_JOB = {  # member → (days, observed)
    "m1": (59, True), "m2": (212, True), "m3": (31, True),
    "m5": (272, False),  # a support contact on 09-01: followed to 09-30
    "m6": (14, True),
    "m7": (0, False),  # no contact since enrolment on 02-01, 241 days: followed to the enrolment day
    "m8": (162, False),  # closed, no closing date on record: followed to the last contact (08-10)
    "m9": (0, False),  # closed, no contact: followed to the enrolment day
    "m11": (0, False),  # no contact since enrolment on 01-01, 272 days
}
# With the organisation's inactive_after_days at 365: m7 and m11 are followed to 09-30.
FIRST_JOB_365 = {**FIRST_JOB, "m7": (241, False), "m11": (272, False)}
# Competitive job tenure (days in the job, first and last day included, to its end or
# censored on 09-30).
TENURE = [(214, False), (61, False), (151, True), (488, False), (167, True)]


def more_workers(tenant: Any, k: int = 6, start: dt.date = JUL_1, prefix: str = "W") -> list[Member]:
    """``k`` more members enrolled 2026-01-01, each in a competitive job (40 h, 200
    TWD) from ``start``: with ``programme`` and k = 6, 2026Q3 has 16 served and
    10 in competitive work (62.5%), no figure of the IPS table under 5."""
    added = []
    for i in range(k):
        who = member(tenant, f"{prefix}{i:02d}", D(2026, 1, 1))
        job(tenant, who, start, hours="40", wage="200")
        added.append(who)
    return added
