"""A figure as a chart draws it: its number, nothing (not computable), or marked as
hidden (``charts.Hidden``), so that a hidden small cell never reads as zero."""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerpath.outcomes.cells import Cell
from peerpath.outcomes.charts import Hidden, Value


def chart_value(cell: Cell | None) -> Value:
    if cell is None:
        return None
    if cell.hidden:
        label = _("hidden") if cell.secondary else f"< {cell.threshold}"
        return Hidden(label, _("Hidden (not zero)"))
    return None if cell.shown is None else float(cell.shown)
