"""Report periods (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.outcomes.period import Period, PeriodError, default_period, parse_period, quarter_of

D = dt.date


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026Q3", D(2026, 7, 1), D(2026, 9, 30)),
    ("2026q1", D(2026, 1, 1), D(2026, 3, 31)),
    ("2026Q4", D(2026, 10, 1), D(2026, 12, 31)),
    ("2026", D(2026, 1, 1), D(2026, 12, 31)),
    ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
    ("2026-12", D(2026, 12, 1), D(2026, 12, 31)),
    ("2026-07-15", D(2026, 7, 15), D(2026, 7, 15)),
    ("2025Q4..2026Q3", D(2025, 10, 1), D(2026, 9, 30)),
    (" 2026-07-01 .. 2026-08-15 ", D(2026, 7, 1), D(2026, 8, 15)),
    ("2026-02..2026Q2", D(2026, 2, 1), D(2026, 6, 30)),
])
def test_periods_parse_from_their_text(text, start, end):
    assert parse_period(text) == Period(start, end)


@pytest.mark.parametrize(("text", "message"), [
    ("2026Q5", "'2026Q5' is not a period"),
    ("last year", "is not a period"),
    ("2026-13", "no month 13"),
    ("2026-02-30", "'2026-02-30'"),
    ("2026Q3..2026Q1", "ends before it starts"),
    ("2000..2030", "at most 25 years"),
])
def test_bad_periods_are_refused_with_a_message(text, message):
    with pytest.raises(PeriodError, match=message.replace(".", r"\.")):
        parse_period(text)


@pytest.mark.parametrize("text", ["2026Q3", "2026", "2025Q4..2026Q3", "2026-07-01..2026-08-15"])
def test_the_label_parses_back_to_the_same_period(text):
    period = parse_period(text)
    assert period.label == text
    assert parse_period(period.label) == period


def test_a_month_is_labelled_by_its_days():
    assert parse_period("2026-07").label == "2026-07-01..2026-07-31"


def test_quarters_are_cut_to_the_period():
    quarters = parse_period("2026-02-15..2026-07-10").quarters()
    assert quarters == [Period(D(2026, 2, 15), D(2026, 3, 31)), Period(D(2026, 4, 1), D(2026, 6, 30)),
                        Period(D(2026, 7, 1), D(2026, 7, 10))]


def test_a_quarter_cut_to_the_period_is_labelled_by_its_days_and_is_not_a_whole_quarter():
    quarters = parse_period("2026-02-15..2026-07-10").quarters()
    assert [q.label for q in quarters] == ["2026-02-15..2026-03-31", "2026Q2", "2026-07-01..2026-07-10"]
    assert [q.is_whole_quarter for q in quarters] == [False, True, False]


def test_quarters_cross_the_year():
    assert [q.label for q in parse_period("2025Q4..2026Q1").quarters()] == ["2025Q4", "2026Q1"]


def test_days_count_both_ends_and_contains_is_inclusive():
    period = parse_period("2026Q3")
    assert period.days == 92
    assert period.contains(D(2026, 7, 1)) and period.contains(D(2026, 9, 30))
    assert not period.contains(D(2026, 10, 1))


def test_quarter_of_a_day():
    assert quarter_of(D(2026, 11, 27)) == Period(D(2026, 10, 1), D(2026, 12, 31))


def test_the_default_period_is_the_last_four_quarters():
    assert default_period(D(2026, 11, 27)) == Period(D(2026, 1, 1), D(2026, 12, 31))
    assert [q.label for q in default_period(D(2026, 2, 1)).quarters()] == ["2025Q2", "2025Q3", "2025Q4", "2026Q1"]
