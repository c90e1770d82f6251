"""Employment status is derived from jobs, never stored (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from peerpath.employment.status import (
    EmploymentStatus,
    Ended,
    JobSpan,
    facts_from,
    hours_on,
    status_on,
    tenure_days,
)

D = dt.date(2026, 6, 1)


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def test_no_jobs_is_not_employed():
    assert status_on([], D) is EmploymentStatus.NOT_EMPLOYED


def test_a_competitive_job_held_today_is_competitive_employment():
    assert status_on([JobSpan(day(-10), None, True, 20)], D) is EmploymentStatus.COMPETITIVE


def test_a_non_competitive_job_is_employment_but_not_competitive():
    assert status_on([JobSpan(day(-10), None, False, 20)], D) is EmploymentStatus.EMPLOYED


def test_the_first_and_last_day_of_a_job_count_as_employed():
    job = JobSpan(day(-10), day(0), True, 20)
    assert status_on([job], day(-10)) is EmploymentStatus.COMPETITIVE
    assert status_on([job], day(0)) is EmploymentStatus.COMPETITIVE
    assert status_on([job], day(1)) is EmploymentStatus.NOT_EMPLOYED
    assert status_on([job], day(-11)) is EmploymentStatus.NOT_EMPLOYED


def test_overlapping_jobs_are_allowed_and_the_competitive_one_decides():
    sheltered = JobSpan(day(-100), None, False, 10)
    competitive = JobSpan(day(-5), day(5), True, 15)
    assert status_on([sheltered, competitive], D) is EmploymentStatus.COMPETITIVE
    assert status_on([sheltered, competitive], day(6)) is EmploymentStatus.EMPLOYED
    assert hours_on([sheltered, competitive], D) == Decimal(25)


def test_tenure_counts_days_to_today_or_to_the_end():
    assert tenure_days(JobSpan(day(-9), None), D) == 10
    assert tenure_days(JobSpan(day(-9), day(-5)), D) == 5
    assert tenure_days(JobSpan(day(3), None), D) == 0


def test_facts_name_current_jobs_last_ending_and_last_contacts():
    jobs = [JobSpan(day(-300), day(-100), True, 20), JobSpan(day(-30), None, False, 12)]
    endings = [Ended(day(-100), "laid_off")]
    facts = facts_from(jobs, endings, {"peer": day(-3)}, D)
    assert (facts.employed, facts.competitive) == (True, False)
    assert facts.current_job_starts == (day(-30),)
    assert (facts.last_job_end, facts.last_job_end_reason) == (day(-100), "laid_off")
    assert facts.last_contact == {"peer": day(-3)}


def test_an_ending_recorded_ahead_is_not_yet_the_last_ending():
    facts = facts_from([JobSpan(day(-30), day(10), True, 20)], [Ended(day(10), "temporary_ended")], {}, D)
    assert facts.employed and facts.last_job_end is None and facts.last_job_end_reason == ""


# -- properties ---------------------------------------------------------------

spans = st.builds(
    lambda start, length, competitive, hours: JobSpan(
        day(start), None if length is None else day(start + length), competitive, hours
    ),
    st.integers(-400, 400),
    st.none() | st.integers(0, 400),
    st.booleans(),
    st.integers(1, 40),
)


@given(st.lists(spans, max_size=6), st.integers(-500, 900))
def test_status_is_the_best_of_the_jobs_held_that_day(jobs, offset):
    today = day(offset)
    held = [j for j in jobs if j.start <= today and (j.end is None or today <= j.end)]
    status = status_on(jobs, today)
    if not held:
        assert status is EmploymentStatus.NOT_EMPLOYED
    elif any(j.competitive for j in held):
        assert status is EmploymentStatus.COMPETITIVE
    else:
        assert status is EmploymentStatus.EMPLOYED


@given(st.lists(spans, max_size=6), st.integers(-500, 900))
def test_order_of_jobs_does_not_matter(jobs, offset):
    assert status_on(jobs, day(offset)) is status_on(list(reversed(jobs)), day(offset))


@given(st.lists(spans, max_size=6), spans, st.integers(-500, 900))
def test_adding_a_job_never_makes_someone_less_employed(jobs, extra, offset):
    rank = {EmploymentStatus.NOT_EMPLOYED: 0, EmploymentStatus.EMPLOYED: 1, EmploymentStatus.COMPETITIVE: 2}
    assert rank[status_on([*jobs, extra], day(offset))] >= rank[status_on(jobs, day(offset))]


@given(spans, st.integers(-500, 900))
def test_tenure_is_never_negative_and_never_longer_than_the_job(job, offset):
    days = tenure_days(job, day(offset))
    assert days >= 0
    if job.end is not None:
        assert days <= (job.end - job.start).days + 1
