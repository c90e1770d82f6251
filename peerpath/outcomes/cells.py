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


@dataclass(frozen=True)
class Cell:
    value: Any  # a number, or None when there is nothing to compute (e.g. no denominator)
    n: int  # members the figure is built from
    hidden: bool = False
    threshold: int = 0  # when hidden: the figure was built from fewer members than this

    @property
    def shown(self) -> Any:
        """The value, or None when hidden."""
        return None if self.hidden else self.value


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
