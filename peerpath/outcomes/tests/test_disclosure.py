"""Complementary suppression and its audit by linear programming (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.outcomes.disclosure import DisclosureError, Ledger, audit_ranges

T = 5


def _ledger() -> Ledger:
    return Ledger(active=True, threshold=T)


def test_a_lone_small_part_of_a_total_takes_another_part_with_it():
    led = _ledger()
    n = led.count("n", 30)
    improved, unchanged, worse = led.count("improved", 12), led.count("unchanged", 16), led.count("worse", 2)
    led.total("n", ["improved", "unchanged", "worse"])
    assert worse.hidden and not n.hidden
    assert improved.hidden or unchanged.hidden  # otherwise worse = n - improved - unchanged
    assert led.audit() == []


def test_deteriorated_cannot_be_worked_out_from_the_shares_beside_it():
    led = _ledger()
    led.count("n", 20, displayed=False)
    for key, value in (("improved", 9), ("unchanged", 8), ("worse", 3)):
        led.count(key, value, displayed=False)
    led.total("n", ["improved", "unchanged", "worse"])
    shares = {k: led.share(f"{k}_share", k, "n") for k in ("improved", "unchanged", "worse")}
    assert shares["worse"].hidden
    assert sum(s.hidden for s in shares.values()) >= 2


def test_a_small_difference_between_a_total_and_its_subset_is_protected():
    """improved − recovered = improved but not recovered (2 members): not a figure
    of the table, but it must not be worked out."""
    led = _ledger()
    improved, recovered = led.count("improved", 12), led.count("recovered", 10)
    led.count("improved_only", 2, displayed=False)
    led.total("improved", ["recovered", "improved_only"])
    assert improved.hidden or recovered.hidden
    assert led.audit() == []


def test_a_latent_cover_costs_nothing_and_is_chosen_first():
    led = _ledger()
    starts, competitive = led.count("starts", 40), led.count("competitive", 3)
    led.count("other", 37, displayed=False)
    led.total("starts", ["competitive", "other"])
    assert competitive.hidden and not starts.hidden
    assert led.audit() == []


def test_quarters_and_their_sum():
    led = _ledger()
    cells = [led.count(f"q{i}", v) for i, v in enumerate([1, 9, 12, 20])]
    total = led.count("all", 42)
    led.total("all", ["q0", "q1", "q2", "q3"])
    assert cells[0].hidden and cells[1].hidden and not total.hidden
    assert led.audit() == []


def test_a_statistic_is_hidden_with_its_basis():
    led = _ledger()
    led.count("n", 3)
    mean = led.figure("mean", 4.2, basis=["n"])
    assert mean.hidden


def test_nothing_is_hidden_when_suppression_is_off():
    led = Ledger(active=False, threshold=T)
    cell = led.count("x", 2)
    assert not cell.hidden


def test_a_figure_read_before_a_later_declaration_changed_it_is_an_error():
    led = _ledger()
    competitive = led.count("competitive", 8)
    assert not competitive.hidden
    led.count("starts", 10)
    led.count("other", 2, displayed=False)
    with pytest.raises(DisclosureError, match="competitive"):
        led.total("starts", ["competitive", "other"])
        led.protect()


def test_the_audit_finds_a_narrow_range():
    # a + b = 10 shown, a hidden, b = 8 shown: a is exactly 2.
    findings = audit_ranges({"t": 10, "a": 2, "b": 8}, hidden={"a"}, relations=[("t", ("a", "b"))], threshold=T)
    assert [(f.key, f.low, f.high) for f in findings] == [("a", 2, 2)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=4), min_size=1, max_size=4))
def test_generated_two_way_tables_pass_the_audit(rows):
    """A table of rows × columns with row totals, column totals and a grand total."""
    led = _ledger()
    width = max(len(r) for r in rows)
    grid = [r + [0] * (width - len(r)) for r in rows]
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            led.count(f"c{i}_{j}", v)
        led.count(f"r{i}", sum(row))
        led.total(f"r{i}", [f"c{i}_{j}" for j in range(width)])
    for j in range(width):
        led.count(f"k{j}", sum(row[j] for row in grid))
        led.total(f"k{j}", [f"c{i}_{j}" for i in range(len(grid))])
    led.count("all", sum(map(sum, grid)))
    led.total("all", [f"r{i}" for i in range(len(grid))])
    led.total("all", [f"k{j}" for j in range(width)])
    assert led.audit() == []
    for key, value in led.values.items():
        if 0 < value < T:
            assert led.hides(key)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
def test_generated_nested_subsets_pass_the_audit(recovered, improved_only, other):
    led = _ledger()
    led.count("n", recovered + improved_only + other)
    led.count("improved", recovered + improved_only)
    led.count("recovered", recovered)
    led.count("improved_only", improved_only, displayed=False)
    led.count("other", other)
    led.total("n", ["improved", "other"])
    led.total("improved", ["recovered", "improved_only"])
    assert led.audit() == []
