"""Complementary suppression of a report's figures, audited by linear programming
(pure Python with SciPy, no Django).

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
linear programme with non-negative counts, ``scipy.optimize.linprog``) are at
least the threshold apart — as statistical offices audit their tables.

A figure's visibility is read from the ledger when it is first shown
(``Cell.hidden``); a declaration made after a figure was read that would change
whether that figure is hidden raises ``DisclosureError`` (a report must declare
every figure before it draws its charts).
"""

from __future__ import annotations

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


def ranges(values: dict[str, float], hidden: set[str], relations: Sequence[Relation],
           bounds: Sequence[Bound] = (), latent: set[str] | frozenset[str] = frozenset()) -> list[Range]:
    """For every hidden count, its smallest and largest value consistent with the
    shown counts, the relations (equalities), the bounds (one count at least
    another) and non-negativity (``math.inf`` when unbounded). ``latent``: counts
    not printed, unknown like the hidden ones."""
    from scipy.optimize import linprog

    links: list[Relation] = [*relations, *((big, (small,)) for big, small in bounds)]
    n_eq = len(relations)
    component = _components(values, links)
    out = []
    for key in sorted(hidden):
        rels = [(i, links[i]) for i in component.get(key, [])]
        if not rels:
            out.append(Range(key, values[key], 0.0, math.inf))
            continue
        unknowns = sorted({k for _i, (total, parts) in rels for k in (total, *parts)
                           if k in hidden or k in latent})
        index = {k: i for i, k in enumerate(unknowns)}
        eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
        for i, (total, parts) in rels:
            row = [0.0] * len(unknowns)
            b = 0.0
            for k, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
                if k in index:
                    row[index[k]] += sign
                else:
                    b -= sign * values[k]
            if not any(row):
                continue
            if i < n_eq:  # total - sum(parts) = 0
                eq_rows.append(row)
                eq_rhs.append(b)
            else:  # larger - smaller >= 0, as smaller - larger <= 0
                ub_rows.append([-x for x in row])
                ub_rhs.append(-b)
        problem: dict[str, Any] = {"bounds": [(0, None)] * len(unknowns), "method": "highs"}
        if eq_rows:
            problem.update(A_eq=eq_rows, b_eq=eq_rhs)
        if ub_rows:
            problem.update(A_ub=ub_rows, b_ub=ub_rhs)
        target = [0.0] * len(unknowns)
        target[index[key]] = 1.0
        low = linprog(target, **problem)
        high = linprog([-x for x in target], **problem)
        lo = float(low.fun) if low.status == 0 else 0.0
        hi = -float(high.fun) if high.status == 0 else math.inf
        out.append(Range(key, values[key], lo, hi))
    return out


def audit_ranges(values: dict[str, float], hidden: set[str], relations: Sequence[Relation],
                 threshold: int, bounds: Sequence[Bound] = (),
                 latent: set[str] | frozenset[str] = frozenset()) -> list[Finding]:
    """The hidden counts narrowed to a range less than ``threshold`` wide."""
    return [Finding(r.key, r.value, r.low, r.high) for r in ranges(values, hidden, relations, bounds, latent)
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
        for keys in groups.values():  # each connected table on its own
            while True:
                findings = audit_ranges(self.values, hidden & keys, self.relations, self.threshold, self.bounds,
                                        latent)
                if not findings:
                    break
                cover = self._cover(findings[0].key, hidden, latent)
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

    def _cover(self, key: str, hidden: set[str], latent: set[str]) -> str | None:
        """The next printed count to hide so that ``key`` gets a range at least the
        threshold wide. Only the *frontier* can pin ``key`` down: the shown counts
        linked to it directly or through hidden and latent counts. Of those
        (smallest first, never a zero: a zero hides nothing), the first that is
        enough on its own, else the smallest."""
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
            if not audit_ranges(self.values, {key}, self.relations, self.threshold, self.bounds, unknown | {k}):
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
