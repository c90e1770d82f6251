"""IPS quarterly outcomes: people served, competitive work, benchmarks."""

from __future__ import annotations

import pytest
from django.utils import timezone

from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.ips_benchmarks import level_reached, reached
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.reports import ips_quarterly
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import get_report, pdf_text


def scope_of(tenant, period: str = "2026Q3", **fields) -> ReportScope:
    return ReportScope(organizations=(tenant.org,), period=parse_period(period), today=timezone.localdate(),
                       suppression=fields.pop("suppression", Suppression(False, 5)), **fields)


# -- pure: benchmarks ----------------------------------------------------------------


@pytest.mark.parametrize(("share", "level"), [
    (0.0, "below"), (0.3099, "below"), (0.31, "minimal"), (0.40, "minimal"), (0.41, "average"),
    (0.4999, "average"), (0.50, "excellent"), (1.0, "excellent"), (None, None),
])
def test_the_level_reached_is_the_highest_benchmark_met(share, level):
    assert level_reached(share) == level


def test_reached_lists_each_benchmark():
    assert reached(0.4) == {"excellent": False, "average": False, "minimal": True}
    assert reached(None) == {"excellent": None, "average": None, "minimal": None}


# -- figures -------------------------------------------------------------------------


def test_ten_served_four_in_competitive_work_is_forty_percent_minimal_reached(org_a):
    data.programme(org_a)
    (q3,) = ips_quarterly.build(scope_of(org_a))["quarters"]
    assert (q3["label"], q3["served"].value, q3["worked"].value) == ("2026Q3", 10, 4)
    assert q3["share"].value == pytest.approx(0.40)
    assert q3["level"] == "minimal"
    assert q3["reached"] == {"excellent": False, "average": False, "minimal": True}


def test_each_quarter_of_the_period_is_counted_on_its_own(org_a):
    data.programme(org_a)
    q2, q3 = ips_quarterly.build(scope_of(org_a, "2026Q2..2026Q3"))["quarters"]
    # Q2: the closed member m8 had no contact yet; m6 still worked, m2 not yet.
    assert (q2["served"].value, q2["worked"].value, q2["level"]) == (9, 4, "average")
    assert q2["share"].value == pytest.approx(4 / 9)
    assert (q3["served"].value, q3["worked"].value) == (10, 4)


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
        large = ips_quarterly.quarter_rows(scope)
    assert large[-1]["served"].value == small[-1]["served"].value + 12


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


@pytest.mark.parametrize(("language", "words"), [("en", "People served"), ("zh-hant", "2026Q3")])
def test_the_pdf_has_the_figures_in_both_languages(org_a, client_for, language, words):
    data.programme(org_a)
    data.more_workers(org_a)  # 16 served, 10 worked: no small cell
    response = get_report(client_for("coordinator"), "ips_quarterly", language=language, pdf=True, period="2026Q3")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert words in text
    assert "2026Q3 16 10 62.5%" in text


def test_the_pdf_hides_small_cells_even_for_staff(org_a, client_for):
    data.programme(org_a)  # 10 served, 4 worked: the 4 and the share are small cells
    response = get_report(client_for("coordinator"), "ips_quarterly", pdf=True, period="2026Q3")
    text = pdf_text(response.content)
    assert "2026Q3 10 < 5 < 5" in text
    assert "40.0%" not in text
