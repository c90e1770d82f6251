"""The survival selectors and the Kaplan–Meier wrapper, against lifelines called directly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from peerpath.outcomes.survival import (
    CLOSED,
    FOLLOWED,
    OUT_OF_CONTACT,
    Durations,
    closing_dates,
    first_job_tenure,
    follow_up_end,
    job_tenure,
    kaplan_meier,
    make_durations,
    time_to_first_job,
)
from peerpath.outcomes.tests.survival_data import helping, job, member, scope_for
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


def test_days_in_a_job_count_the_end_day():
    d = make_durations([(D(2026, 3, 5), D(2026, 3, 5), 1), (D(2026, 3, 3), D(2026, 3, 5), 2),
                        (D(2026, 9, 30), None, 3), (D(2026, 9, 1), None, 4)], D(2026, 9, 30), count_end_day=True)
    # same day: 1 day; 3 to 5 March: 3 days; started on the censoring day: 1 day so far; 1–30 Sept: 30 days
    assert d.durations.tolist() == [1.0, 3.0, 1.0, 30.0]
    assert d.observed.tolist() == [True, True, False, False]


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


# -- follow-up of time to first job (pure) -------------------------------------------------------

ENROLLED = D(2025, 1, 1)


def end(**kwargs):
    base = {"closed": False, "closed_on": None, "last_contact": None, "inactive_after_days": 180}
    return follow_up_end(ENROLLED, CENSOR, **{**base, **kwargs})


def test_a_member_in_contact_is_followed_to_the_censoring_day():
    assert end(last_contact=D(2026, 6, 1)) == (CENSOR, FOLLOWED)  # 121 days before the censoring day
    assert end(last_contact=CENSOR - dt.timedelta(days=180)) == (CENSOR, FOLLOWED)  # exactly 180: still in contact


def test_a_member_out_of_contact_is_followed_to_the_last_contact():
    assert end(last_contact=CENSOR - dt.timedelta(days=181)) == (D(2026, 4, 2), OUT_OF_CONTACT)
    # never contacted since enrolment: the enrolment day is the last contact
    assert end() == (ENROLLED, OUT_OF_CONTACT)
    assert end(inactive_after_days=700) == (CENSOR, FOLLOWED)  # 637 days: within a longer setting


def test_a_closed_case_is_followed_to_its_closing_date():
    assert end(closed=True, closed_on=D(2026, 3, 31), last_contact=D(2026, 3, 20)) == (D(2026, 3, 31), CLOSED)
    # closed after the censoring day: still followed to it
    assert end(closed=True, closed_on=D(2026, 11, 1), last_contact=D(2026, 9, 1)) == (CENSOR, FOLLOWED)
    # closing date unknown (recorded closed from the start): the last contact
    assert end(closed=True, last_contact=D(2025, 8, 1)) == (D(2025, 8, 1), CLOSED)
    # out of contact long before the closing: the last contact
    assert end(closed=True, closed_on=D(2026, 3, 31), last_contact=D(2025, 6, 1)) == (D(2025, 6, 1), OUT_OF_CONTACT)


# -- selectors ----------------------------------------------------------------------------------

def test_job_tenure_counts_competitive_jobs_started_by_the_censoring_day(org_a):
    staff = org_a.users["professional"]
    a, b = member(org_a.org), member(org_a.org)
    job(a, staff, D(2026, 1, 1), D(2026, 3, 2))  # 1 Jan to 2 Mar: 61 days, ended
    job(a, staff, D(2026, 4, 1))  # ongoing: censored at 2026-09-30 after 183 days
    job(b, staff, D(2026, 9, 1), D(2026, 10, 10))  # ends after the period: censored after 30 days
    job(b, staff, D(2026, 2, 1), D(2026, 2, 11), competitive=False)
    job(b, staff, D(2026, 10, 2))  # starts after the period: not counted
    d = job_tenure(scope_for(org_a.org))
    assert sorted(zip(d.durations.tolist(), d.observed.tolist(), strict=True)) == [
        (30.0, False), (61.0, True), (183.0, False)]
    assert len(job_tenure(scope_for(org_a.org), competitive_only=False)) == 4


def test_a_job_that_starts_and_ends_on_one_day_lasted_one_day(org_a):
    job(member(org_a.org), org_a.users["professional"], D(2026, 5, 4), D(2026, 5, 4))
    d = job_tenure(scope_for(org_a.org))
    assert d.durations.tolist() == [1.0] and d.observed.tolist() == [True]


def test_censoring_is_today_when_the_period_is_not_over(org_a):
    staff = org_a.users["professional"]
    job(member(org_a.org), staff, D(2026, 10, 1))
    d = job_tenure(scope_for(org_a.org, "2026Q4", today=D(2026, 10, 15)))
    assert d.durations.tolist() == [15.0] and d.observed.tolist() == [False]  # 1 to 15 October


def test_first_job_tenure_is_one_row_per_member_the_first_competitive_job_since_enrolment(org_a):
    staff = org_a.users["professional"]
    a = member(org_a.org, D(2025, 6, 1))
    job(a, staff, D(2025, 1, 1), D(2025, 12, 31))  # held at enrolment, started before: not a job found
    job(a, staff, D(2026, 1, 10), D(2026, 1, 19))  # the first since enrolment: 10 days
    job(a, staff, D(2026, 3, 1))  # a later job: not this table's
    job(a, staff, D(2025, 8, 1), competitive=False)
    b = member(org_a.org, D(2026, 2, 1))
    job(b, staff, D(2026, 2, 1))  # starts on the enrolment day: 2026-02-01..09-30 = 242 days, ongoing
    member(org_a.org, D(2026, 2, 1))  # no job: no row
    d = first_job_tenure(scope_for(org_a.org))
    rows = dict(zip(d.member_ids.tolist(), zip(d.durations.tolist(), d.observed.tolist(), strict=True),
                    strict=True))
    assert rows == {a.pk: (10.0, True), b.pk: (242.0, False)}


def rows_of(follow):
    d = follow.durations
    return dict(zip(d.member_ids.tolist(), zip(d.durations.tolist(), d.observed.tolist(), follow.ends.tolist(),
                                                strict=True), strict=True))


def test_time_to_first_job_per_member(org_a):
    staff = org_a.users["professional"]
    a = member(org_a.org, D(2026, 1, 1))
    job(a, staff, D(2026, 5, 1), competitive=False)
    job(a, staff, D(2026, 3, 2))  # first competitive job: 60 days
    job(a, staff, D(2026, 6, 1))
    b = member(org_a.org, D(2026, 2, 1))
    job(b, staff, D(2025, 12, 1), D(2026, 3, 1))  # working when enrolled: left out
    c = member(org_a.org, D(2026, 9, 1))  # no job: censored after 29 days
    late = member(org_a.org, D(2026, 10, 5))  # enrolled after the period: not counted
    follow = time_to_first_job(scope_for(org_a.org))
    rows = rows_of(follow)
    assert rows[a.pk] == (60.0, True, "job") and rows[c.pk] == (29.0, False, FOLLOWED)
    assert b.pk not in rows and follow.already_working.tolist() == [b.pk]
    assert late.pk not in rows


def test_a_member_already_working_at_enrolment_is_left_out_and_counted_apart(org_a):
    staff = org_a.users["professional"]
    working = member(org_a.org, D(2026, 2, 1))
    job(working, staff, D(2025, 6, 1), D(2026, 2, 1))  # still held on the enrolment day
    ended = member(org_a.org, D(2026, 2, 1))
    job(ended, staff, D(2025, 6, 1), D(2026, 1, 31))  # ended the day before enrolment: not working
    same_day = member(org_a.org, D(2026, 2, 1))
    job(same_day, staff, D(2026, 2, 1))  # starts on the enrolment day: found at day 0
    other = member(org_a.org, D(2026, 2, 1))
    job(other, staff, D(2025, 6, 1), competitive=False)  # a non-competitive job: still looking
    follow = time_to_first_job(scope_for(org_a.org))
    rows = rows_of(follow)
    assert follow.already_working.tolist() == [working.pk] and working.pk not in rows
    # no contact since enrolment, 241 days before the censoring day (> 180): followed to the enrolment day
    assert rows[ended.pk] == (0.0, False, OUT_OF_CONTACT)
    assert rows[same_day.pk] == (0.0, True, "job")
    assert rows[other.pk] == (0.0, False, OUT_OF_CONTACT)


def test_a_job_that_ended_before_enrolment_is_not_the_first_job(org_a):
    staff = org_a.users["professional"]
    a = member(org_a.org, D(2026, 2, 1))
    job(a, staff, D(2025, 6, 1), D(2025, 12, 31))  # over before enrolment: not counted
    job(a, staff, D(2026, 4, 2))  # the first job since enrolment: 60 days
    rows = rows_of(time_to_first_job(scope_for(org_a.org)))
    assert rows[a.pk] == (60.0, True, "job")


def test_a_member_out_of_contact_is_censored_at_the_last_contact(org_a):
    from peerpath.outcomes.tests.programme_data import contact

    staff = org_a.users["professional"]
    quiet = member(org_a.org, D(2025, 1, 1))
    contact(org_a, quiet, D(2025, 3, 1))
    contact(org_a, quiet, D(2026, 1, 8))  # 265 days before 2026-09-30: out of contact since
    kept = member(org_a.org, D(2025, 1, 1))
    helper = member(org_a.org, D(2024, 1, 1))
    helping(helper, kept, org_a.users["peer_leader"], D(2026, 6, 1), 30)  # a helping contact received counts
    found = member(org_a.org, D(2025, 1, 1))
    contact(org_a, found, D(2025, 2, 1))
    job(found, staff, D(2026, 5, 1))  # long after the last contact, but a job's start is a contact too
    follow = time_to_first_job(scope_for(org_a.org))
    rows = rows_of(follow)
    assert rows[quiet.pk] == ((D(2026, 1, 8) - D(2025, 1, 1)).days, False, OUT_OF_CONTACT) == (372, False,
                                                                                                 OUT_OF_CONTACT)
    assert rows[kept.pk] == ((CENSOR - D(2025, 1, 1)).days, False, FOLLOWED) == (637, False, FOLLOWED)
    assert rows[found.pk] == (485.0, True, "job")  # 2025-01-01 to 2026-05-01
    assert follow.inactive_after_days == {org_a.org.pk: 180}


def test_the_organisations_setting_decides_who_is_out_of_contact(org_a):
    from peerpath.outcomes.models import OutcomeSettings
    from peerpath.outcomes.tests.programme_data import contact

    quiet = member(org_a.org, D(2025, 1, 1))
    contact(org_a, quiet, D(2026, 1, 8))  # 265 days without contact
    OutcomeSettings.objects.create(organization=org_a.org, inactive_after_days=365, updated_by=org_a.users["admin"])
    assert rows_of(time_to_first_job(scope_for(org_a.org)))[quiet.pk] == (637.0, False, FOLLOWED)


def close(m, on: dt.date) -> None:
    """Close ``m``'s case on ``on`` (the change history dates the change)."""
    m.status = "closed"
    m._history_date = dt.datetime(on.year, on.month, on.day, 12, tzinfo=dt.UTC)
    m.save()


def test_a_closed_case_is_censored_at_its_closing_date(org_a):
    from peerpath.outcomes.tests.programme_data import contact

    staff = org_a.users["professional"]
    left = member(org_a.org, D(2025, 1, 1))
    contact(org_a, left, D(2026, 3, 1))
    close(left, D(2026, 3, 31))
    job(left, staff, D(2026, 6, 1))  # after the closing: not counted
    from_start = member(org_a.org, D(2025, 1, 1), status="closed")  # no closing date on record
    contact(org_a, from_start, D(2025, 5, 1))
    reopened = member(org_a.org, D(2025, 1, 1))
    contact(org_a, reopened, D(2026, 9, 1))
    close(reopened, D(2025, 6, 1))
    reopened.status = "active"
    reopened.save()
    assert closing_dates([left.pk, from_start.pk, reopened.pk]) == {left.pk: D(2026, 3, 31)}
    rows = rows_of(time_to_first_job(scope_for(org_a.org)))
    assert rows[left.pk] == ((D(2026, 3, 31) - D(2025, 1, 1)).days, False, CLOSED) == (454, False, CLOSED)
    assert rows[from_start.pk] == (120.0, False, CLOSED)  # 2025-01-01 to its last contact on 2025-05-01
    assert rows[reopened.pk] == (637.0, False, FOLLOWED)


def test_researchers_count_research_consented_members_only(org_a, org_b):
    staff = org_a.users["professional"]
    consented, other = member(org_a.org), member(org_a.org)
    ConsentFactory(member=consented, kind="research", given_on=D(2025, 1, 1))
    job(consented, staff, D(2026, 1, 1))
    job(other, staff, D(2026, 1, 1))
    job(member(org_b.org), org_b.users["professional"], D(2026, 1, 1))
    d = job_tenure(scope_for(org_a.org, research_only=True))
    assert d.member_ids.tolist() == [consented.pk]
    assert time_to_first_job(scope_for(org_a.org, research_only=True)).durations.member_ids.tolist() == [
        consented.pk]
    assert sorted(job_tenure(scope_for(org_a.org)).member_ids.tolist()) == sorted([consented.pk, other.pk])


@pytest.mark.parametrize("size", [2, 12])
def test_each_selector_runs_a_fixed_number_of_queries(org_a, django_assert_num_queries, size):
    staff = org_a.users["professional"]
    for i in range(size):
        m = member(org_a.org, status="closed" if i % 3 == 0 else "active")
        ConsentFactory(member=m, kind="research", given_on=D(2025, 1, 1))
        job(m, staff, D(2025, 3, 1) + dt.timedelta(days=i), D(2025, 9, 1) if i % 2 else None)
    scope = scope_for(org_a.org, research_only=True)
    with django_assert_num_queries(1):
        job_tenure(scope)
    with django_assert_num_queries(1):
        first_job_tenure(scope)
    # members with their first job, settings, closing dates, and two for the last contacts
    with django_assert_num_queries(5):
        time_to_first_job(scope)
