"""Figures and small-cell suppression (pure: no database)."""

from __future__ import annotations

import pytest

from peerpath.outcomes.cells import Cell, Suppression

ON = Suppression(True, 5)
OFF = Suppression(False, 5)


@pytest.mark.parametrize(("n", "hidden"), [(0, False), (1, True), (4, True), (5, False), (120, False)])
def test_counts_of_one_to_four_members_are_hidden_when_suppressing(n, hidden):
    cell = ON.count(n)
    assert (cell.value, cell.n, cell.hidden) == (n, n, hidden)
    assert cell.shown == (None if hidden else n)


def test_nothing_is_hidden_on_staff_pages():
    assert not OFF.count(2).hidden
    assert not OFF.share(1, 3).hidden and OFF.share(1, 3).value == pytest.approx(1 / 3)


def test_a_share_is_built_from_its_denominator():
    cell = ON.share(10, 25)
    assert (cell.value, cell.n, cell.hidden) == (0.4, 25, False)


@pytest.mark.parametrize(("k", "n"), [(4, 20), (17, 20), (3, 4)])
def test_a_share_is_hidden_when_either_side_is_a_small_cell(k, n):
    assert ON.share(k, n).hidden
    assert ON.share(k, n).shown is None


def test_a_share_of_nobody_has_no_value_and_is_shown():
    cell = ON.share(0, 0)
    assert cell.value is None and not cell.hidden


def test_all_or_none_of_the_denominator_is_shown():
    assert not ON.share(0, 12).hidden and not ON.share(12, 12).hidden


def test_a_figure_carries_the_threshold_it_was_hidden_under():
    cell = Suppression(True, 11).cell(3.5, 7)
    assert cell == Cell(3.5, 7, hidden=True, threshold=11)


@pytest.mark.parametrize(("k", "n", "hidden"), [
    (9, 12, True),  # 3 did not: the share is hidden, the 9 beside 12 would give it away
    (3, 12, True), (3, 4, True), (10, 25, False), (0, 12, False), (12, 12, False), (0, 0, False),
])
def test_a_part_of_a_total_is_hidden_whenever_its_share_is(k, n, hidden):
    part = ON.part(k, n)
    assert (part.value, part.n, part.hidden) == (k, k, hidden)
    assert ON.share(k, n).hidden == hidden


def test_a_part_is_shown_on_staff_pages():
    assert not OFF.part(9, 12).hidden


@pytest.mark.parametrize(("ns", "hidden"), [
    ([3, 6, 8, 17], [True, True, False, False]),  # one small quarter: the next smallest goes too
    ([3, 0, 8, 11], [True, False, True, False]),  # a quarter of nobody is no cover: 8 goes
    ([3, 0, 0, 3], [True, False, False, True]),  # the total is small too
    ([2, 4, 8, 14], [True, True, False, False]),  # two small ones cover each other
    ([5, 6, 0, 11], [False, False, False, False]),
])
def test_with_a_total_a_lone_hidden_figure_takes_the_next_smallest_along(ns, hidden):
    assert ON.hidden_with_total(ns) == hidden
    assert OFF.hidden_with_total(ns) == [False] * len(ns)
