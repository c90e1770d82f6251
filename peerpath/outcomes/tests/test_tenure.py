"""The job tenure report: figures against lifelines, suppression, PDF, query counts."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from peerpath.outcomes.reports import tenure
from peerpath.outcomes.templatetags.outcomes import format_value
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from peerpath.outcomes.tests.survival_data import job, member, scope_for

D = dt.date
CENSOR = D(2026, 9, 30)
PERIOD = "2025Q1..2026Q3"

# (start, end or None) of competitive jobs, one member each
JOBS = [
    (D(2025, 1, 10), D(2025, 2, 20)), (D(2025, 2, 1), D(2025, 8, 1)), (D(2025, 3, 1), None),
    (D(2025, 3, 15), D(2025, 4, 30)), (D(2025, 5, 1), D(2026, 1, 31)), (D(2025, 6, 1), None),
    (D(2025, 7, 1), D(2025, 7, 20)), (D(2025, 8, 1), D(2026, 5, 1)), (D(2025, 9, 1), D(2025, 12, 24)),
    (D(2025, 10, 1), None), (D(2025, 11, 1), D(2026, 11, 1)), (D(2026, 1, 5), D(2026, 3, 5)),
]


@pytest.fixture
def jobs(org_a):
    staff = org_a.users["professional"]
    members = []
    for start, end in JOBS:
        m = member(org_a.org, D(2024, 12, 1))
        job(m, staff, start, end)
        members.append(m)
    job(members[0], staff, D(2025, 4, 1), D(2025, 4, 11), competitive=False)
    return members


def arrays() -> tuple[np.ndarray, np.ndarray]:
    """Days in each job of ``JOBS``, its first and last day included."""
    durations, observed = [], []
    for start, end in JOBS:
        ended = end is not None and end <= CENSOR
        durations.append(((end if ended else CENSOR) - start).days + 1)
        observed.append(ended)
    return np.array(durations, dtype=float), np.array(observed)


def test_median_and_retention_match_lifelines(org_a, jobs):
    r = tenure.build(scope_for(org_a.org, PERIOD))
    durations, observed = arrays()
    kmf = KaplanMeierFitter().fit(durations, observed)
    ci = median_survival_times(kmf.confidence_interval_)
    t = r["tenure"]
    assert t["rows"].value == 12 and t["members"].value == 12 and t["events"].value == int(observed.sum())
    assert t["median"].value == pytest.approx(kmf.median_survival_time_)
    assert t["median_low"].value == pytest.approx(ci.iloc[0, 0])
    six = t["retention"][0]
    assert six["estimate"].value == pytest.approx(kmf.survival_function_at_times(182).iloc[0])
    assert six["low"].value == pytest.approx(kmf.confidence_interval_.loc[:182].iloc[-1, 0])
    at_risk = {p["days"]: p["at_risk"].value for p in t["points"]}
    assert at_risk == {d: int((durations >= d).sum()) for d in (0, 90, 182, 365, 730)}
    # no job was followed 730 days: no estimate there
    assert t["points"][-1]["estimate"].value is None


def test_all_jobs_option_counts_non_competitive_jobs(org_a, jobs):
    assert tenure.build(scope_for(org_a.org, PERIOD, options={"all_jobs": True}))["tenure"]["rows"].value == 13


def test_time_to_first_job_matches_lifelines(org_a, jobs):
    r = tenure.build(scope_for(org_a.org, PERIOD))
    first = [min(s, D(2025, 4, 1)) if i == 0 else s for i, (s, _) in enumerate(JOBS)]
    durations = np.array([(s - D(2024, 12, 1)).days for s in first] + [0], dtype=float)
    observed = np.array([True] * 12 + [False])
    # the fixture's own member (enrolled 200 days before today, no job) is censored at the period's end
    durations[-1] = (CENSOR - org_a.member.enrolment_date).days
    kmf = KaplanMeierFitter().fit(durations, observed)
    assert r["first_job"]["members"].value == 13
    assert r["first_job"]["median"].value == pytest.approx(kmf.median_survival_time_)


def test_page_shows_the_median_and_the_curve(client_for, org_a, jobs):
    response = get_report(client_for("coordinator"), "tenure", period=PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    durations, observed = arrays()
    median = KaplanMeierFitter().fit(durations, observed).median_survival_time_
    assert np.isfinite(median)
    tile = re.search(r'<span class="n value">([^<]*)</span>Median tenure \(days\)', html)
    assert tile is not None and tile.group(1) == format_value(median, "days")
    assert "<svg" in html
    # the period's start does not limit the jobs: said on the page
    assert "every job that started by the end of follow-up counts, however long before the period" in html


def test_small_groups_are_hidden_for_researchers(client_for, org_a):
    from tests.factories import ConsentFactory

    staff = org_a.users["professional"]
    for start, end in JOBS[:3]:
        m = member(org_a.org, D(2024, 12, 1))
        ConsentFactory(member=m, kind="research", given_on=D(2024, 12, 1))
        job(m, staff, start, end)
    response = get_report(client_for("researcher"), "tenure", period=PERIOD)
    r = response.context["r"]
    assert r["tenure"]["hidden"] and r["tenure"]["median"].hidden
    html = response.content.decode()
    assert "Hidden: fewer than 5 members" in html
    assert re.search(r'class="suppressed"', html)


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_shows_the_median(client_for, org_a, jobs, language):
    response = get_report(client_for("coordinator"), "tenure", language=language, pdf=True, period=PERIOD)
    assert response.status_code == 200
    text = pdf_text(response.content)
    durations, observed = arrays()
    median = KaplanMeierFitter().fit(durations, observed).median_survival_time_
    assert str(round(median)) in text
    assert "Association A" in text


@pytest.mark.parametrize("size", [3, 12])
def test_fixed_number_of_queries(org_a, django_assert_num_queries, size):
    consented_jobs(org_a, JOBS[:size])
    # all jobs, first jobs; time to first job: members, settings, and two for the last contacts
    with django_assert_num_queries(6):
        tenure.build(scope_for(org_a.org, PERIOD, research_only=True))


def consented_jobs(org_a, spans):
    from tests.factories import ConsentFactory

    staff = org_a.users["professional"]
    for start, end in spans:
        m = member(org_a.org, D(2024, 12, 1))
        ConsentFactory(member=m, kind="research", given_on=D(2024, 12, 1))
        job(m, staff, start, end)


# six members: one job ended, five still going
ONE_ENDED = [(D(2025, 3, 1), D(2025, 4, 1))] + [(D(2025, 3, 1) + dt.timedelta(days=9 * i), None) for i in range(1, 6)]


def test_a_few_ended_jobs_are_hidden_with_the_ongoing_ones(org_a):
    consented_jobs(org_a, ONE_ENDED)
    r = tenure.build(scope_for(org_a.org, PERIOD, suppress=True, research_only=True))
    t = r["tenure"]
    assert t["rows"].value == 6 and not t["rows"].hidden and not t["members"].hidden
    # 1 ended and 5 ongoing: "1 ended" would name one member, and 6 − 5 would recover it
    assert (t["events"].value, t["censored"].value) == (1, 5)
    assert t["events"].hidden and t["censored"].hidden
    # time to first job: all six found one (the fixture's member gave no research consent)
    first = r["first_job"]
    assert (first["members"].value, first["events"].value, first["censored"].value) == (6, 6, 0)
    assert not first["events"].hidden and not first["censored"].hidden


def test_staff_see_the_few_ended_jobs(org_a):
    consented_jobs(org_a, ONE_ENDED)
    t = tenure.build(scope_for(org_a.org, PERIOD))["tenure"]
    assert (t["events"].value, t["censored"].value) == (1, 5) and not t["events"].hidden


def test_researcher_page_does_not_print_one_ended_job(client_for, org_a):
    consented_jobs(org_a, ONE_ENDED)
    html = get_report(client_for("researcher"), "tenure", period=PERIOD).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    # 1 ended (a small cell); the 5 ongoing would give it away: hidden with it
    assert "6 jobs of 6 members: &lt; 5 ended, hidden ongoing (censored)." in text
    assert not re.search(r"(?<!&lt; )\b\d+ (ended|ongoing)", text)


def test_pdf_does_not_print_one_ended_job(client_for, org_a):
    consented_jobs(org_a, ONE_ENDED)
    response = get_report(client_for("coordinator"), "tenure", pdf=True, period=PERIOD)
    text = " ".join(pdf_text(response.content).split())
    assert "6 jobs of 6 members: < 5 ended, hidden ongoing (censored)." in text


def test_each_members_first_competitive_job_weighs_once(org_a):
    staff = org_a.users["professional"]
    many = member(org_a.org, D(2024, 12, 1))
    job(many, staff, D(2025, 1, 1), D(2025, 1, 10))  # 10 days: the first job since enrolment
    job(many, staff, D(2025, 2, 1), D(2025, 2, 5))  # 5 days
    job(many, staff, D(2025, 3, 1), D(2025, 3, 1))  # 1 day (started and ended on one day)
    one = member(org_a.org, D(2024, 12, 1))
    job(one, staff, D(2025, 1, 1), D(2025, 4, 10))  # 100 days
    r = tenure.build(scope_for(org_a.org, PERIOD))
    # all jobs: 1, 5, 10, 100 days, all ended: the curve reaches 50% at 5 days
    assert (r["tenure"]["rows"].value, r["tenure"]["members"].value, r["tenure"]["median"].value) == (4, 2, 5.0)
    # first jobs: 10 and 100 days: 50% at 10 days
    first = r["first_tenure"]
    assert (first["rows"].value, first["members"].value, first["events"].value) == (2, 2, 2)
    assert first["median"].value == 10.0
    assert KaplanMeierFitter().fit([10, 100], [True, True]).median_survival_time_ == 10.0


def test_page_labels_every_job_and_the_first_job_apart_and_says_how_days_are_counted(client_for, org_a, jobs):
    html = get_report(client_for("coordinator"), "tenure", period=PERIOD).content.decode()
    assert "Time to job end: competitive jobs" in html
    assert "Time to job end: each member’s first competitive job (IPS)" in html.replace("&#x27;", "’").replace("'", "’")
    assert "a job that starts and ends on the same day lasted one day" in html
    assert "Already in a competitive job at enrolment (left out)" in html
    assert "no contact for more than 180 days" in html


def test_time_to_first_job_counts_who_was_left_out_and_why_follow_up_ended(org_a):
    from peerpath.outcomes.tests.programme_data import contact

    staff = org_a.users["professional"]
    working = member(org_a.org, D(2025, 2, 1))
    job(working, staff, D(2024, 6, 1))  # working at enrolment: left out
    found = member(org_a.org, D(2025, 2, 1))
    job(found, staff, D(2025, 3, 3))  # 30 days
    quiet = member(org_a.org, D(2025, 2, 1))
    contact(org_a, quiet, D(2025, 6, 1))  # out of contact: followed to 2025-06-01 (120 days)
    org_a.member.delete()  # the fixture's member: not part of this count
    r = tenure.build(scope_for(org_a.org, PERIOD))
    f = r["first_job"]
    assert (f["enrolled"].value, f["already_working"].value, f["rows"].value) == (3, 1, 2)
    assert (f["events"].value, f["censored"].value) == (1, 1)
    assert (f["censored_followed"].value, f["censored_closed"].value, f["censored_out_of_contact"].value) == (0, 0, 1)
    kmf = KaplanMeierFitter().fit([30, 120], [True, False])
    assert f["points"][1]["estimate"].value == pytest.approx(kmf.survival_function_at_times(90).iloc[0]) == 0.5


def test_one_member_already_working_cannot_be_worked_out_from_the_members_enrolled_and_followed(org_a):
    from peerpath.outcomes.disclosure import undeclared

    staff = org_a.users["professional"]
    org_a.member.delete()
    working = member(org_a.org, D(2025, 2, 1))
    job(working, staff, D(2024, 6, 1))  # already working: 1, a small cell
    for i in range(7):  # seven followed, each finding a job
        job(member(org_a.org, D(2025, 2, 1)), staff, D(2025, 3, 1) + dt.timedelta(days=10 * i))
    scope = scope_for(org_a.org, PERIOD, suppress=True)
    r = tenure.build(scope)
    f = r["first_job"]
    assert (f["enrolled"].value, f["already_working"].value, f["rows"].value) == (8, 1, 7)
    assert f["already_working"].hidden
    # enrolled − followed would give it away: one of them is hidden too
    assert f["enrolled"].hidden or f["rows"].hidden
    assert scope.disclosure.audit() == [] and undeclared(r, scope.disclosure) == []
