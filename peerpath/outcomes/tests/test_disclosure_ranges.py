"""The audit's ranges, solved with HiGHS on each table's programme built once, are
the ones SciPy's ``linprog`` gives when each hidden count's programme is built and
solved on its own (the audit's first method), on generated two-way tables with
hidden, latent and bounded counts (no database)."""

from __future__ import annotations

import math
import subprocess
import sys
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from peerpath.outcomes import disclosure
from peerpath.outcomes.disclosure import Ledger, Range, audit_ranges, ranges

T = 5


def linprog_ranges(values, hidden, relations, bounds=(), latent=frozenset()):
    """Each hidden count's smallest and largest value, one ``linprog`` programme
    per count and direction over the unknowns of its connected table."""
    links = [*relations, *((big, (small,)) for big, small in bounds)]
    out = []
    for key in sorted(hidden):
        table, grown = {key}, True
        while grown:  # the counts linked to key, directly or not
            linked = {k for total, parts in links if table & {total, *parts} for k in (total, *parts)}
            grown, table = bool(linked - table), table | linked
        rows = [(i, (total, parts)) for i, (total, parts) in enumerate(links) if total in table]
        if not rows:
            out.append(Range(key, values[key], 0.0, math.inf))
            continue
        unknowns = sorted(k for k in table if k in hidden or k in latent)
        index = {k: j for j, k in enumerate(unknowns)}
        problem = {"A_eq": [], "b_eq": [], "A_ub": [], "b_ub": []}
        for i, (total, parts) in rows:
            row, b = [0.0] * len(unknowns), 0.0
            for k, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
                if k in index:
                    row[index[k]] += sign
                else:
                    b -= sign * values[k]
            if any(row):
                if i < len(relations):
                    problem["A_eq"].append(row)
                    problem["b_eq"].append(b)
                else:
                    problem["A_ub"].append([-x for x in row])
                    problem["b_ub"].append(-b)
        given_rows = {k: v for k, v in problem.items() if v}
        target = [1.0 if k == key else 0.0 for k in unknowns]
        low = linprog(target, bounds=[(0, None)] * len(unknowns), method="highs", **given_rows)
        high = linprog([-x for x in target], bounds=[(0, None)] * len(unknowns), method="highs", **given_rows)
        out.append(Range(key, values[key], float(low.fun) if low.status == 0 else 0.0,
                         -float(high.fun) if high.status == 0 else math.inf))
    return out


def assert_same(got, expected):
    assert [(r.key, r.value) for r in got] == [(r.key, r.value) for r in expected]
    for g, e in zip(got, expected, strict=True):
        for a, b in ((g.low, e.low), (g.high, e.high)):
            assert (a == b == math.inf) or abs(a - b) <= 1e-6, (g, e)


@st.composite
def tables(draw, consistent=False):
    """A two-way table (cells, row and column totals, grand total), each count
    hidden, latent or shown; some bounds (a lone count at least a cell: unbounded
    above when hidden); unless ``consistent``, sometimes a shown count off by one
    and bounds the values break (values that contradict the relations)."""
    grid = draw(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=4), min_size=1, max_size=4))
    width = max(len(r) for r in grid)
    grid = [r + [0] * (width - len(r)) for r in grid]
    values = {f"c{i}_{j}": v for i, row in enumerate(grid) for j, v in enumerate(row)}
    values |= {f"r{i}": sum(row) for i, row in enumerate(grid)}
    values |= {f"k{j}": sum(row[j] for row in grid) for j in range(width)}
    values |= {"all": sum(map(sum, grid)), "lone": draw(st.integers(0, 40)), "apart": 7}
    relations = [(f"r{i}", tuple(f"c{i}_{j}" for j in range(width))) for i in range(len(grid))]
    relations += [(f"k{j}", tuple(f"c{i}_{j}" for i in range(len(grid)))) for j in range(width)]
    relations += [("all", tuple(f"r{i}" for i in range(len(grid)))), ("all", tuple(f"k{j}" for j in range(width)))]
    keys = sorted(values)
    bounds = [("lone", "c0_0"), *draw(st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(keys)), max_size=3))]
    if consistent:
        values["lone"] = max(values["lone"], values["c0_0"])
        bounds = [(big, small) for big, small in bounds if values[big] >= values[small]]
    state = draw(st.fixed_dictionaries({k: st.sampled_from(["shown", "hidden", "latent"]) for k in keys}))
    if not consistent and draw(st.booleans()):
        off = draw(st.sampled_from(keys))
        values[off] += 1
    hidden = {k for k, s in state.items() if s == "hidden"}
    latent = {k for k, s in state.items() if s == "latent"}
    return values, hidden | {"apart"}, relations, bounds, latent


@settings(max_examples=150, deadline=None)
@given(tables())
def test_generated_tables_have_the_ranges_linprog_gives(table):
    values, hidden, relations, bounds, latent = table
    assert_same(ranges(values, hidden, relations, bounds, latent),
                linprog_ranges(values, hidden, relations, bounds, latent))


def test_the_shapes_at_the_edges_have_the_ranges_linprog_gives():
    cases = [
        ({"t": 10, "a": 2, "b": 8}, {"a"}, [("t", ("a", "b"))], [], set()),  # pinned: [2, 2]
        ({"t": 10, "a": 2, "b": 12}, {"a"}, [("t", ("a", "b"))], [], set()),  # no solution: [0, inf)
        ({"a": 3, "b": 1}, {"a"}, [], [("a", "b")], set()),  # at least b: [1, inf)
        ({"x": 3}, {"x"}, [("x", ("x",))], [], set()),  # a relation that says nothing
        ({"t": 10, "a": 2, "b": 8}, {"a"}, [("t", ("a", "b"))], [], {"t"}),  # latent total
        ({"t": 9, "a": 2, "b": 7, "z": 4}, {"a", "z"}, [("t", ("a", "b"))], [], set()),  # z unrelated
    ]
    found = []
    for values, hidden, relations, bounds, latent in cases:
        got = ranges(values, hidden, relations, bounds, latent)
        assert_same(got, linprog_ranges(values, hidden, relations, bounds, latent))
        found.append([(r.key, r.low, r.high) for r in got])
    assert found[:4] == [[("a", 2, 2)], [("a", 0, math.inf)], [("a", 1, math.inf)], [("x", 0, math.inf)]]
    assert found[5] == [("a", 2, 2), ("z", 0, math.inf)]


@settings(max_examples=60, deadline=None)
@given(tables(consistent=True), st.data())
def test_hiding_one_more_count_of_a_consistent_table_never_narrows_another(table, data):
    """What lets ``protect`` skip the counts found wide in an earlier round."""
    values, hidden, relations, bounds, latent = table
    more = data.draw(st.sampled_from(sorted(values)))
    before = {r.key: r for r in ranges(values, hidden, relations, bounds, latent)}
    for r in ranges(values, hidden | {more}, relations, bounds, latent):
        if r.key in before:
            assert r.low <= before[r.key].low + 1e-6 and r.high >= before[r.key].high - 1e-6


def full_audit_hidden(led: Ledger) -> set[str]:
    """The counts ``protect`` hides, found as it first did: every hidden count of
    a table audited again in each round (``audit_ranges``), a new programme for
    each cover tried."""
    hidden = {k for k in led.values if k in led.forced or 0 < led.members[k] < led.threshold}
    links, latent = led._links(), led._latent()
    component = disclosure._components(led.values, links)
    groups = defaultdict(set)
    for key in led.values:
        if component.get(key):
            groups[tuple(component[key])].add(key)
    for rels, keys in groups.items():
        while findings := audit_ranges(led.values, hidden & keys, led.relations, led.threshold, led.bounds, latent):
            table = disclosure._Table(led.values, [(i, links[i]) for i in rels], len(led.relations))
            cover = led._cover(findings[0].key, hidden, latent, table)
            if cover is None:
                break
            hidden.add(cover)
    return hidden


@settings(max_examples=100, deadline=None)
@given(tables())
def test_generated_ledgers_hide_what_a_full_audit_in_each_round_hides(table):
    values, hidden, relations, bounds, latent = table
    led = Ledger(active=True, threshold=T)
    for key, value in values.items():
        led.count(key, value, displayed=key not in latent, hidden=key in hidden)
    for total, parts in relations:
        led.total(total, parts)
    for big, small in bounds:
        led.at_least(big, small)
    assert led.protect() == full_audit_hidden(led)


def test_a_count_found_wide_is_skipped_later_only_where_the_shown_values_fit_the_table():
    """Where they do not (a shown total is not the sum of its shown parts), hiding
    one more count can bring in a relation that narrows a count found wide before:
    every hidden count is audited again."""
    for total, skipped in ((12, {"a"}), (20, set())):
        values = {"t": total, "a": 2, "b": 7, "l": 3}
        table = disclosure._Table(values, [(0, ("t", ("a", "b", "l")))], 1)
        table.unknowns({"a", "l"})
        wide: set[str] = set()
        assert list(table.narrow(["a"], T, wide)) == []  # a in [0, t - 7]
        assert wide == skipped


def test_a_solver_failure_is_an_error_not_a_range(monkeypatch):
    import highspy

    monkeypatch.setattr(disclosure._quiet_highs(), "run", lambda self: highspy.HighsStatus.kError)
    with pytest.raises(RuntimeError, match="could not solve"):
        ranges({"t": 10, "a": 2, "b": 8}, {"a"}, [("t", ("a", "b"))])


def test_the_solver_prints_nothing():
    """A report command's output (and a server's log) holds no banner of HiGHS."""
    code = ("from peerpath.outcomes.disclosure import ranges\n"
            "print(ranges({'t': 10, 'a': 2, 'b': 8}, {'a'}, [('t', ('a', 'b'))]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[Range(key='a', value=2, low=2.0, high=2.0)]\n"
    assert done.stderr == ""
