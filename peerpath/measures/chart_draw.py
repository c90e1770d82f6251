"""Drawing the progress chart with matplotlib: the layout constants and colours, the
shaded score bands with their labels, the points, the reliable-change markers and
their legend, and the date ticks.

Called by ``charts._draw`` on a ``Figure`` it has set up (no pyplot, no GUI backend);
the font families are passed in, so that ``charts.font_families`` stays the one place
that chooses them.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from typing import Any, NamedTuple

from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .change import ReliableChangeClass
from .chart_text import _lang, _t, format_number
from .definitions import Direction, Score

WIDTH, HEIGHT = 640, 360  # SVG user units (the SVG backend draws at 72 dpi: 1 pt = 1 unit)


@dataclass(frozen=True)
class Layout:
    """The size a chart is drawn at and its type sizes, in SVG units. A chart is
    drawn for the width it is shown at, so that its text keeps its size: ``WIDE``
    for a page column (about 640 px), ``PHONE`` for a 360–400 px phone screen, where
    every text is at least 12 units (12 px when shown at about 360 px)."""

    width: int
    height: int
    title: float
    note: float  # the direction line, the legend
    tick: float
    band: float
    value: float  # first and latest values beside their points
    band_wrap_zh: int  # characters a line of a band label
    band_wrap_en: int
    right: float  # where the axes end (band labels to the right of it)
    left: float
    tick_gap: float  # share of the date span between two labelled dates


WIDE = Layout(WIDTH, HEIGHT, 13, 10, 9, 8.5, 9, 12, 22, 0.775, 0.075, 0.16)
PHONE = Layout(360, 340, 15, 12, 12, 12, 12, 5, 10, 0.68, 0.13, 0.42)

LINE_COLOUR = "#1f4e79"
IMPROVED_COLOUR = "#1b7f3b"  # green ▲
DETERIORATED_COLOUR = "#c62828"  # red ▼
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
# Light band shading from the best band to the worst.
BAND_COLOURS = LinearSegmentedColormap.from_list("bands", ["#e3f2e6", "#fdf5d8", "#fbe3e1"])
NEUTRAL_BAND = "#eef1f5"

MARKERS = {ReliableChangeClass.IMPROVED: "▲", ReliableChangeClass.DETERIORATED: "▼"}


class ChartPoint(NamedTuple):
    """One point of a progress chart (``charts`` re-exports it; defined here, below
    ``charts``, so that the drawing module never imports the module that calls it)."""

    date: dt.date
    value: float
    band_label: str | None = None
    rci_class: str | None = None  # a ReliableChangeClass value, relative to the baseline


def _band_spans(score: Score, y_range: tuple[float, float]) -> list[tuple[float, float, int]]:
    """Contiguous shading: each band reaches halfway to its neighbour (PHQ-9's 0–4 and
    5–9 meet at 4.5), the outer bands reach the ends of the axis. (low, high, index)."""
    ordered = sorted(range(len(score.bands)), key=lambda i: score.bands[i].min)
    spans = []
    for position, index in enumerate(ordered):
        band = score.bands[index]
        below = score.bands[ordered[position - 1]] if position else None
        above = score.bands[ordered[position + 1]] if position + 1 < len(ordered) else None
        start = (below.max + band.min) / 2 if below else y_range[0]
        end = (band.max + above.min) / 2 if above else y_range[1]
        start, end = max(start, y_range[0]), min(end, y_range[1])
        if end > start:
            spans.append((start, end, index))
    return spans


def _draw_bands(
    axes: Any, score: Score, language: str, y_range: tuple[float, float], families: list[str],
    layout: Layout = WIDE,
) -> None:
    spans = _band_spans(score, y_range)
    if not spans:
        return
    # Severity order: for a higher-is-worse score the highest band is the worst.
    by_min = sorted(range(len(score.bands)), key=lambda i: score.bands[i].min)
    if score.direction is Direction.HIGHER_IS_BETTER:
        by_min.reverse()
    severity = {index: rank for rank, index in enumerate(by_min)}
    count = len(score.bands)
    axes_height = 0.6 * layout.height
    span_units = y_range[1] - y_range[0]
    labels: list[_BandLabel] = []
    for start, end, index in spans:
        colour = NEUTRAL_BAND if count == 1 else to_hex(BAND_COLOURS(severity[index] / (count - 1)))
        axes.axhspan(
            start, end, facecolor=colour, edgecolor="none", zorder=0, gid=f"pp-band-{index}"
        )
        label = score.bands[index].label.get(language)
        width = layout.band_wrap_zh if _lang(language) == "zh-hant" else layout.band_wrap_en
        lines = textwrap.wrap(" ".join(label.split()), width=width) or [label]
        centre = ((start + end) / 2 - y_range[0]) / span_units * axes_height
        labels.append(_BandLabel(centre, len(lines) * layout.band * 1.3, "\n".join(lines)))
    # Keep the labels of narrow bands from overlapping: push up, then back down from the top.
    labels.sort(key=lambda entry: entry.centre)
    for below, current in zip(labels, labels[1:], strict=False):
        current.centre = max(current.centre, below.centre + (below.height + current.height) / 2 + 2)
    ceiling = axes_height + 20
    if labels and labels[-1].centre + labels[-1].height / 2 > ceiling:
        labels[-1].centre = ceiling - labels[-1].height / 2
        for above, current in zip(labels[::-1], labels[-2::-1], strict=False):
            current.centre = min(
                current.centre, above.centre - (above.height + current.height) / 2 - 2
            )
    for entry in labels:
        axes.text(
            1.02, entry.centre / axes_height, entry.text, transform=axes.transAxes, fontsize=layout.band,
            ha="left", va="center", linespacing=1.15, family=families, color=TEXT_COLOUR,
            clip_on=False,
        )  # fmt: skip


@dataclass
class _BandLabel:
    centre: float  # units above the bottom of the axes
    height: float
    text: str


def _date_ticks(dates: list[dt.date], gap: float = WIDE.tick_gap) -> list[dt.date]:
    """The dates to label: the points' own dates, thinned so that no two labels touch
    (each is ~55 units wide), always the first and the latest."""
    unique = sorted(set(dates))
    if len(unique) <= 1:
        return unique
    span = (unique[-1] - unique[0]).days
    min_gap = span * gap
    kept = [unique[0]]
    for date in unique[1:]:
        if (date - kept[-1]).days >= min_gap:
            kept.append(date)
    if kept[-1] != unique[-1]:
        if len(kept) > 1 and (unique[-1] - kept[-1]).days < min_gap:
            kept.pop()
        kept.append(unique[-1])
    return kept


def _draw_points(
    axes: Any,
    figure: Figure,
    points: list[ChartPoint],
    language: str,
    families: list[str],
    y_range: tuple[float, float],
    layout: Layout = WIDE,
) -> None:
    dates = [p.date for p in points]
    xs = [d.toordinal() for d in dates]
    ys = [p.value for p in points]
    span = xs[-1] - xs[0]
    pad = max(span * 0.05, 10)
    axes.set_xlim(xs[0] - pad, xs[-1] + pad)
    ticks = _date_ticks(dates, layout.tick_gap)
    axes.set_xticks([d.toordinal() for d in ticks], labels=[d.isoformat() for d in ticks])

    axes.plot(xs, ys, color=LINE_COLOUR, linewidth=2, zorder=3, clip_on=False, gid="pp-score-line")
    plain = [(x, p.value) for x, p in zip(xs, points, strict=True) if p.rci_class not in MARKERS]
    if plain:
        axes.plot(
            [x for x, _ in plain], [y for _, y in plain], linestyle="none", marker="o",
            markersize=6, markerfacecolor="white", markeredgecolor=LINE_COLOUR,
            markeredgewidth=2, zorder=4, clip_on=False, gid="pp-points",
        )  # fmt: skip
    handles = []
    for rci_class, marker, colour in (
        (ReliableChangeClass.IMPROVED, "^", IMPROVED_COLOUR),
        (ReliableChangeClass.DETERIORATED, "v", DETERIORATED_COLOUR),
    ):
        chosen = [(x, p.value) for x, p in zip(xs, points, strict=True) if p.rci_class == rci_class]
        if not chosen:
            continue
        style: dict[str, Any] = {
            "linestyle": "none", "marker": marker, "markersize": 11, "color": colour,
            "markeredgecolor": "white", "markeredgewidth": 1,
        }  # fmt: skip
        axes.plot(
            [x for x, _ in chosen], [y for _, y in chosen], zorder=5, clip_on=False,
            gid=f"pp-reliable-{rci_class.value}", **style,
        )  # fmt: skip
        handles.append(Line2D([], [], label=_t(language, rci_class.value), **style))
    if handles:
        figure.legend(
            handles=handles, loc="lower left", bbox_to_anchor=(0.065, 0.0), ncol=2,
            frameon=False, prop={"family": families, "size": layout.note}, handletextpad=0.3,
            columnspacing=1.5,
        )  # fmt: skip

    # The first and latest values, written beside their points.
    span_units = y_range[1] - y_range[0]
    for index in sorted({0, len(points) - 1}):
        x, y = xs[index], ys[index]
        near_top = (y - y_range[0]) / span_units > 0.85
        axes.annotate(
            format_number(y), (x, y), xytext=(0, -16 if near_top else 9), textcoords="offset points",
            ha="center", fontsize=layout.value, fontweight="bold", family=families, color=LINE_COLOUR,
            zorder=6, annotation_clip=False,
        )  # fmt: skip
