"""How report figures print: rounding, p-values, hidden small cells."""

from __future__ import annotations

import pytest
from django.utils import translation

from peerpath.outcomes.disclosure import Ledger
from peerpath.outcomes.templatetags.outcomes import figure


@pytest.mark.parametrize(("value", "kind", "text"), [
    (2 / 3, "pct", "66.7%"),
    (0.889, "pct", "88.9%"),
    (0.62, "p", "0.62"),
    (0.0049, "p", "0.005"),
    (0.00001, "p", "< 0.001"),
    (None, "p", "—"),
    (3.14159, "num2", "3.14"),
    (212.6, "days", "213"),
])
def test_values_print_rounded(value, kind, text):
    with translation.override("en"):
        assert figure(value, kind) == text


def test_a_hidden_small_cell_prints_the_threshold_not_the_value():
    cell = Ledger(active=True, threshold=5).count("n", 3)
    with translation.override("en"):
        shown = str(figure(cell, "count"))
    assert "&lt; 5" in shown and "3" not in shown.replace("&lt; 5", "")
    assert figure(Ledger(active=False, threshold=5).count("n", 3)) == "3"


def test_a_figure_hidden_to_protect_another_says_hidden_not_below_the_threshold():
    ledger = Ledger(active=True, threshold=5)
    ledger.count("n", 30)
    small, cover = ledger.count("a", 2), ledger.count("b", 12)
    ledger.count("c", 16)
    ledger.total("n", ["a", "b", "c"])
    with translation.override("en"):
        assert "&lt; 5" in str(figure(small))
        shown = str(figure(cover))
    assert "hidden" in shown and "12" not in shown and "&lt;" not in shown
