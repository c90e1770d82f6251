"""``{{ cell|figure:"pct" }}``: a report figure as text, or "< 5" when it is a
hidden small cell. Formats: ``count`` (default), ``pct`` (a share 0–1 as 41.3%),
``num`` (one decimal), ``num2`` (two decimals), ``p`` (a p-value: two decimals,
three below 0.01, "< 0.001" below that), ``days`` (whole number), ``money``
(whole number with thousands separators). A figure hidden only so that a small
one cannot be worked out (complementary suppression) reads "hidden"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from peerpath.outcomes.cells import Cell

register = template.Library()


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    # Rounded first: number_format cuts a float's extra decimals (66.67 → "66.6").
    if kind == "pct":
        return f"{number_format(round(100 * float(value), 1), 1)}%"
    if kind == "num":
        return number_format(round(float(value), 1), 1)
    if kind == "p":  # a p-value, as journals print it
        p = float(value)
        if p < 0.001:
            return "< " + number_format(0.001, 3)
        return number_format(round(p, 3 if p < 0.01 else 2), 3 if p < 0.01 else 2)
    if kind == "num2":
        return number_format(round(float(value), 2), 2)
    if kind in {"days", "money"}:
        return number_format(round(float(value)), 0, force_grouping=(kind == "money"))
    return number_format(value, 0, force_grouping=True) if isinstance(value, int) else str(value)


@register.filter
def figure(cell: Any, kind: str = "count") -> SafeString | str:
    if isinstance(cell, Cell):
        if cell.secondary:  # not small itself: "< 5" would be false
            return format_html(
                '<abbr class="suppressed" title="{}">{}</abbr>',
                _("Hidden so that a small figure cannot be worked out from the figures beside it"),
                _("hidden"),
            )
        if cell.hidden:
            return format_html(
                '<abbr class="suppressed" title="{}">&lt; {}</abbr>',
                _("Fewer than %(n)d members: hidden to protect privacy") % {"n": cell.threshold},
                cell.threshold,
            )
        return format_value(cell.value, kind)
    return format_value(cell, kind)
