"""Figures of a report and small-cell suppression (pure Python, no Django).

Every figure a report shows is a ``Cell``: its value and how many members it was
built from. In researcher views and in exported reports (PDF, the ``peerpath
report`` command), a figure built from 1 to ``threshold - 1`` members is hidden:
``Cell.hidden`` is true and templates print "< threshold" instead of the value. A
figure built from no member is shown (there is nothing to identify), as is any
figure on the staff's own pages.

A hidden figure must not be recoverable from figures shown beside it: a part of a
total (``part``) is hidden whenever its share is, and in a set of figures that add
up to a total shown with them (``hidden_with_total``), a lone hidden figure takes
the next smallest one along (as ``peerpath.exports.tables.suppress_small`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peerpath.exports.tables import suppress_small


class Cell:
    """A figure: its value, how many members it is built from, and whether it is
    hidden — decided when it is made (``hidden``), or by the ledger of the report
    that declared it (``peerpath.outcomes.disclosure.Ledger``) when first read."""

    __slots__ = ("_hidden", "key", "ledger", "n", "threshold", "value")

    def __init__(self, value: Any, n: int, hidden: bool = False, threshold: int = 0, *, key: str = "",
                 ledger: Any = None) -> None:
        self.value = value  # a number, or None when there is nothing to compute (e.g. no denominator)
        self.n = n  # members the figure is built from
        self._hidden = hidden
        self.threshold = threshold  # when hidden: the figure was built from fewer members than this
        self.key = key  # its name in the ledger, when declared in one
        self.ledger = ledger

    @property
    def hidden(self) -> bool:
        return self._hidden or (self.ledger is not None and bool(self.ledger.hides(self.key)))

    @property
    def secondary(self) -> bool:
        """Hidden although not small itself: so that a small figure cannot be worked out."""
        if not self.hidden:
            return False
        if self.ledger is not None:
            return not self.ledger.primary(self.key)
        return not 0 < self.n < self.threshold

    @property
    def shown(self) -> Any:
        """The value, or None when hidden."""
        return None if self.hidden else self.value

    def _tuple(self) -> tuple[Any, ...]:
        return (self.value, self.n, self.hidden, self.threshold)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cell) and self._tuple() == other._tuple()

    def __hash__(self) -> int:
        return hash((self.value, self.n, self.threshold, self.key))

    def __repr__(self) -> str:
        return f"Cell(value={self.value!r}, n={self.n}, hidden={self.hidden}, threshold={self.threshold})"


@dataclass(frozen=True)
class Suppression:
    """Whether small cells are hidden, and below which count."""

    active: bool
    threshold: int

    def cell(self, value: Any, n: int, *, hidden: bool = False) -> Cell:
        """A figure built from ``n`` members; ``hidden``: hide it whatever ``n``
        (a figure that would give a hidden one away)."""
        return Cell(value, n, hidden=self.active and hidden or self.hides(n), threshold=self.threshold)

    def hides(self, n: int) -> bool:
        return self.active and 0 < n < self.threshold

    def count(self, n: int) -> Cell:
        """A count of members: built from itself."""
        return self.cell(n, n)

    def share(self, numerator: int, denominator: int) -> Cell:
        """A proportion of members: built from the denominator; also hidden when the
        numerator or the rest of the denominator alone is a small cell, which
        would identify the few members on either side."""
        value = numerator / denominator if denominator else None
        return Cell(value, denominator, hidden=self._hides_share(numerator, denominator), threshold=self.threshold)

    def part(self, numerator: int, denominator: int) -> Cell:
        """A count of members that is part of a total shown beside it (worked of
        served): hidden whenever ``share(numerator, denominator)`` is, or the total
        minus the part would give away the few the share hides."""
        return Cell(numerator, numerator, hidden=self._hides_share(numerator, denominator), threshold=self.threshold)

    def _hides_share(self, numerator: int, denominator: int) -> bool:
        return self.hides(denominator) or self.hides(numerator) or self.hides(denominator - numerator)

    def hidden_with_total(self, ns: list[int]) -> list[bool]:
        """Which figures of a set shown with their total to hide, given how many
        members each is built from (the total among them): the small ones, and when
        exactly one is small, the next smallest one too, so that it cannot be
        recovered by subtracting the shown figures from the total. A figure built
        from nobody is shown and is no cover (a zero hides nothing)."""
        if not self.active:
            return [False] * len(ns)
        nobody = max(ns, default=0) + self.threshold + 1  # above every other: chosen last
        return [c is None for c in suppress_small([n or nobody for n in ns], self.threshold)]
