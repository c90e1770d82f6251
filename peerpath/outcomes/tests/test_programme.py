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


def first_job_rows(tenant, by_hand=None) -> list[tuple[int, bool]]:
    return list((by_hand or data.FIRST_JOB).values()) + [((data.Q3_END - tenant.member.enrolment_date).days, False)]


def test_median_days_to_first_job_with_closed_and_out_of_contact_members_censored_early(built, org_a):
    _m, r = built
    rows = first_job_rows(org_a)
    kmf = KaplanMeierFitter().fit([d for d, _ in rows], event_observed=[o for _, o in rows])
    assert r["first_job"]["members"].value == 10
    assert r["first_job"]["started"].value == 4
    assert r["first_job"]["already_working"].value == 1  # m4
    # three rows censored at 0, 7 at risk: S(14) = 6/7, S(31) = 5/7, S(59) = 4/7; A0001 (≤ 162 days) and m8
    # (162) censored; at 212 two left (m2, m5): S(212) = 4/7 × 1/2 = 2/7
    assert kmf.survival_function_at_times(212).iloc[0] == pytest.approx(2 / 7)
    assert r["first_job"]["median"].value == pytest.approx(kmf.median_survival_time_) == 212


def test_the_organisations_days_without_contact_decide_who_is_followed(org_a):
    from peerpath.outcomes.models import OutcomeSettings

    data.programme(org_a)
    OutcomeSettings.objects.create(organization=org_a.org, inactive_after_days=365, updated_by=org_a.users["admin"])
    r = programme.build(scope_of(org_a))
    rows = first_job_rows(org_a, data.FIRST_JOB_365)
    kmf = KaplanMeierFitter().fit([d for d, _ in rows], event_observed=[o for _, o in rows])
    # one row censored at 0 (m9), 9 at risk: S(59) = 6/9; at 212, four left (m2, m7, m5, m11): S = 6/9 × 3/4 = 1/2
    assert kmf.survival_function_at_times(212).iloc[0] == pytest.approx(0.5)
    assert r["first_job"]["median"].value == pytest.approx(kmf.median_survival_time_) == 212
    assert r["first_job"]["inactive_after_days"] == "365"


def test_median_days_to_first_job_is_lifelines_kaplan_meier(org_a):
    data.programme(org_a)
    for i in range(4):  # four more first jobs 45 days after enrolment
        data.job(org_a, data.member(org_a, f"F{i}", data.D(2026, 1, 1)), data.D(2026, 2, 15))
    r = programme.build(scope_of(org_a))
    rows = first_job_rows(org_a) + [(45, True)] * 4
    kmf = KaplanMeierFitter().fit([d for d, _ in rows], event_observed=[o for _, o in rows])
    ci = median_survival_times(kmf.confidence_interval_)
    # 11 at risk after the three zeros: S(14) = 10/11, S(31) = 9/11, S(45) = 5/11
    assert r["first_job"]["median"].value == pytest.approx(kmf.median_survival_time_) == 45
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


def test_questionnaires_due_of_two_organisations_cost_three_queries(org_a, org_b, django_assert_num_queries):
    # WHO-5 every 90 days; A0001 and B0001, enrolled 200 days ago, never answered: both overdue.
    for tenant in (org_a, org_b):
        PlanRule.objects.create(organization=tenant.org, instrument_id="who5", trigger="every", interval_days=90)
    data.completed(org_b, data.member(org_b, "B0002", data.D(2026, 1, 1)), 10)  # answered: not due
    scope = scope_of(org_a, "2026Q3")
    scope.organizations = (org_a.org, org_b.org)
    # the plans, the members and their last answers, for both organisations at once.
    with django_assert_num_queries(3):
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
    # questionnaires due 3 (members, plan, last answers), time to first job 5 (members, settings, closing
    # dates, last support and helping contacts), tenure 1, stable employment 2 (settings, jobs).
    with django_assert_num_queries(18):
        small = programme.build(scope)
    data.more_workers(org_a, 15)
    for who in data.more_workers(org_a, 10, start=data.D(2026, 5, 1), prefix="V"):
        data.helping(org_a, who, m.m1, data.D(2026, 7, 3), 20)
    with django_assert_num_queries(18):
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


# -- stable employment (Taiwan) ---------------------------------------------------------


def test_stable_employment_counts_members_90_days_or_more_in_one_competitive_job(built):
    _m, r = built
    # competitive jobs held in 2026Q3, days to their end or 09-30, both days counted: m1 214, m2 61, m3 151
    # (to 07-01), m4 488 → held 4, stable 3 (m1, m3, m4); m6's job ended 06-30, before the quarter
    stable = r["stable"]
    assert (stable["held"].value, stable["members"].value, stable["days"]) == (4, 3, "90")
    assert stable["share"].value == pytest.approx(0.75)


@pytest.mark.parametrize(("days", "stable"), [(61, 4), (62, 3), (214, 2), (215, 1)])
def test_stable_employment_follows_the_organisations_setting_and_counts_the_end_day(org_a, days, stable):
    from peerpath.outcomes.models import OutcomeSettings

    data.programme(org_a)
    OutcomeSettings.objects.create(organization=org_a.org, stable_employment_days=days,
                                   updated_by=org_a.users["admin"])
    # m2 has 61 days (08-01 to 09-30), m1 214 (03-01 to 09-30), m4 488
    assert programme.build(scope_of(org_a))["stable"]["members"].value == stable


def test_each_organisation_counts_stable_employment_by_its_own_setting(org_a, org_b):
    from peerpath.outcomes.models import OutcomeSettings
    from peerpath.outcomes.period import parse_period
    from peerpath.outcomes.scope import ReportScope

    for tenant in (org_a, org_b):
        who = data.member(tenant, "S01", data.D(2026, 1, 1))
        data.job(tenant, who, data.D(2026, 6, 23))  # 100 days to 09-30
    OutcomeSettings.objects.create(organization=org_b.org, stable_employment_days=120,
                                   updated_by=org_b.users["admin"])
    both = ReportScope(organizations=(org_a.org, org_b.org), period=parse_period("2026Q3"),
                       today=data.D(2026, 10, 15), suppression=scope_of(org_a).suppression)
    found = figures.stable_employment(both)
    assert (found.held, found.stable) == (2, 1)  # A's member (90 days) is; B's (120 days) is not yet
    assert programme.build(both)["stable"]["days"] == "Association A 90; Association B 120"


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_page_and_the_pdf_show_stable_employment(org_a, client_for, language):
    data.programme(org_a)
    data.more_workers(org_a, 6)  # from 07-01: 92 days, stable
    data.more_workers(org_a, 4, start=data.D(2026, 8, 1), prefix="V")  # 61 days, not yet
    # held 4 + 10 = 14, stable 3 + 6 = 9: 64.3% (no figure under 5: the PDF hides none)
    page = get_report(client_for("coordinator"), "programme", period="2026Q3", language=language)
    html = page.content.decode()
    with translation.override(language):
        label = gettext("Share in stable employment")
    assert label in html and "64.3%" in html
    text = " ".join(pdf_text(get_report(client_for("coordinator"), "programme", period="2026Q3",
                                        language=language, pdf=True).content).split())
    assert label in text and "64.3%" in text


def test_a_single_member_in_stable_employment_is_hidden_where_small_cells_are(org_a):
    from peerpath.outcomes.cells import Suppression
    from peerpath.outcomes.disclosure import undeclared

    data.more_workers(org_a, 1, start=data.D(2026, 5, 1))  # 153 days by 09-30: stable
    data.more_workers(org_a, 5, start=data.D(2026, 8, 1), prefix="V")  # 61 days: not yet
    scope = scope_of(org_a, suppression=Suppression(True, 5))
    r = programme.build(scope)
    stable = r["stable"]
    assert (stable["held"].value, stable["members"].value) == (6, 1)
    assert not stable["held"].hidden and stable["members"].hidden and stable["share"].hidden
    assert scope.disclosure.audit() == [] and undeclared(r, scope.disclosure) == []
