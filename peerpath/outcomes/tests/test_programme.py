"""Programme dashboard: figures against hand counts, lifelines and NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import translation
from django.utils.translation import gettext
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from peerpath.measures.models import PlanRule
from peerpath.outcomes import employment_figures as figures
from peerpath.outcomes.reports import programme
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import get_report, pdf_text, researcher_scope, scope_of


@pytest.fixture
def built(org_a):
    m = data.programme(org_a)
    data.plan(org_a, m)
    return m, programme.build(scope_of(org_a))


def test_caseload_and_competitive_employment_on_the_last_day(built):
    _m, r = built
    assert r["day"] == data.Q3_END
    assert r["caseload"].value == 8
    assert r["employed_now"].value == 3


def test_job_starts_in_the_period_all_and_competitive(built):
    _m, r = built
    total = r["starts_total"]
    assert (total["jobs"].value, total["competitive_jobs"].value) == (2, 1)
    assert [(s["label"], s["jobs"].value) for s in r["starts"]] == [("2026Q3", 2)]


def test_job_starts_by_quarter(org_a):
    data.programme(org_a)
    r = programme.build(scope_of(org_a, "2026"))
    by_quarter = [(s["label"], s["jobs"].value, s["competitive_jobs"].value) for s in r["starts"]]
    # Q1: m1 (03-01), m3 (02-01), m6 (01-15); Q3: m2, m5 (not competitive); Q4: m10 (10-10, enrolled 10-05).
    assert by_quarter == [("2026Q1", 3, 3), ("2026Q2", 0, 0), ("2026Q3", 2, 1), ("2026Q4", 1, 1)]
    assert r["starts_total"]["jobs"].value == 6


def test_quarters_cut_to_the_period_are_labelled_by_their_days(org_a):
    data.programme(org_a)
    r = programme.build(scope_of(org_a, "2026-03..2026-07"))
    # Starts: m1 03-01 (March); m5 07-15 (July); none in Q2.
    assert [(s["label"], s["jobs"].value) for s in r["starts"]] == [
        ("2026-03-01..2026-03-31", 1), ("2026Q2", 0), ("2026-07-01..2026-07-31", 1)]
    assert [row["label"] for row in r["employment"]] == ["2026-03-01..2026-03-31", "2026Q2", "2026-07-01..2026-07-31"]


def first_job_rows(tenant) -> list[tuple[int, bool]]:
    return list(data.FIRST_JOB.values()) + [((data.Q3_END - tenant.member.enrolment_date).days, False)]


def test_median_days_to_first_job_not_reached_is_shown_as_not_estimable(built, org_a):
    _m, r = built
    rows = first_job_rows(org_a)
    kmf = KaplanMeierFitter().fit([d for d, _ in rows], event_observed=[o for _, o in rows])
    assert r["first_job"]["members"].value == 11
    assert r["first_job"]["started"].value == 5
    assert np.isinf(kmf.median_survival_time_)  # S(212) = 7/11 × 5/6 ≈ 0.53
    assert r["first_job"]["median"].value is None


def test_median_days_to_first_job_is_lifelines_kaplan_meier(org_a):
    data.programme(org_a)
    for i in range(4):  # four more first jobs 45 days after enrolment
        data.job(org_a, data.member(org_a, f"F{i}", data.D(2026, 1, 1)), data.D(2026, 2, 15))
    r = programme.build(scope_of(org_a))
    rows = first_job_rows(org_a) + [(45, True)] * 4
    kmf = KaplanMeierFitter().fit([d for d, _ in rows], event_observed=[o for _, o in rows])
    ci = median_survival_times(kmf.confidence_interval_)
    assert r["first_job"]["median"].value == pytest.approx(kmf.median_survival_time_) == 59  # S(59) = 7/15
    low, high = ci.iloc[0, 0], ci.iloc[0, 1]
    assert r["first_job"]["median_low"].value == pytest.approx(low) == 31
    assert np.isinf(high)  # the upper bound of the curve's CI never drops below 50%
    assert r["first_job"]["median_high"].value is None


def test_job_retention_at_6_and_12_months_is_lifelines_kaplan_meier(built):
    _m, r = built
    kmf = KaplanMeierFitter().fit([d for d, _ in data.TENURE], event_observed=[o for _, o in data.TENURE])
    six, twelve = r["retention"]["rows"]
    assert six["estimate"].value == pytest.approx(kmf.survival_function_at_times(182).iloc[0]) == pytest.approx(0.5)
    assert twelve["estimate"].value == pytest.approx(kmf.survival_function_at_times(365).iloc[0])
    ci = kmf.confidence_interval_survival_function_
    at = ci.index[ci.index <= 182].max()
    assert six["low"].value == pytest.approx(ci.loc[at].iloc[0])
    assert six["high"].value == pytest.approx(ci.loc[at].iloc[1])
    assert r["retention"]["jobs"].value == 5


def test_retention_is_not_estimated_beyond_the_longest_follow_up(org_a):
    who = data.member(org_a, "S01", data.D(2026, 1, 1))
    data.job(org_a, who, data.D(2026, 6, 1))  # 121 days, censored
    six, twelve = programme.build(scope_of(org_a))["retention"]["rows"]
    assert six["estimate"].value is None and twelve["estimate"].value is None


def test_hours_and_wages_of_jobs_held_on_the_last_day(built):
    _m, r = built
    hours = r["hours"]
    assert hours["jobs"].value == 3
    assert hours["mean_hours"].value == pytest.approx(np.mean([20, 30, 40]))
    assert [(w["currency"], w["median"].value) for w in hours["wages"]] == [
        ("TWD", pytest.approx(np.median([200, 210]))), ("USD", pytest.approx(15))]
    assert hours["hours_worked"].value == pytest.approx((92 * 20 + 61 * 30 + 1 * 10 + 92 * 40) / 7)


def test_helping_hours_helpers_and_helped_in_the_period(built):
    _m, r = built
    h = r["helping"]
    assert h["hours"].value == pytest.approx(2.25)
    assert (h["contacts"].value, h["helpers"].value, h["helped"].value) == (3, 2, 2)


def test_questionnaires_due_follow_the_measurement_plan(built):
    _m, r = built
    assert (r["due"]["due"].value, r["due"]["overdue"].value) == (6, 5)
    assert (r["due_horizon_days"], r["due_grace_days"]) == (14, 14)


def test_questionnaires_due_of_two_organisations_cost_two_queries_each(org_a, org_b, django_assert_num_queries):
    # WHO-5 every 90 days; A0001 and B0001, enrolled 200 days ago, never answered: both overdue.
    for tenant in (org_a, org_b):
        PlanRule.objects.create(organization=tenant.org, instrument_id="who5", trigger="every", interval_days=90)
    data.completed(org_b, data.member(org_b, "B0002", data.D(2026, 1, 1)), 10)  # answered: not due
    scope = scope_of(org_a, "2026Q3")
    scope.organizations = (org_a.org, org_b.org)
    # members 1, then per organisation its plan and its last answers.
    with django_assert_num_queries(1 + 2 * 2):
        due = figures.questionnaires_due(scope)
    assert due == {"due": 2, "overdue": 2}


def test_the_due_table_names_the_plan_horizon_and_grace_days(org_a, client_for):
    html = get_report(client_for("coordinator"), "programme", period="2026Q3").content.decode()
    assert "(today or within 14 days) or overdue" in html and "Of them, overdue (more than 14 days)" in html


def test_a_professional_filter_counts_only_their_members(org_a):
    m = data.programme(org_a)
    from tests.factories import CareTeamFactory

    pro = org_a.users["professional"]
    for who in (m.m1, m.m2):
        CareTeamFactory(member=who, organization=org_a.org, professional=pro, assigned_by=pro)
    r = programme.build(scope_of(org_a, professional=pro))
    assert (r["caseload"].value, r["employed_now"].value) == (2, 2)
    assert r["helping"]["helpers"].value == 1  # m1 helped; m7 is not theirs


def test_a_fixed_number_of_queries_whatever_the_data_size(org_a, django_assert_num_queries):
    m = data.programme(org_a)
    data.plan(org_a, m)
    scope = scope_of(org_a, "2026Q2..2026Q3")
    # caseload 1, job starts 1, employment by quarter 1, hours and wages 3, helping 1,
    # questionnaires due 3 (members, plan, last answers), time to first job 1, tenure 1.
    with django_assert_num_queries(12):
        small = programme.build(scope)
    data.more_workers(org_a, 15)
    for who in data.more_workers(org_a, 10, start=data.D(2026, 5, 1), prefix="V"):
        data.helping(org_a, who, m.m1, data.D(2026, 7, 3), 20)
    with django_assert_num_queries(12):
        large = programme.build(scope_of(org_a, "2026Q2..2026Q3"))  # a scope is one run
    assert large["caseload"].value == small["caseload"].value + 25


def consented_workers(tenant, k: int, start, prefix: str) -> None:
    for who in data.more_workers(tenant, k, start=start, prefix=prefix):
        data.research_consent(tenant, who)


def test_a_researcher_cannot_recover_a_hidden_quarter_of_job_starts_from_the_total(org_a):
    # Competitive job starts of research-consented members: Q1 3 (small), Q2 6, Q3 8; total 17.
    consented_workers(org_a, 3, data.D(2026, 2, 1), "Q1")
    consented_workers(org_a, 6, data.D(2026, 5, 1), "Q2")
    consented_workers(org_a, 8, data.D(2026, 8, 1), "Q3")
    r = programme.build(researcher_scope(org_a, "2026Q1..2026Q3"))
    rows = [*r["starts"], r["starts_total"]]
    assert [row["label"] for row in rows[:3]] == ["2026Q1", "2026Q2", "2026Q3"]
    assert [row["jobs"].value for row in rows] == [3, 6, 8, 17]
    # Q1 alone hidden would be 17 − 6 − 8: the next smallest quarter (Q2) is hidden with it.
    for key in ("jobs", "members", "competitive_jobs", "competitive_members"):
        assert [row[key].hidden for row in rows] == [True, True, False, False], key
    assert [row["jobs"].shown for row in rows] == [None, None, 8, 17]


def test_a_researcher_cannot_subtract_workers_from_people_served(org_a):
    # 12 research-consented people served in Q3, 9 of them in competitive work: the
    # share is hidden (3 did not work), and so is the count of 9.
    data.research_consent(org_a, org_a.member)
    for i in range(2):
        data.research_consent(org_a, data.member(org_a, f"N{i}", data.D(2026, 1, 1)))
    consented_workers(org_a, 9, data.JUL_1, "W")
    (row,) = programme.build(researcher_scope(org_a))["employment"]
    assert (row["served"].value, row["worked"].value) == (12, 9)
    assert not row["served"].hidden
    assert row["worked"].hidden and row["share"].hidden
    assert row["worked"].shown is None


# -- pages ---------------------------------------------------------------------------


def test_the_page_shows_tiles_charts_and_tables(org_a, client_for):
    data.programme(org_a)
    response = get_report(client_for("coordinator"), "programme", period="2026Q3")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 2
    assert "Active caseload" in html and "1,051" in html and "205.00" in html


def tile_texts(language: str) -> tuple[str, str, str]:
    """The report's title and the caseload and employment tiles' labels, from the catalogue."""
    with translation.override(language):
        return (str(programme.SPEC.title), gettext("Active caseload"),
                gettext("In a competitive job on %(day)s") % {"day": "2026-09-30"})


def test_the_chinese_catalogue_has_the_tile_labels():
    title, caseload, employed = tile_texts("zh-hant")
    assert (title, caseload) != ("Programme dashboard", "Active caseload")
    assert employed.startswith("2026-09-30")


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_pdf_has_the_figures_in_both_languages(org_a, client_for, language):
    data.programme(org_a)
    data.more_workers(org_a)  # 6 more in competitive jobs from 07-01: caseload 14, employed 9
    response = get_report(client_for("coordinator"), "programme", language=language, pdf=True, period="2026Q3")
    assert response.status_code == 200
    text = pdf_text(response.content)
    title, caseload, employed = tile_texts(language)
    assert text.startswith(title + "\n")
    assert f"\n14\n{caseload}\n9\n{employed}\n" in text  # the first two tiles
    # Hours worked: 7360/7 + 6 × 92 days × 40 h / 7 = 4,206
    assert "4,206" in text or "4206" in text, text
    assert "205.00" not in text  # 2 members' wages: a small cell in an export
