"""A hidden small cell is drawn as hidden (a hatched stub labelled "< 5"), never as
an empty bar that reads as zero, and the chart says what the hatching means."""

from __future__ import annotations

import re

from peerpath.outcomes.cells import Cell
from peerpath.outcomes.chart_values import chart_value
from peerpath.outcomes.charts import Hidden, bar_chart, line_chart

HIDDEN = Hidden("< 5", "Hidden (not zero)")


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]


def test_a_hidden_bar_is_hatched_and_labelled_and_explained_in_the_legend():
    svg = bar_chart(["2026Q1", "2026Q2"], [("Worked", [0.42, HIDDEN])], heading="Jobs", summary="s", empty="none",
                    percent=True)
    assert "&lt; 5" in svg or "< 5" in texts(svg)
    assert "Hidden (not zero)" in svg
    assert re.search(r"<pattern\b", svg)  # the hatching
    assert "style=" not in svg and "<style" not in svg  # still CSS-free for the CSP and the PDF


def test_a_bar_chart_of_shown_values_has_no_hatching_legend():
    svg = bar_chart(["2026Q1"], [("Worked", [0.42])], heading="Jobs", summary="s", empty="none", percent=True)
    assert "Hidden (not zero)" not in svg and "<pattern" not in svg


def test_a_hidden_point_of_a_line_chart_is_marked_at_its_foot():
    svg = line_chart(["2026Q1", "2026Q2", "2026Q3"], [("Share", [0.3, HIDDEN, 0.4])], heading="Lines",
                     summary="s", empty="none", percent=True)
    assert "&lt; 5" in svg or "< 5" in texts(svg)
    assert "Hidden (not zero)" in svg


def test_a_cell_becomes_its_number_nothing_or_hidden():
    assert chart_value(Cell(0.25, 40)) == 0.25
    assert chart_value(Cell(None, 0)) is None
    small = chart_value(Cell(0.5, 3, hidden=True, threshold=5))
    assert isinstance(small, Hidden) and small.label == "< 5"


def test_every_report_tile_writes_its_figure_as_the_styled_number():
    """The stylesheet makes ``.tile .n`` a large number on its own line; a tile
    without it runs its figure into its label (the tenure report did)."""
    from pathlib import Path

    import peerpath.outcomes

    folder = Path(peerpath.outcomes.__file__).parent / "templates" / "outcomes" / "reports"
    for template in folder.glob("*.html"):
        for tile in re.findall(r'<div class="tile[^"]*">(.*?)</div>', template.read_text(encoding="utf-8"), re.S):
            assert '<span class="n' in tile, (template.name, tile[:80])


def test_library_names_appear_only_in_the_method_notes():
    """A Chinese page reads "lifelines" once, in the translated method note, not in
    the middle of a sentence about the figures."""
    from pathlib import Path

    import peerpath.outcomes

    folder = Path(peerpath.outcomes.__file__).parent / "templates" / "outcomes" / "reports"
    for template in folder.glob("*.html"):
        for paragraph in re.findall(r"<p\b[^>]*>.*?</p>", template.read_text(encoding="utf-8"), re.S):
            if re.search(r"lifelines|Greenwood|Fitter", paragraph):
                assert 'class="note method-note"' in paragraph, (template.name, paragraph[:100])
