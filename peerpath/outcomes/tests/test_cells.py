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
