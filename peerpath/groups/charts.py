"""Server-side SVG charts of the group page (pure Python and matplotlib, no Django).

The drawing follows the questionnaire charts: a matplotlib ``Figure`` without
pyplot, text kept as text, and the document rewritten by
``peerpath.measures.chart_svg`` into a deterministic SVG without any CSS (so it
is shown inline under the strict Content-Security-Policy). Every chart has a
data table beside it on the page; callers pass texts already translated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from peerpath.measures.chart_svg import _finalise
from peerpath.measures.charts import _LOCK, font_families, has_cjk_font

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import RcKeyType

WIDTH, HEIGHT = 640, 300
TEXT = "#222222"
MUTED = "#555555"
PEER = "#7a3e9d"
SERIES_COLOURS = ("#1f4e79", "#c0504d", "#7a3e9d", "#2e7d32")
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>\s*")


def _render(figure: Figure, heading: str, summary: str) -> str:
    """The figure as an SVG element for inline use (no XML declaration)."""
    buffer = io.StringIO()
    with warnings.catch_warnings():
        if not has_cjk_font():
            # Degraded but working (logged once by font_families), not a warning per glyph.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _XML_DECLARATION.sub("", _finalise(buffer.getvalue(), heading, summary))


def _figure(heading: str) -> tuple[Figure, list[str]]:
    families = list(font_families())
    figure = Figure(figsize=(WIDTH / 72, HEIGHT / 72), dpi=72)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    figure.text(0.02, 0.96, heading, fontsize=13, fontweight="bold", va="top", ha="left",
                family=families, color=TEXT)
    return figure, families


def _style(axes: Axes, families: list[str]) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#888888")
    axes.tick_params(labelsize=9, colors=MUTED, labelcolor=TEXT)
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontfamily(families)


def _empty(figure: Figure, families: list[str], text: str) -> None:
    figure.text(0.5, 0.5, text, fontsize=14, ha="center", va="center", family=families, color=MUTED)


def _rc(salt: str) -> dict[RcKeyType, Any]:
    return {"svg.fonttype": "none", "svg.hashsalt": salt, "text.parse_math": False, "axes.unicode_minus": True}


def attendance_svg(
    months: Sequence[tuple[dt.date, float]], *, heading: str, summary: str, empty: str
) -> str:
    """Attendance rate (0–100 %) per month as bars."""
    with _LOCK, matplotlib.rc_context(_rc("peerpath-group-attendance")):
        figure, families = _figure(heading)
        if not months:
            _empty(figure, families, empty)
        else:
            axes = figure.add_axes((0.08, 0.18, 0.9, 0.62))
            labels = [m.strftime("%Y-%m") for m, _ in months]
            values = [round(100 * r, 1) for _, r in months]
            axes.bar(range(len(values)), values, color=PEER, width=0.7)
            axes.set_ylim(0, 100)
            axes.set_yticks([0, 25, 50, 75, 100])
            step = max(1, len(labels) // 8)
            axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
            _style(axes, families)
        return _render(figure, heading, summary)


def profile_svg(
    factors: Sequence[tuple[str, float]], *, heading: str, summary: str, empty: str
) -> str:
    """The share (0–100 %) of coded incidents naming each factor, as horizontal bars."""
    with _LOCK, matplotlib.rc_context(_rc("peerpath-group-profile")):
        height_units = max(HEIGHT, 60 + 24 * len(factors))
        families = list(font_families())
        figure = Figure(figsize=(WIDTH / 72, height_units / 72), dpi=72)
        FigureCanvasAgg(figure)
        figure.patch.set_facecolor("white")
        figure.text(0.02, 1 - 12 / height_units, heading, fontsize=13, fontweight="bold", va="top",
                    ha="left", family=families, color=TEXT)
        if not factors:
            _empty(figure, families, empty)
        else:
            top = 1 - 44 / height_units
            axes = figure.add_axes((0.36, 0.06, 0.58, top - 0.06))
            names = [name for name, _ in factors][::-1]
            values = [round(100 * share, 1) for _, share in factors][::-1]
            axes.barh(range(len(values)), values, color=PEER, height=0.65)
            axes.set_yticks(range(len(names)), names)
            axes.set_xlim(0, 100)
            for i, value in enumerate(values):
                axes.text(value + 1, i, f"{value:.0f}%", va="center", fontsize=9, color=TEXT, family=families)
            _style(axes, families)
        return _render(figure, heading, summary)


def climate_svg(
    series: Sequence[tuple[str, Sequence[tuple[dt.date, float]]]], *, heading: str, summary: str, empty: str,
    value_range: tuple[float, float] = (0, 6),
) -> str:
    """Mean scores per session date, one line per score (e.g. GCQ-S engaged, avoiding, conflict)."""
    with _LOCK, matplotlib.rc_context(_rc("peerpath-group-climate")):
        figure, families = _figure(heading)
        if not any(points for _, points in series):
            _empty(figure, families, empty)
        else:
            axes = figure.add_axes((0.08, 0.18, 0.66, 0.62))
            for (label, points), colour in zip(series, SERIES_COLOURS, strict=False):
                if points:
                    axes.plot(mdates.date2num([p[0] for p in points]), [p[1] for p in points], marker="o", markersize=4,
                              color=colour, label=label)
            axes.set_ylim(*value_range)
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
            legend = axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=9)
            for text in legend.get_texts():
                text.set_fontfamily(families)
            _style(axes, families)
        return _render(figure, heading, summary)
