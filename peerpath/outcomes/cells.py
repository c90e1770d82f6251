"""Figures of a report and whether small cells are hidden (pure Python, no Django).

Every figure a report shows is a ``Cell``: its value and how many members it was
built from. In researcher views and in exported reports (PDF, the ``peerpath
report`` command), a figure built from 1 to ``threshold - 1`` members is hidden:
``Cell.hidden`` is true and templates print "< threshold" instead of the value. A
figure built from no member is shown (there is nothing to identify), as is any
figure on the staff's own pages.

Which figures are hidden is decided by the ledger of the report's run
(``peerpath.outcomes.disclosure``): small counts, and enough others that no hidden
figure can be worked out from those shown (complementary suppression, audited by
linear programming).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

    def hides(self, n: int) -> bool:
        return self.active and 0 < n < self.threshold
