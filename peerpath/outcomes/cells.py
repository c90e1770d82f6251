"""Figures of a report and small-cell suppression (pure Python, no Django).

Every figure a report shows is a ``Cell``: its value and how many members it was
built from. In researcher views and in exported reports (PDF, the ``peerpath
report`` command), a figure built from 1 to ``threshold - 1`` members is hidden:
``Cell.hidden`` is true and templates print "< threshold" instead of the value. A
figure built from no member is shown (there is nothing to identify), as is any
figure on the staff's own pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

    def cell(self, value: Any, n: int) -> Cell:
        return Cell(value, n, hidden=self.hides(n), threshold=self.threshold)

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
        hidden = self.hides(denominator) or self.hides(numerator) or self.hides(denominator - numerator)
        return Cell(value, denominator, hidden=hidden, threshold=self.threshold)
