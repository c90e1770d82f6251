"""The employment part of the demo: plausible, deterministic, and giving the
alerts and outcome reports something real to show."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from django.core.management import call_command

from peerpath.demo import shape
from peerpath.demo.generator import STAGES, plan
from peerpath.employment.demo_plan import EmploymentPlan
from peerpath.employment.rules import kind_fits_track
from peerpath.groups.demo import roster_periods

DAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo() -> tuple:
    p = plan(seed=2026, today=DAY)
    return p, p.extras["employment"]


def test_the_plan_is_deterministic():
    assert plan(seed=5, today=DAY).extras["employment"] == plan(seed=5, today=DAY).extras["employment"]


def test_who_works_follows_the_demo_rule_and_most_work_after_a_few_months(demo):
    """The share of active members who worked is what ``shape.work_chance`` gives
    them (within three binomial standard deviations), and plausible for an IPS
    programme followed over several years."""
    p, e = demo
    active = [m for m in p.members if m.org == "main" and m.status == "active"]
    worked = {(j.org, j.code) for j in e.jobs}
    in_groups = set(roster_periods(p))
    mentors = {(m.org, m.mentor_code) for m in p.members if m.mentor_code}
    eligible = [m for m in active if (DAY - m.enrolment_date).days >= 21]
    chances = [shape.work_chance(STAGES.index(m.stages[-1][1]), (m.org, m.code) in in_groups,
                                 (m.org, m.code) in mentors) for m in eligible]
    observed = sum((m.org, m.code) in worked for m in eligible)
    assert abs(observed - sum(chances)) <= 3 * math.sqrt(sum(c * (1 - c) for c in chances))
    assert not any((m.org, m.code) in worked for m in active if m not in eligible)
    assert 0.4 <= observed / len(active) <= 0.8
    enrolled = {(m.org, m.code): m.enrolment_date for m in p.members}
    first: dict = {}
    for j in e.jobs:
        first[(j.org, j.code)] = min(first.get((j.org, j.code), j.start), j.start)
    median = statistics.median((d - enrolled[k]).days for k, d in first.items())
    assert 45 <= median <= 180  # a few months


def test_tenure_varies_and_endings_have_reasons(demo):
    p, e = demo
    tenures = [((j.ending.on if j.ending else DAY) - j.start).days for j in e.jobs]
    assert min(tenures) < 90 and max(tenures) > 365
    assert any(j.ending is None for j in e.jobs)  # ongoing jobs
    reasons = {j.ending.reason for j in e.jobs if j.ending}
    assert reasons >= {"quit", "fired", "laid_off", "temporary_ended", "better_job"}
    assert {j.ending.planned for j in e.jobs if j.ending} == {True, False}
    assert any(not (j.in_community and j.open_to_anyone and j.minimum_wage_or_more) for j in e.jobs)


def test_every_record_is_dated_sensibly(demo):
    p, e = demo
    enrolled = {(m.org, m.code): m.enrolment_date for m in p.members}
    for j in e.jobs:
        assert enrolled[(j.org, j.code)] <= j.start <= DAY
        assert j.ending is None or j.start <= j.ending.on <= DAY
        assert 0 < j.hours <= 80 and j.wage >= 0
    for s in e.supports:
        assert enrolled[(s.org, s.code)] <= s.on <= DAY and kind_fits_track(s.kind, s.track) and 1 <= s.minutes <= 600
    for a in e.searches:
        assert enrolled[(a.org, a.code)] <= a.on <= DAY
    for r in e.referrals:
        steps = [d for d in (r.received, r.contacted, r.intake, r.enrolled) if d is not None]
        assert steps == sorted(steps) and steps[-1] <= DAY
        assert (r.closed is None) == (r.close_reason == "") and not (r.closed and r.enrolled)


def test_support_comes_from_both_tracks_every_few_weeks_while_working(demo):
    p, e = demo
    assert {s.track for s in e.supports} == {"professional", "peer"}
    quiet = set(e.no_recent_contact) | set(e.ended_without_contact)
    for j in e.jobs:
        if j.ending is not None or (j.org, j.code) in quiet or (DAY - j.start).days < 35:
            continue
        recent = [s.on for s in e.supports if (s.org, s.code) == (j.org, j.code) and s.track == "professional"]
        assert recent and (DAY - max(recent)).days <= 28, j.code


def test_some_members_are_left_for_the_alerts(demo):
    p, e = demo
    assert len(e.no_recent_contact) >= 2 and 1 <= len(e.ended_without_contact) <= 2
    for org, code in e.no_recent_contact:
        last = max(s.on for s in e.supports if (s.org, s.code) == (org, code))
        assert 14 <= (DAY - last).days <= 21
    for org, code in e.ended_without_contact:
        [ending] = [j.ending for j in e.jobs if (j.org, j.code) == (org, code) and j.ending and (DAY - j.ending.on).days < 14]
        assert not [s for s in e.supports if (s.org, s.code) == (org, code) and s.on > ending.on]


def test_referrals_in_every_step(demo):
    p, e = demo
    states = {("closed" if r.closed else "enrolled" if r.enrolled else "open") for r in e.referrals}
    assert states == {"open", "enrolled", "closed"} and 9 <= len(e.referrals) <= 12
    codes = {m.code for m in p.members if m.org == "main"}
    assert all(r.member_code in codes for r in e.referrals if r.enrolled)


def test_about_25_employers_with_job_development(demo):
    _, e = demo
    assert 22 <= len(e.employers) <= 30 and all("示範" in x.name for x in e.employers)
    assert any(c.member_code for c in e.employer_contacts) and e.openings


@pytest.fixture
def _development(settings):
    settings.DEBUG = True


def test_the_demo_loads_with_employment_records(db, _development):
    from peerpath.employment.models import Employer, Job, JobEnding, Referral, SupportContact

    call_command("demo", "--seed", "3", "--size", "20")
    assert Employer.objects.count() >= 20 and Job.objects.exists() and Referral.objects.exists()
    assert JobEnding.objects.count() == Job.objects.filter(end_date__isnull=False).count()
    assert set(SupportContact.objects.values_list("track", flat=True)) == {"professional", "peer"}
    assert isinstance(plan(seed=3, today=DAY, size=20).extras["employment"], EmploymentPlan)
