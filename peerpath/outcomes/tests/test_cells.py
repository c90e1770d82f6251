"""Figures and small-cell suppression through a report run's ledger (pure: no
database)."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.scope import ReportScope


def _scope(active: bool = True, threshold: int = 5) -> ReportScope:
    return ReportScope(organizations=(), period=parse_period("2026Q3"), today=dt.date(2026, 10, 1),
                       suppression=Suppression(active, threshold))


@pytest.mark.parametrize(("n", "hidden"), [(0, False), (1, True), (4, True), (5, False), (120, False)])
def test_counts_of_one_to_four_members_are_hidden_when_suppressing(n, hidden):
    cell = _scope().count(n, key="n")
    assert (cell.value, cell.n, cell.hidden) == (n, n, hidden)
    assert cell.shown == (None if hidden else n)


def test_nothing_is_hidden_on_staff_pages():
    scope = _scope(active=False)
    assert not scope.count(2, key="n").hidden
    share = scope.share(1, 3, key="s")
    assert not share.hidden and share.value == pytest.approx(1 / 3)


def test_a_share_is_built_from_its_denominator():
    cell = _scope().share(10, 25, key="s")
    assert (cell.value, cell.n, cell.hidden) == (0.4, 25, False)


@pytest.mark.parametrize(("k", "n"), [(4, 20), (17, 20), (3, 4)])
def test_a_share_is_hidden_when_either_side_is_a_small_cell(k, n):
    share = _scope().share(k, n, key="s")
    assert share.hidden and share.shown is None


def test_a_share_of_nobody_has_no_value_and_is_shown():
    cell = _scope().share(0, 0, key="s")
    assert cell.value is None and not cell.hidden


def test_all_or_none_of_the_denominator_is_shown():
    assert not _scope().share(0, 12, key="s").hidden and not _scope().share(12, 12, key="s").hidden


def test_a_figure_carries_the_threshold_it_was_hidden_under():
    cell = _scope(threshold=11).cell(3.5, 7, key="mean")
    assert cell.hidden and cell.threshold == 11 and cell.shown is None


@pytest.mark.parametrize(("k", "n", "hidden"), [
    (9, 12, True),  # 3 did not: the 9 beside 12 would give them away
    (3, 12, True), (3, 4, True), (10, 25, False), (0, 12, False), (12, 12, False), (0, 0, False),
])
def test_a_part_of_a_total_is_hidden_whenever_the_rest_could_be_worked_out(k, n, hidden):
    scope = _scope()
    total = scope.count(n, key="total")
    part = scope.part(k, n, key="part", denominator_key="total")
    assert part.value == k
    assert (part.hidden or total.hidden) == hidden
    assert scope.disclosure.audit() == []


def test_a_part_is_shown_on_staff_pages():
    scope = _scope(active=False)
    scope.count(12, key="total")
    assert not scope.part(9, 12, key="part", denominator_key="total").hidden


@pytest.mark.parametrize(("ns", "hidden"), [
    ([3, 6, 8, 17], [True, True, False, False]),  # one small quarter: the next smallest goes too
    ([3, 0, 8, 11], [True, False, True, False]),  # a quarter of nobody is no cover: 8 goes
    ([2, 4, 8, 14], [True, True, False, False]),  # two small ones cover each other
    ([5, 6, 0, 11], [False, False, False, False]),
])
def test_with_a_total_a_lone_hidden_figure_takes_the_next_smallest_along(ns, hidden):
    scope = _scope()
    cells = [scope.count(n, key=f"q{i}") for i, n in enumerate(ns[:-1])]
    cells.append(scope.count(ns[-1], key="all"))
    scope.total("all", [f"q{i}" for i in range(len(ns) - 1)])
    assert [c.hidden for c in cells] == hidden
    staff = _scope(active=False)
    assert not any(staff.count(n, key=f"q{i}").hidden for i, n in enumerate(ns))
