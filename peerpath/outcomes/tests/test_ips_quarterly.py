"""IPS quarterly outcomes: people served, competitive work, benchmarks."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from peerpath.outcomes.ips_benchmarks import BENCHMARKS, level_reached
from peerpath.outcomes.reports import ips_quarterly
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import get_report, pdf_text, researcher_scope, scope_of

# -- pure: benchmarks ----------------------------------------------------------------


@pytest.mark.parametrize(("share", "level"), [
    (0.0, "below"), (0.3099, "below"), (0.31, "minimal"), (0.40, "minimal"), (0.41, "average"),
    (0.4999, "average"), (0.50, "excellent"), (1.0, "excellent"), (None, None),
])
def test_the_level_reached_is_the_highest_benchmark_met(share, level):
    assert level_reached(share) == level


def test_the_benchmarks_are_31_41_and_50_percent_and_the_chart_draws_each():
    assert dict(BENCHMARKS) == {"minimal": 0.31, "average": 0.41, "excellent": 0.50}
    assert [share for share, _label in ips_quarterly.benchmark_lines()] == [0.31, 0.41, 0.50]


# -- figures -------------------------------------------------------------------------


def test_ten_served_four_in_competitive_work_is_forty_percent_minimal_reached(org_a):
    data.programme(org_a)
    (q3,) = ips_quarterly.build(scope_of(org_a))["quarters"]
    assert (q3["label"], q3["served"].value, q3["worked"].value) == ("2026Q3", 10, 4)
    assert q3["share"].value == pytest.approx(0.40)
    assert q3["level"] == "minimal"
    assert q3["level_label"] == "Minimal (31% or more)"


def test_each_quarter_of_the_period_is_counted_on_its_own(org_a):
    data.programme(org_a)
    q2, q3 = ips_quarterly.build(scope_of(org_a, "2026Q2..2026Q3"))["quarters"]
    # Q2: the closed member m8 had no contact yet; m6 still worked, m2 not yet.
    assert (q2["served"].value, q2["worked"].value, q2["level"]) == (9, 4, "average")
    assert q2["share"].value == pytest.approx(4 / 9)
    assert (q3["served"].value, q3["worked"].value) == (10, 4)


def test_a_quarter_cut_to_the_period_is_labelled_by_its_days_and_not_graded(org_a):
    data.programme(org_a)
    (july,) = ips_quarterly.build(scope_of(org_a, "2026-07"))["quarters"]
    # July: Q3's ten served but m8 (contacted 08-10): 9; worked m1, m3 (to 07-01), m4 (m2 from 08-01): 3.
    assert (july["label"], july["served"].value, july["worked"].value) == ("2026-07-01..2026-07-31", 9, 3)
    assert july["share"].value == pytest.approx(1 / 3)  # would be "minimal" if graded
    assert july["level"] is None
    assert july["level_label"] == "Partial quarter: not graded"


def test_the_page_says_a_partial_quarter_is_not_graded(org_a, client_for):
    data.programme(org_a)
    html = get_report(client_for("coordinator"), "ips_quarterly", period="2026-06-15..2026Q3").content.decode()
    assert "2026-06-15..2026-06-30" in html and "Partial quarter: not graded" in html
    assert '<th scope="row">2026Q3</th>' in html and "Minimal (31% or more)" in html


def test_a_closed_member_counts_only_with_a_contact_or_job_in_the_quarter(org_a):
    m = data.programme(org_a)
    data.contact(org_a, m.m9, data.D(2026, 9, 15))
    (q3,) = ips_quarterly.build(scope_of(org_a))["quarters"]
    assert q3["served"].value == 11


def test_out_of_work_at_entry_drops_members_in_a_competitive_job_when_enrolled(org_a):
    data.programme(org_a)
    (q3,) = ips_quarterly.build(scope_of(org_a, options={"out_of_work_at_entry": True}))["quarters"]
    assert (q3["served"].value, q3["worked"].value) == (9, 3)
    assert q3["share"].value == pytest.approx(1 / 3)
    assert q3["level"] == "minimal"


def test_a_job_that_ended_before_enrolment_is_not_work_in_the_quarter_of_enrolment(org_a):
    org_a.member.delete()  # only the members below
    before = data.member(org_a, "E01", data.D(2026, 8, 15))
    data.job(org_a, before, data.D(2026, 7, 1), data.D(2026, 8, 14))  # ended the day before enrolment
    on_the_day = data.member(org_a, "E02", data.D(2026, 8, 15))
    data.job(org_a, on_the_day, data.D(2026, 7, 1), data.D(2026, 8, 15))  # still held on the enrolment day
    (q3,) = ips_quarterly.build(scope_of(org_a))["quarters"]
    assert (q3["served"].value, q3["worked"].value) == (2, 1)
    # E02 was already working when enrolled (the job started before the enrolment day); E01 was not
    (q3,) = ips_quarterly.build(scope_of(org_a, options={"out_of_work_at_entry": True}))["quarters"]
    assert (q3["served"].value, q3["worked"].value) == (1, 0)


def test_other_organisations_are_not_counted(org_a, org_b):
    data.programme(org_b)
    (q3,) = ips_quarterly.build(scope_of(org_a))["quarters"]
    assert (q3["served"].value, q3["worked"].value) == (1, 0)


def test_one_query_for_all_quarters_whatever_the_data_size(org_a, django_assert_num_queries):
    data.programme(org_a)
    scope = scope_of(org_a, "2025Q4..2026Q3")
    with django_assert_num_queries(1):
        small = ips_quarterly.quarter_rows(scope)
    for i in range(12):
        who = data.member(org_a, f"X{i:02d}", data.D(2025, 1, 1))
        data.job(org_a, who, data.D(2026, 7, 1))
    with django_assert_num_queries(1):
        large = ips_quarterly.quarter_rows(scope_of(org_a, "2025Q4..2026Q3"))  # a scope is one run
    assert large[-1]["served"].value == small[-1]["served"].value + 12


def test_a_researcher_cannot_subtract_workers_from_people_served(org_a):
    # 12 research-consented people served in Q3, 9 of them worked: 3 did not. The
    # share is hidden, so the 9 must be too (12 − 9 = 3 would name the few).
    data.research_consent(org_a, org_a.member)
    for i in range(2):
        data.research_consent(org_a, data.member(org_a, f"N{i}", data.D(2026, 1, 1)))
    for who in data.more_workers(org_a, 9):
        data.research_consent(org_a, who)
    (q3,) = ips_quarterly.build(researcher_scope(org_a))["quarters"]
    assert (q3["served"].value, q3["worked"].value) == (12, 9)
    assert not q3["served"].hidden and q3["served"].shown == 12
    assert q3["share"].hidden and q3["worked"].hidden
    assert q3["level"] is None


def test_the_page_of_a_researcher_hides_the_workers_beside_a_hidden_share(org_a, client_for):
    data.research_consent(org_a, org_a.member)
    for i in range(2):
        data.research_consent(org_a, data.member(org_a, f"N{i}", data.D(2026, 1, 1)))
    for who in data.more_workers(org_a, 9):
        data.research_consent(org_a, who)
    response = get_report(client_for("researcher"), "ips_quarterly", period="2026Q3")
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index('<th scope="row">2026Q3</th>'):]
    row = row[:row.index("</tr>")]
    assert ">12<" in row and ">9<" not in row
    # the 9 and their share are not small themselves: hidden to protect the 3
    assert row.count(">hidden</abbr>") == 2 and "&lt; 5" not in row


# -- pages ---------------------------------------------------------------------------


def test_the_page_shows_the_quarter_table_and_benchmark(org_a, client_for):
    data.programme(org_a)
    response = get_report(client_for("coordinator"), "ips_quarterly", period="2026Q3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "40.0%" in html and "Minimal (31% or more)" in html


def test_the_option_is_a_check_box_on_the_page(org_a, client_for):
    data.programme(org_a)
    response = get_report(client_for("coordinator"), "ips_quarterly", period="2026Q3", opt_out_of_work_at_entry="on")
    html = response.content.decode()
    assert 'name="opt_out_of_work_at_entry"' in html
    assert "33.3%" in html


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_pdf_has_the_figures_in_both_languages(org_a, client_for, language):
    data.programme(org_a)
    data.more_workers(org_a)  # 16 served, 10 worked (62.5%): no small cell, excellent
    response = get_report(client_for("coordinator"), "ips_quarterly", language=language, pdf=True, period="2026Q3")
    assert response.status_code == 200
    text = pdf_text(response.content)
    with translation.override(language):
        served, excellent = gettext("People served"), gettext("Excellent (50% or more)")
    if language == "zh-hant":
        assert (served, excellent) != ("People served", "Excellent (50% or more)")  # from the catalogue
    assert served in text
    assert f"2026Q3 16 10 62.5% {excellent}" in text


def test_the_pdf_hides_small_cells_even_for_staff(org_a, client_for):
    data.programme(org_a)  # 10 served, 4 worked: the 4 and the share are small cells
    response = get_report(client_for("coordinator"), "ips_quarterly", pdf=True, period="2026Q3")
    text = pdf_text(response.content)
    assert "2026Q3 10 < 5 < 5" in text
    assert "40.0%" not in text
