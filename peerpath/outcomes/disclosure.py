"""Complementary suppression of a report's figures, audited by linear programming
(pure Python with the HiGHS solver through ``highspy``, no Django).

A report declares its figures in a ``Ledger``:

- counts (``count``): how many members (or jobs, contacts …) a figure counts, and
  the relations between counts (``total``: a total is the sum of its parts —
  parts of a whole, subsets and the rest, quarters and their sum). A count may be
  *latent* (``displayed=False``): not printed, but worked out from others (the
  non-competitive job starts are all starts minus competitive ones); it is
  protected like any other, and hiding it costs nothing.
- statistics (``figure``, ``share``): a mean, median, share or estimate built from
  counts (its *basis*); hidden whenever any count of its basis is, or when built
  from 1 to threshold − 1 members itself.

When suppression is active, ``protect`` hides every count built from 1 to
threshold − 1 members (primary suppression), then hides further counts
(secondary, or complementary, suppression: latent counts first, then the
smallest) until the audit passes: for every hidden count, the smallest and the
largest value consistent with everything shown and the declared relations (a
linear programme with non-negative counts) are at least the threshold apart — as
statistical offices audit their tables. Each connected table's programme is
built once and solved with HiGHS for each count, smallest then largest, each
solve starting from the last one's basis (``_Table``); a count found wide is not
solved again in a later round of the same table, since hiding more only widens
it (when the shown values satisfy the table's relations).

A figure's visibility is read from the ledger when it is first shown
(``Cell.hidden``); a declaration made after a figure was read that would change
whether that figure is hidden raises ``DisclosureError`` (a report must declare
every figure before it draws its charts).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from peerpath.outcomes.cells import Cell

Relation = tuple[str, tuple[str, ...]]  # total, parts: total = sum(parts)
Bound = tuple[str, str]  # larger, smaller: larger >= smaller
TOLERANCE = 1e-6
COVER_TRIES = 12  # counts tried as the cover of one hidden count before taking the smallest


class DisclosureError(RuntimeError):
    """A report's figures were declared inconsistently."""


@dataclass(frozen=True)
class Finding:
    """A hidden count narrowed to [low, high], narrower than the threshold."""

    key: str
    value: float
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class Range:
    key: str
    value: float
    low: float
    high: float


def _components(keys: Iterable[str], relations: Sequence[Relation]) -> dict[str, list[int]]:
    # (an inequality larger >= smaller is linked like a relation of one part)
    """The relations (indices) of each key's connected component."""
    parent: dict[str, str] = {k: k for k in keys}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for total, parts in relations:
        for part in parts:
            a, b = find(total), find(part)
            if a != b:
                parent[a] = b
    by_root: dict[str, list[int]] = defaultdict(list)
    for i, (total, _parts) in enumerate(relations):
        by_root[find(total)].append(i)
    return {k: by_root.get(find(k), []) for k in parent}


@functools.cache
def _quiet_highs() -> type:
    """``highspy.Highs``, silenced before its constructor enables the callbacks
    (HiGHS prints its banner on standard output at the first call made with
    logging on)."""
    import highspy

    class QuietHighs(highspy.Highs):
        def enableCallbacks(self) -> None:  # noqa: N802 (HiGHS' name)
            self.silent()
            super().enableCallbacks()

    return QuietHighs


class _Table:
    """The linear programme of one connected table, built once: a column for each
    count, a row for each relation (total − parts = 0) and bound (larger − smaller
    ≥ 0). A shown count's column is fixed at its value, an unknown one's (hidden
    or latent) is at least 0; a row that holds no unknown is left out (free).
    Telling it which counts are unknown changes only those bounds, and each
    smallest or largest value only the objective: HiGHS starts each solve from
    the last one's basis."""

    def __init__(self, values: dict[str, float], links: Sequence[tuple[int, Relation]], n_eq: int) -> None:
        import highspy
        import numpy as np

        self.values, self.inf = values, highspy.kHighsInf
        self.optimal, self.error = highspy.HighsModelStatus.kOptimal, highspy.HighsStatus.kError
        self.columns = sorted({k for _i, (total, parts) in links for k in (total, *parts)})
        self.index = {k: j for j, k in enumerate(self.columns)}
        self.rows: list[tuple[list[int], float]] = []  # (columns, upper bound when in the programme)
        self.rows_of: dict[int, list[int]] = defaultdict(list)
        starts: list[int] = []
        indices: list[int] = []
        coefficients: list[float] = []
        self.consistent = True  # the shown values satisfy every relation and bound
        for i, (total, parts) in links:
            row: dict[int, float] = defaultdict(float)
            for k, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
                row[self.index[k]] += sign
            held = [j for j, x in row.items() if x]
            for j in held:
                self.rows_of[j].append(len(self.rows))
            self.rows.append((held, 0.0 if i < n_eq else self.inf))
            activity = sum(row[j] * values[self.columns[j]] for j in held)
            self.consistent = self.consistent and (activity == 0 if i < n_eq else activity >= 0)
            starts.append(len(indices))
            indices += held
            coefficients += [row[j] for j in held]
        self.unknown: set[int] = set()
        self.highs = _quiet_highs()()
        shown = np.array([float(values[k]) for k in self.columns])
        self.highs.addVars(len(shown), shown, shown)
        free = np.full(len(self.rows), self.inf)
        self.highs.addRows(len(self.rows), -free, free, len(indices), np.array(starts, dtype=np.int32),
                           np.array(indices, dtype=np.int32), np.array(coefficients))

    def unknowns(self, keys: Iterable[str]) -> None:
        """Make exactly ``keys`` (those of the table) unknown, the others shown."""
        unknown = {self.index[k] for k in keys if k in self.index}
        changed = unknown ^ self.unknown
        self.unknown = unknown
        for j in changed:
            if j in unknown:
                self.highs.changeColBounds(j, 0.0, self.inf)
            else:
                shown = float(self.values[self.columns[j]])
                self.highs.changeColBounds(j, shown, shown)
        for r in {r for j in changed for r in self.rows_of[j]}:
            held, upper = self.rows[r]
            if any(j in unknown for j in held):
                self.highs.changeRowBounds(r, 0.0, upper)
            else:
                self.highs.changeRowBounds(r, -self.inf, self.inf)

    def range(self, key: str) -> tuple[float, float]:
        """The smallest and the largest value of the unknown ``key`` (0 and
        ``math.inf`` when no value is optimal: unbounded, or no solution)."""
        low, high = self._optimum(key, 1.0), self._optimum(key, -1.0)
        return (0.0 if low is None else low), (math.inf if high is None else -high)

    def _optimum(self, key: str, cost: float) -> float | None:
        column = self.index[key]
        self.highs.changeColCost(column, cost)
        self._run(key)
        if self.highs.getModelStatus() != self.optimal:
            # started from the last basis, HiGHS can stop short (after an unbounded
            # programme's, "unknown"): only a solve from scratch says there is no optimum
            self.highs.clearSolver()
            self._run(key)
        value = (float(self.highs.getInfo().objective_function_value)
                 if self.highs.getModelStatus() == self.optimal else None)
        if value is None:
            self.highs.clearSolver()  # nor is the next solve started from here
        self.highs.changeColCost(column, 0.0)
        return value

    def _run(self, key: str) -> None:
        if self.highs.run() == self.error:  # no range to trust
            raise RuntimeError(f"HiGHS could not solve the programme of {key} ({self.highs.getModelStatus()})")

    def narrow(self, keys: Iterable[str], threshold: int, wide: set[str] | None = None) -> Iterator[Finding]:
        """The unknown ``keys`` narrowed to less than ``threshold``, in order.
        ``wide``: keys found wide with fewer unknowns, skipped, and where the keys
        found wide are added, when the shown values satisfy every relation and
        bound (then more unknowns only widen a range: the programme with fewer
        is the one with more, the new unknowns fixed at their values)."""
        for key in keys:
            if wide is not None and key in wide:
                continue
            low, high = self.range(key)
            if high - low < threshold - TOLERANCE:
                yield Finding(key, self.values[key], low, high)
            elif wide is not None and self.consistent:
                wide.add(key)


def _ranges(values: dict[str, float], hidden: set[str], relations: Sequence[Relation],
            bounds: Sequence[Bound], latent: set[str] | frozenset[str]) -> Iterator[Range]:
    """``ranges``, one hidden count at a time (in order)."""
    links: list[Relation] = [*relations, *((big, (small,)) for big, small in bounds)]
    component = _components(values, links)
    tables: dict[tuple[int, ...], _Table] = {}
    for key in sorted(hidden):
        rels = tuple(component.get(key, ()))
        if not rels:
            yield Range(key, values[key], 0.0, math.inf)
            continue
        if rels not in tables:
            tables[rels] = _Table(values, [(i, links[i]) for i in rels], len(relations))
            tables[rels].unknowns(k for k in tables[rels].columns if k in hidden or k in latent)
        low, high = tables[rels].range(key)
        yield Range(key, values[key], low, high)


def ranges(values: dict[str, float], hidden: set[str], relations: Sequence[Relation],
           bounds: Sequence[Bound] = (), latent: set[str] | frozenset[str] = frozenset()) -> list[Range]:
    """For every hidden count, its smallest and largest value consistent with the
    shown counts, the relations (equalities), the bounds (one count at least
    another) and non-negativity (``math.inf`` when unbounded). ``latent``: counts
    not printed, unknown like the hidden ones."""
    return list(_ranges(values, hidden, relations, bounds, latent))


def audit_ranges(values: dict[str, float], hidden: set[str], relations: Sequence[Relation],
                 threshold: int, bounds: Sequence[Bound] = (),
                 latent: set[str] | frozenset[str] = frozenset()) -> list[Finding]:
    """The hidden counts narrowed to a range less than ``threshold`` wide."""
    return [Finding(r.key, r.value, r.low, r.high) for r in _ranges(values, hidden, relations, bounds, latent)
            if r.high - r.low < threshold - TOLERANCE]


class Ledger:
    """The figures of one report run, their relations, and which are hidden."""

    def __init__(self, *, active: bool, threshold: int) -> None:
        self.active = active
        self.threshold = threshold
        self.values: dict[str, float] = {}
        self.members: dict[str, int] = {}
        self.displayed: dict[str, bool] = {}
        self.forced: set[str] = set()
        self.relations: list[Relation] = []
        self.bounds: list[Bound] = []
        self.statistics: dict[str, tuple[tuple[str, ...], int]] = {}  # key: (basis, members)
        self._hidden: set[str] | None = None
        self._read: dict[str, bool] = {}

    # -- declarations ------------------------------------------------------------
    def count(self, key: str, value: int | float, n: int | None = None, *, displayed: bool = True,
              hidden: bool = False) -> Cell:
        """A count of ``value`` built from ``n`` members (default: the count itself).
        ``hidden``: hide it whatever its size. Declaring a key again declares the
        same quantity shown in another place (its value must agree)."""
        if key in self.statistics:
            raise DisclosureError(f"{key}: declared as a statistic and as a count")
        if key in self.values and self.values[key] != value:
            raise DisclosureError(f"{key}: declared twice with different values ({self.values[key]}, {value})")
        self.values[key] = value
        self.members[key] = max(self.members.get(key, 0), int(value if n is None else n))
        self.displayed[key] = self.displayed.get(key, False) or displayed
        if hidden:
            self.forced.add(key)
        self._changed()
        return self._cell(key, value, self.members[key])

    def figure(self, key: str, value: Any, n: int = 0, basis: Iterable[str] = (), *, hidden: bool = False) -> Cell:
        """A statistic built from ``n`` members and the counts (or statistics) of
        ``basis``: hidden whenever one of them is, or when ``n`` is small."""
        if key in self.values:
            raise DisclosureError(f"{key}: declared as a count and as a statistic")
        basis = tuple(basis)
        unknown = [k for k in basis if k not in self.values and k not in self.statistics]
        if unknown:
            raise DisclosureError(f"{key}: its basis {', '.join(unknown)} is not declared")
        self.statistics[key] = (basis, n)
        if hidden:
            self.forced.add(key)
        self._changed()
        return self._cell(key, value, n)

    def share(self, key: str, numerator: str, denominator: str) -> Cell:
        """The share ``numerator / denominator`` of two declared counts (None
        without a denominator)."""
        den = self.values[denominator]
        value = self.values[numerator] / den if den else None
        # both are published through the share (when it is shown)
        self.displayed[numerator] = self.displayed[denominator] = True
        return self.figure(key, value, int(self.members[denominator]), basis=(numerator, denominator))

    def total(self, total: str, parts: Iterable[str]) -> None:
        """``total`` is the sum of ``parts`` (declared counts)."""
        parts = tuple(parts)
        unknown = [k for k in (total, *parts) if k not in self.values]
        if unknown:
            raise DisclosureError(f"{total}: {', '.join(unknown)} not declared as counts")
        self.relations.append((total, parts))
        self._changed()

    def at_least(self, larger: str, smaller: str) -> None:
        """The count ``larger`` is never below ``smaller`` (jobs started and the
        members who started them; a period's members and a quarter's)."""
        unknown = [k for k in (larger, smaller) if k not in self.values]
        if unknown:
            raise DisclosureError(f"{larger}: {', '.join(unknown)} not declared as counts")
        self.bounds.append((larger, smaller))
        self._changed()

    def _links(self) -> list[Relation]:
        return [*self.relations, *((big, (small,)) for big, small in self.bounds)]

    # -- decisions ---------------------------------------------------------------
    def _cell(self, key: str, value: Any, n: int) -> Cell:
        return Cell(value, n, threshold=self.threshold, key=key, ledger=self)

    def _changed(self) -> None:
        self._hidden = None

    def _small(self, n: float) -> bool:
        return 0 < n < self.threshold

    def hides(self, key: str) -> bool:
        if not self.active:
            return False
        if self._hidden is None:
            self.protect()
        assert self._hidden is not None
        hidden = key in self._hidden
        self._read.setdefault(key, hidden)
        return hidden

    def protect(self) -> set[str]:
        """Decide which figures are hidden (see the module's docstring)."""
        if not self.active:
            self._hidden = set()
            return self._hidden
        hidden = {k for k in self.values if k in self.forced or self._small(self.members[k])}
        links = self._links()
        component = _components(self.values, links)
        groups: dict[tuple[int, ...], set[str]] = defaultdict(set)
        for key in self.values:
            if component.get(key):
                groups[tuple(component[key])].add(key)
        latent = self._latent()
        for rels, keys in groups.items():  # each connected table on its own
            table = _Table(self.values, [(i, links[i]) for i in rels], len(self.relations))
            wide: set[str] = set()
            while True:
                table.unknowns(hidden | latent)
                # the first narrow count (in order) is covered first; the others wait for the next round
                finding = next(table.narrow(sorted(hidden & keys), self.threshold, wide), None)
                if finding is None:
                    break
                cover = self._cover(finding.key, hidden, latent, table)
                if cover is None:
                    break
                hidden.add(cover)
        decided = set(hidden)
        for key in self.statistics:
            if self._statistic_hidden(key, hidden, set()):
                decided.add(key)
        changed = [k for k, was in self._read.items() if (k in decided) != was]
        if changed:
            raise DisclosureError(f"{', '.join(sorted(changed))}: shown before a later declaration changed "
                                  "whether it is hidden; declare every figure before reading one")
        self._hidden = decided
        return decided

    def primary(self, key: str) -> bool:
        """Hidden for its own sake: a small count, or a statistic built from a
        small number of members or on a small count (not only to protect another)."""
        if key in self.values:
            return self._small(self.members[key])
        basis, n = self.statistics[key]
        return self._small(n) or any(self.primary(k) for k in basis)

    def _statistic_hidden(self, key: str, counts_hidden: set[str], seen: set[str]) -> bool:
        if key in self.values:
            return key in counts_hidden
        if key in seen:
            return False
        basis, n = self.statistics[key]
        return key in self.forced or self._small(n) or any(
            self._statistic_hidden(k, counts_hidden, seen | {key}) for k in basis)

    def _latent(self) -> set[str]:
        return {k for k, shown in self.displayed.items() if not shown}

    def _cover(self, key: str, hidden: set[str], latent: set[str], table: _Table) -> str | None:
        """The next printed count to hide so that ``key`` gets a range at least the
        threshold wide. Only the *frontier* can pin ``key`` down: the shown counts
        linked to it directly or through hidden and latent counts. Of those
        (smallest first, never a zero: a zero hides nothing), the first that is
        enough on its own, else the smallest. ``table``: the programme of the
        table of ``key``."""
        links = self._links()
        unknown = hidden | latent
        neighbours: dict[str, set[str]] = defaultdict(set)
        for total, parts in links:
            group = (total, *parts)
            for k in group:
                neighbours[k].update(group)
        frontier: set[str] = set()
        seen, todo = {key}, [key]
        while todo:
            for k in neighbours[todo.pop()]:
                if k in seen:
                    continue
                seen.add(k)
                if k in unknown:
                    todo.append(k)
                elif self.values[k] > 0:
                    frontier.add(k)
        options = sorted(frontier, key=lambda k: (self.values[k], k))
        for k in options[:COVER_TRIES]:
            table.unknowns(unknown | {k})
            if next(table.narrow([key], self.threshold), None) is None:
                return k
        return options[0] if options else None

    # -- audit -------------------------------------------------------------------
    def hidden_keys(self) -> set[str]:
        if self._hidden is None:
            self.protect()
        assert self._hidden is not None
        return set(self._hidden)

    def ranges(self) -> list[Range]:
        """Every hidden count with the range it can be narrowed to."""
        if not self.active:
            return []
        return ranges(self.values, self.hidden_keys() & set(self.values), self.relations, self.bounds,
                      self._latent())

    def audit(self) -> list[Finding]:
        """Hidden counts that can be narrowed to less than the threshold: none when
        the ledger protects its figures."""
        return [Finding(r.key, r.value, r.low, r.high) for r in self.ranges()
                if r.high - r.low < self.threshold - TOLERANCE]


def figures(content: Any) -> Iterator[tuple[str, Cell]]:
    """Every figure (``Cell``) in a report's content (nested dicts, lists and
    tuples), with where it is (``rows[2].share``)."""
    stack: list[tuple[str, Any]] = [("", content)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Cell):
            yield path, value
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))


def undeclared(content: Any, ledger: Ledger) -> list[str]:
    """Where ``content`` holds a figure not declared in ``ledger`` (made without
    a key, or in another run): a report must declare each figure it shows."""
    return sorted(path for path, cell in figures(content) if cell.ledger is not ledger or not cell.key)
