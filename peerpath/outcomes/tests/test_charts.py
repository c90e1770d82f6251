"""Report charts: several in one document keep their ids unique (HTML and PDF);
`measures.chart_svg._finalise` prefixes every referenced id with the chart's digest."""

from __future__ import annotations

import re

from peerpath.outcomes.charts import bar_chart, line_chart, step_chart


def _ids(svg: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', svg)


def test_charts_of_one_report_share_no_id_and_each_refers_to_its_own():
    charts = [
        bar_chart(["2026Q1", "2026Q2"], [("A", [0.2, 0.5])], heading="Jobs", summary="s", empty="none",
                  percent=True, references=[(0.31, "minimal")]),
        bar_chart(["2026Q1", "2026Q2"], [("A", [0.3, 0.4])], heading="Jobs", summary="s", empty="none",
                  percent=True, references=[(0.31, "minimal")]),
        line_chart(["2026Q1", "2026Q2"], [("B", [1.0, None])], heading="Lines", summary="s", empty="none"),
        step_chart([("KM", [0, 30, 90], [1.0, 0.8, 0.5], [1.0, 0.6, 0.3], [1.0, 0.9, 0.7])], heading="KM",
                   summary="s", empty="none", x_label="days", y_label="%"),
    ]
    every = [i for svg in charts for i in _ids(svg)]
    assert every and len(every) == len(set(every))
    for svg in charts:
        own = set(_ids(svg))
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert refs <= own, refs - own
