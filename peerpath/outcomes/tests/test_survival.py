"""The survival selectors and the Kaplan–Meier wrapper, against lifelines called directly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from peerpath.outcomes.survival import (
    Durations,
    job_tenure,
    kaplan_meier,
    make_durations,
    time_to_first_job,
)
from peerpath.outcomes.tests.survival_data import job, member, scope_for
from tests.factories import ConsentFactory

D = dt.date
CENSOR = D(2026, 9, 30)  # end of 2026Q3 (today is later)


# -- pure ---------------------------------------------------------------------------------------

def test_an_ending_after_the_censoring_day_counts_as_ongoing():
    d = make_durations([(D(2026, 9, 1), D(2026, 10, 5), 1), (D(2026, 9, 1), D(2026, 9, 11), 2),
                        (D(2026, 9, 1), None, 3)], D(2026, 9, 30))
    assert d.durations.tolist() == [29.0, 10.0, 29.0]
    assert d.observed.tolist() == [False, True, False]
    assert d.member_ids.tolist() == [1, 2, 3]


def test_a_start_before_the_origin_counts_zero_days():
    d = make_durations([(D(2026, 3, 1), D(2026, 2, 1), 7)], D(2026, 9, 30))
    assert d.durations.tolist() == [0.0] and d.observed.tolist() == [True]


def test_kaplan_meier_matches_lifelines():
    rng = np.random.default_rng(6)
    durations = rng.integers(1, 800, 60).astype(float)
    observed = rng.random(60) < 0.6
    d = Durations(durations, observed, np.arange(60) % 40)
    km = kaplan_meier(d)
    kmf = KaplanMeierFitter().fit(durations, observed)
    assert km is not None and km.n == 60 and km.events == int(observed.sum())
    assert km.median == pytest.approx(kmf.median_survival_time_)
    ci = median_survival_times(kmf.confidence_interval_)
    assert np.isfinite(ci.iloc[0, 0]) and np.isfinite(ci.iloc[0, 1])
    assert km.median_ci[0] == pytest.approx(ci.iloc[0, 0])
    assert km.median_ci[1] == pytest.approx(ci.iloc[0, 1])
    assert km.median_ci[0] < km.median < km.median_ci[1]
    for days in (0, 90, 182, 365, 730):
        estimate, lower, upper = km.at(days)
        assert estimate == pytest.approx(kmf.survival_function_at_times(days).iloc[0])
        assert lower <= estimate <= upper
    assert d.at_risk(365) == int((durations >= 365).sum()) == km_at_risk(kmf, 365)
    # members 0–19 have two rows each: rows 0–19 and 40–59
    assert d.members_at_risk(365) == len({i % 40 for i in range(60) if durations[i] >= 365})


def km_at_risk(kmf: KaplanMeierFitter, days: float) -> int:
    """lifelines' number at risk just before ``days``: the first event-table row at or after it."""
    table = kmf.event_table
    later = table[table.index >= days]
    return int(later["at_risk"].iloc[0]) if len(later) else 0


def test_no_median_when_the_curve_stays_above_half():
    km = kaplan_meier(Durations(np.array([10.0, 20, 30, 40]), np.array([True, False, False, False]),
                                np.arange(4)))
    assert km is not None and km.median is None and km.survival[-1] == pytest.approx(0.75)


def test_no_rows_no_curve():
    assert kaplan_meier(Durations(np.array([]), np.array([], dtype=bool), np.array([], dtype=int))) is None


# -- selectors ----------------------------------------------------------------------------------

def test_job_tenure_counts_competitive_jobs_started_by_the_censoring_day(org_a):
    staff = org_a.users["professional"]
    a, b = member(org_a.org), member(org_a.org)
    job(a, staff, D(2026, 1, 1), D(2026, 3, 2))  # 60 days, ended
    job(a, staff, D(2026, 4, 1))  # ongoing: censored at 2026-09-30
    job(b, staff, D(2026, 9, 1), D(2026, 10, 10))  # ends after the period: censored
    job(b, staff, D(2026, 2, 1), D(2026, 2, 11), competitive=False)
    job(b, staff, D(2026, 10, 2))  # starts after the period: not counted
    d = job_tenure(scope_for(org_a.org))
    assert sorted(zip(d.durations.tolist(), d.observed.tolist(), strict=True)) == [
        (29.0, False), (60.0, True), ((CENSOR - D(2026, 4, 1)).days, False)]
    assert len(job_tenure(scope_for(org_a.org), competitive_only=False)) == 4


def test_censoring_is_today_when_the_period_is_not_over(org_a):
    staff = org_a.users["professional"]
    job(member(org_a.org), staff, D(2026, 10, 1))
    d = job_tenure(scope_for(org_a.org, "2026Q4", today=D(2026, 10, 15)))
    assert d.durations.tolist() == [14.0] and d.observed.tolist() == [False]


def test_time_to_first_job_per_member(org_a):
    staff = org_a.users["professional"]
    a = member(org_a.org, D(2026, 1, 1))
    job(a, staff, D(2026, 5, 1), competitive=False)
    job(a, staff, D(2026, 3, 2))  # first competitive job: 60 days
    job(a, staff, D(2026, 6, 1))
    b = member(org_a.org, D(2026, 2, 1))
    job(b, staff, D(2025, 12, 1), D(2026, 3, 1))  # started before enrolment: 0 days
    c = member(org_a.org, D(2026, 9, 1))  # no job: censored after 29 days
    late = member(org_a.org, D(2026, 10, 5))  # enrolled after the period: not counted
    d = time_to_first_job(scope_for(org_a.org))
    rows = dict(zip(d.member_ids.tolist(), zip(d.durations.tolist(), d.observed.tolist(), strict=True),
                    strict=True))
    assert rows[a.pk] == (60.0, True) and rows[b.pk] == (0.0, True) and rows[c.pk] == (29.0, False)
    assert late.pk not in rows


def test_researchers_count_research_consented_members_only(org_a, org_b):
    staff = org_a.users["professional"]
    consented, other = member(org_a.org), member(org_a.org)
    ConsentFactory(member=consented, kind="research", given_on=D(2025, 1, 1))
    job(consented, staff, D(2026, 1, 1))
    job(other, staff, D(2026, 1, 1))
    job(member(org_b.org), org_b.users["professional"], D(2026, 1, 1))
    d = job_tenure(scope_for(org_a.org, research_only=True))
    assert d.member_ids.tolist() == [consented.pk]
    assert time_to_first_job(scope_for(org_a.org, research_only=True)).member_ids.tolist() == [consented.pk]
    assert sorted(job_tenure(scope_for(org_a.org)).member_ids.tolist()) == sorted([consented.pk, other.pk])


@pytest.mark.parametrize("size", [2, 12])
def test_each_selector_is_one_query(org_a, django_assert_num_queries, size):
    staff = org_a.users["professional"]
    for i in range(size):
        m = member(org_a.org)
        job(m, staff, D(2025, 3, 1) + dt.timedelta(days=i), D(2025, 9, 1) if i % 2 else None)
    scope = scope_for(org_a.org, research_only=True)
    with django_assert_num_queries(1):
        job_tenure(scope)
    with django_assert_num_queries(1):
        time_to_first_job(scope)


def test_a_job_that_ended_before_enrolment_is_not_the_first_job(org_a):
    staff = org_a.users["professional"]
    a = member(org_a.org, D(2026, 2, 1))
    job(a, staff, D(2025, 6, 1), D(2025, 12, 31))  # over before enrolment: not counted
    job(a, staff, D(2026, 4, 2))  # the first job since enrolment: 60 days
    b = member(org_a.org, D(2026, 2, 1))
    job(b, staff, D(2025, 6, 1), D(2026, 1, 31))  # ended the day before enrolment: never found a job
    c = member(org_a.org, D(2026, 2, 1))
    job(c, staff, D(2025, 6, 1), D(2026, 2, 1))  # still held on the enrolment day: day 0
    d = time_to_first_job(scope_for(org_a.org))
    rows = dict(zip(d.member_ids.tolist(), zip(d.durations.tolist(), d.observed.tolist(), strict=True),
                    strict=True))
    assert rows[a.pk] == (60.0, True)
    assert rows[b.pk] == ((CENSOR - D(2026, 2, 1)).days, False) == (241, False)
    assert rows[c.pk] == (0.0, True)
