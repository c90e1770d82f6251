"""Progress of one score over time: a server-side SVG chart and the table beside it.

Pure Python and matplotlib (no Django import, no pyplot, no GUI backend).

``progress_svg(series, score=…, language=…, score_range=…)`` draws the score over
time (line and points), the score's bands as light shading labelled at the right
edge, the direction ("Higher is better" / "Lower is better"), reliable
improvement (▲ green) and deterioration (▼ red) with a legend, and dates as
YYYY-MM-DD. ``progress_table`` gives the same numbers as rows for the HTML table
beside the chart; ``progress_summary`` the plain-language summary that the SVG
carries in ``<title>``/``<desc>`` (use it as the ``alt`` of an ``<img>``, where the
SVG's own title is not exposed).

**A point** of ``series`` is ``(date, value, band_label, rci_class)`` (``ChartPoint``
or any 4-tuple): ``band_label`` is the label of the value's band in the chosen
language (None: looked up in ``score.bands``); ``rci_class`` is ``"improved"``,
``"deteriorated"``, ``"unchanged"`` or None. **rci_class is relative to the
baseline**, the member's first assessment of the score (normally the first point),
not to the previous point: the Jacobson–Truax index is defined pre–post, and steps
that are each too small to be reliable can add up to a reliable change, which a
point-to-point comparison would never show. The baseline itself has None. The
chart draws what it is given; ``chart_series`` computes the classes this way from
``(date, value)`` pairs with ``change.reliable_change``. Points are drawn in date
order (a stable sort).

**The SVG** is a complete document of ``viewBox="0 0 640 360"`` and
``width="100%"`` (phone-sized; give the ``<img>`` a width in the stylesheet). Text
stays text (``svg.fonttype = "none"``): searchable, selectable, read by the browser
in its own CJK font; the layout is measured with Noto Sans CJK TC when installed
(``fonts-noto-cjk``), else DejaVu Sans with one logged warning and no crash. The
document has **no CSS at all** — no ``<style>`` element, no ``style`` attribute:
matplotlib's styles are rewritten as presentation attributes (``fill=``,
``stroke=``, ``font-size=`` …), which no Content-Security-Policy governs. So it
renders the same inline in a page with ``style-src 'self'``, as an ``<img>``, and
when opened on its own with the CSP header Django puts on every response (a browser
blocks the inline styles of an SVG document under its own ``style-src 'self'``, and
Firefox has historically done so even inside ``<img>``, bug 1262842). No
``<script>``, no external reference (no DOCTYPE, no metadata, only ``#`` links).

Output is deterministic: the same input gives the same bytes (``svg.hashsalt``,
no date in the metadata, ids derived from the content).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import math
import re
import textwrap
import threading
import warnings
import xml.etree.ElementTree as ET  # noqa: S405 (parses only matplotlib's own output)
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr  # noqa: S406 (escaping only, no parsing)

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .change import MissingNormsError, ReliableChangeClass, change_parameters, reliable_change
from .definitions import Direction, Score

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 640, 360  # SVG user units (the SVG backend draws at 72 dpi: 1 pt = 1 unit)
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Families matplotlib measures text with, the first one installed wins; DejaVu Sans ships
# with matplotlib and has no CJK glyphs.
CJK_FAMILIES = (
    "Noto Sans CJK TC",
    "Noto Sans TC",
    "Source Han Sans TC",
    "Source Han Sans TW",
    "PingFang TC",
    "Microsoft JhengHei",
    "Noto Sans CJK HK",
    # Metrics only (CJK glyphs are one em wide in all of them; the browser renders the
    # text with SVG_FONT_STACK): before matplotlib 3.11 a .ttc lists only its first face.
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK KR",
)
# What the browser renders the text with (Android: Noto; iOS/macOS: PingFang; Windows: JhengHei).
SVG_FONT_STACK = (
    "'Noto Sans CJK TC', 'Noto Sans TC', 'Source Han Sans TC', 'PingFang TC', "
    "'Microsoft JhengHei', sans-serif"
)

LINE_COLOUR = "#1f4e79"
IMPROVED_COLOUR = "#1b7f3b"  # green ▲
DETERIORATED_COLOUR = "#c62828"  # red ▼
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
# Light band shading from the best band to the worst.
BAND_COLOURS = LinearSegmentedColormap.from_list("bands", ["#e3f2e6", "#fdf5d8", "#fbe3e1"])
NEUTRAL_BAND = "#eef1f5"

MARKERS = {ReliableChangeClass.IMPROVED: "▲", ReliableChangeClass.DETERIORATED: "▼"}


# rc_context changes matplotlib's process-wide rcParams (and catch_warnings the warning
# filters): one chart at a time.
_LOCK = threading.Lock()

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "{label}: progress",
        "higher_is_better": "↑ Higher is better",
        "higher_is_worse": "↓ Lower is better",
        "direction_higher_is_better": "Higher scores are better.",
        "direction_higher_is_worse": "Lower scores are better.",
        "improved": "Reliable improvement (vs. first)",
        "deteriorated": "Reliable deterioration (vs. first)",
        "improved_row": "Reliable improvement",
        "deteriorated_row": "Reliable deterioration",
        "unchanged_row": "No reliable change",
        "empty": "No scores recorded yet.",
        "empty_chart": "No scores recorded yet",
        "value_band": "{value} ({band})",
        "single": "One assessment, on {date}: {value}. Change can be shown from the second assessment.",
        "several": "{n} assessments from {first_date} to {last_date}. First score {first}, latest score {last}: {change}.",
        "up": "up {amount} from the first",
        "down": "down {amount} from the first",
        "same": "the same as the first",
        "reliable": (
            "Compared with the first assessment, {improved} of the {later} later assessments "
            "show reliable improvement and {deteriorated} show reliable deterioration."
        ),
        "not_assessed": "Reliable change was not assessed.",
        "range": "Possible scores: {low} to {high}.",
    },
    "zh-hant": {
        "title": "{label}：變化趨勢",
        "higher_is_better": "↑ 分數越高越好",
        "higher_is_worse": "↓ 分數越低越好",
        "direction_higher_is_better": "分數越高越好。",
        "direction_higher_is_worse": "分數越低越好。",
        "improved": "可靠改善（相較第一次）",
        "deteriorated": "可靠惡化（相較第一次）",
        "improved_row": "可靠改善",
        "deteriorated_row": "可靠惡化",
        "unchanged_row": "無可靠變化",
        "empty": "尚無分數紀錄。",
        "empty_chart": "尚無分數紀錄",
        "value_band": "{value}（{band}）",
        "single": "{date} 共 1 次評估：{value}。第二次評估後才能顯示變化。",
        "several": "{first_date} 至 {last_date} 共 {n} 次評估。第一次 {first}，最近一次 {last}，{change}。",
        "up": "比第一次上升 {amount}",
        "down": "比第一次下降 {amount}",
        "same": "與第一次相同",
        "reliable": "與第一次評估相比，之後的 {later} 次評估中有 {improved} 次達到可靠改善、{deteriorated} 次達到可靠惡化。",
        "not_assessed": "未評估可靠變化。",
        "range": "分數範圍 {low} 至 {high}。",
    },
}


def _lang(language: str) -> str:
    return "zh-hant" if language.startswith("zh") else "en"


def _t(language: str, key: str, **values: object) -> str:
    return _TEXTS[_lang(language)][key].format(**values)


# --- points ----------------------------------------------------------------------


class ChartPoint(NamedTuple):
    date: dt.date
    value: float
    band_label: str | None = None
    rci_class: str | None = None  # a ReliableChangeClass value, relative to the baseline


SeriesInput = Iterable[tuple[dt.date, float, str | None, str | None]]

_RCI_CLASSES = {c.value for c in ReliableChangeClass}


def _normalise(series: SeriesInput) -> list[ChartPoint]:
    points = []
    for index, raw in enumerate(series):
        if len(raw) != 4:
            raise ValueError(f"series[{index}]: a point is (date, value, band_label, rci_class)")
        date, value, band_label, rci_class = raw
        if isinstance(date, dt.datetime):
            date = date.date()
        if not isinstance(date, dt.date):
            raise TypeError(f"series[{index}]: date must be a datetime.date, got {date!r}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"series[{index}]: value must be a finite number, got {value!r}")
        if rci_class is not None:
            rci_class = str(rci_class)
            if rci_class not in _RCI_CLASSES:
                raise ValueError(
                    f"series[{index}]: rci_class must be one of {sorted(_RCI_CLASSES)} or None, "
                    f"got {rci_class!r}"
                )
        points.append(ChartPoint(date, number, band_label, rci_class))
    return sorted(points, key=lambda p: p.date)


def band_label_for(score: Score, value: float, language: str) -> str | None:
    """The label of the band of ``score`` that holds ``value`` (bounds inclusive), or None."""
    for band in score.bands:
        if band.min <= value <= band.max:
            return band.label.get(language)
    return None


def chart_series(
    points: Iterable[tuple[dt.date, float]],
    score: Score,
    language: str,
    *,
    sd: float | None = None,
    reliability: float | None = None,
) -> list[ChartPoint]:
    """Chart points from ``(date, value)`` pairs: the band label of each value and its
    reliable change relative to the first (earliest) point, the baseline. ``sd`` and
    ``reliability`` override the score's norms (e.g. the programme's baseline SD); without
    either, every class is None (the chart then shows no reliable change)."""
    pairs = sorted(((d, float(v)) for d, v in points), key=lambda p: p[0])
    classes: list[str | None] = [None] * len(pairs)
    if len(pairs) > 1:
        try:
            params = change_parameters(score, sd=sd, reliability=reliability)
        except MissingNormsError:
            params = None
        if params is not None:
            later = [v for _, v in pairs[1:]]
            result = reliable_change(
                pairs[0][1], later, params.sd, params.reliability, score.direction
            )
            classes[1:] = [None if c is None else str(c) for c in result.classification]
    return [
        ChartPoint(d, v, band_label_for(score, v, language), c)
        for (d, v), c in zip(pairs, classes, strict=True)
    ]


# --- numbers and words ------------------------------------------------------------


def format_number(value: float) -> str:
    """At most two decimals, no trailing zeros, a real minus sign: 12, 2.35, −3."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "\u2212")


def format_change(value: float) -> str:
    """A signed difference: +3, −2.5, 0."""
    text = format_number(value)
    return text if text.startswith("\u2212") or text == "0" else "+" + text


def _band(point: ChartPoint, score: Score, language: str) -> str | None:
    return point.band_label if point.band_label else band_label_for(score, point.value, language)


def _value_with_band(point: ChartPoint, score: Score, language: str) -> str:
    band = _band(point, score, language)
    value = format_number(point.value)
    return _t(language, "value_band", value=value, band=band) if band else value


def progress_summary(
    series: SeriesInput,
    *,
    score: Score,
    language: str,
    score_range: tuple[float, float] | None = None,
) -> str:
    """The chart in a few plain sentences (first and latest value, change, direction,
    how many reliable changes): the SVG's ``<desc>`` and the ``alt`` of an ``<img>``."""
    points = _normalise(series)
    return _summary(points, score, language, score_range)


def _summary(
    points: list[ChartPoint], score: Score, language: str, score_range: tuple[float, float] | None
) -> str:
    if not points:
        return _t(language, "empty")
    first, last = points[0], points[-1]
    if len(points) == 1:
        parts = [
            _t(
                language,
                "single",
                date=first.date.isoformat(),
                value=_value_with_band(first, score, language),
            )
        ]
    else:
        difference = last.value - first.value
        amount = format_number(abs(difference))
        change = (
            _t(language, "same")
            if format_number(difference) == "0"
            else _t(language, "up" if difference > 0 else "down", amount=amount)
        )
        parts = [
            _t(
                language,
                "several",
                n=len(points),
                first_date=first.date.isoformat(),
                last_date=last.date.isoformat(),
                first=_value_with_band(first, score, language),
                last=_value_with_band(last, score, language),
                change=change,
            )
        ]
    parts.append(_t(language, f"direction_{score.direction.value}"))
    if len(points) > 1:
        later = points[1:]
        if all(p.rci_class is None for p in later):
            parts.append(_t(language, "not_assessed"))
        else:
            parts.append(
                _t(
                    language,
                    "reliable",
                    later=len(later),
                    improved=sum(p.rci_class == ReliableChangeClass.IMPROVED for p in later),
                    deteriorated=sum(
                        p.rci_class == ReliableChangeClass.DETERIORATED for p in later
                    ),
                )
            )
    if score_range is not None:
        low, high = score_range
        parts.append(_t(language, "range", low=format_number(low), high=format_number(high)))
    separator = "" if _lang(language) == "zh-hant" else " "
    return separator.join(parts)


def progress_table(series: SeriesInput, score: Score, language: str) -> list[dict[str, Any]]:
    """One row per point, in date order, with the numbers the chart shows:

    ``date`` (YYYY-MM-DD), ``value`` (float) and ``value_display``, ``band`` (label or
    ""), ``change_from_previous`` / ``change_from_first`` (float, None on the first
    row) and their ``…_display`` (signed: +3, −2; "" on the first row), ``rci_class``
    (relative to the first point, or None), ``rci_label`` (in the language, "" when
    None) and ``marker`` ("▲", "▼" or "")."""
    points = _normalise(series)
    rows: list[dict[str, Any]] = []
    for index, point in enumerate(points):
        previous = points[index - 1].value if index else None
        first = points[0].value if index else None
        from_previous = None if previous is None else round(point.value - previous, 10)
        from_first = None if first is None else round(point.value - first, 10)
        rows.append(
            {
                "date": point.date.isoformat(),
                "value": point.value,
                "value_display": format_number(point.value),
                "band": _band(point, score, language) or "",
                "change_from_previous": from_previous,
                "change_from_previous_display": ""
                if from_previous is None
                else format_change(from_previous),
                "change_from_first": from_first,
                "change_from_first_display": ""
                if from_first is None
                else format_change(from_first),
                "rci_class": point.rci_class,
                "rci_label": _t(language, f"{point.rci_class}_row") if point.rci_class else "",
                "marker": MARKERS.get(ReliableChangeClass(point.rci_class), "")
                if point.rci_class
                else "",
            }
        )
    return rows


# --- fonts ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The families matplotlib lays text out with: an installed Traditional Chinese
    font, then DejaVu Sans. Without a CJK font the chart still renders (the browser
    draws the text with its own fonts), only the label widths are guessed."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    cjk = next((name for name in CJK_FAMILIES if name in installed), None)
    if cjk is None:
        logger.warning(
            "No Traditional Chinese font for charts (install fonts-noto-cjk); "
            "Chinese labels are laid out with DejaVu Sans metrics"
        )
        return ("DejaVu Sans",)
    return (cjk, "DejaVu Sans")


def has_cjk_font() -> bool:
    return len(font_families()) > 1


# --- drawing ----------------------------------------------------------------------


def progress_svg(
    series: SeriesInput,
    *,
    score: Score,
    language: str,
    title: str | None = None,
    score_range: tuple[float, float],
) -> str:
    """The progress chart of ``series`` as a standalone SVG document (a string); see
    the module docstring. An empty series gives a chart that says so."""
    low, high = (float(score_range[0]), float(score_range[1]))
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"score_range must be (low, high) with low < high, got {score_range!r}")
    points = _normalise(series)
    heading = title or _t(language, "title", label=score.label.get(language))
    summary = _summary(points, score, language, (low, high))
    rc: dict[RcKeyType, Any] = {
        "svg.fonttype": "none",  # text stays text
        "svg.hashsalt": "peerpath-progress-chart",  # deterministic ids
        "text.parse_math": False,  # a "$" in a label is a dollar sign, not mathtext
        "axes.unicode_minus": True,
    }
    with _LOCK, matplotlib.rc_context(rc), warnings.catch_warnings():
        if not has_cjk_font():
            # Degraded but working: logged once in font_families(), not a warning per label.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        figure = _draw(points, score, language, heading, (low, high))
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _finalise(buffer.getvalue(), heading, summary)


def _draw(
    points: list[ChartPoint],
    score: Score,
    language: str,
    heading: str,
    score_range: tuple[float, float],
) -> Figure:
    families = list(font_families())
    figure = Figure(figsize=(WIDTH / 72, HEIGHT / 72), dpi=72)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    text: dict[str, Any] = {"family": families, "color": TEXT_COLOUR}
    figure.text(0.02, 0.96, heading, fontsize=13, fontweight="bold", va="top", ha="left", **text)
    if not points:
        figure.text(
            0.5, 0.5, _t(language, "empty_chart"), fontsize=14, ha="center", va="center",
            family=families, color=MUTED_COLOUR,
        )  # fmt: skip
        return figure
    figure.text(
        0.02, 0.875, _t(language, score.direction.value), fontsize=10, va="top", ha="left",
        family=families, color=MUTED_COLOUR,
    )  # fmt: skip
    right = 0.775 if score.bands else 0.96
    axes = figure.add_axes((0.075, 0.2, right - 0.075, 0.6))
    low, high = score_range
    values = [p.value for p in points]
    y_low, y_high = min(low, *values), max(high, *values)  # never hide an out-of-range value
    axes.set_ylim(y_low, y_high)
    _draw_bands(axes, score, language, (y_low, y_high), families)
    _draw_points(axes, figure, points, language, families, (y_low, y_high))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#888888")
    axes.tick_params(labelsize=9, colors=MUTED_COLOUR, labelcolor=TEXT_COLOUR)
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontfamily(families)
    return figure


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
    axes: Any, score: Score, language: str, y_range: tuple[float, float], families: list[str]
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
    axes_height = 0.6 * HEIGHT
    span_units = y_range[1] - y_range[0]
    labels: list[_BandLabel] = []
    for start, end, index in spans:
        colour = NEUTRAL_BAND if count == 1 else to_hex(BAND_COLOURS(severity[index] / (count - 1)))
        axes.axhspan(
            start, end, facecolor=colour, edgecolor="none", zorder=0, gid=f"pp-band-{index}"
        )
        label = score.bands[index].label.get(language)
        width = 12 if _lang(language) == "zh-hant" else 22
        lines = textwrap.wrap(" ".join(label.split()), width=width) or [label]
        centre = ((start + end) / 2 - y_range[0]) / span_units * axes_height
        labels.append(_BandLabel(centre, len(lines) * 11.0, "\n".join(lines)))
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
            1.02, entry.centre / axes_height, entry.text, transform=axes.transAxes, fontsize=8.5,
            ha="left", va="center", linespacing=1.15, family=families, color=TEXT_COLOUR,
            clip_on=False,
        )  # fmt: skip


@dataclass
class _BandLabel:
    centre: float  # units above the bottom of the axes
    height: float
    text: str


def _date_ticks(dates: list[dt.date]) -> list[dt.date]:
    """The dates to label: the points' own dates, thinned so that no two labels touch
    (each is ~55 units wide), always the first and the latest."""
    unique = sorted(set(dates))
    if len(unique) <= 1:
        return unique
    span = (unique[-1] - unique[0]).days
    min_gap = span * 0.16
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
) -> None:
    dates = [p.date for p in points]
    xs = [d.toordinal() for d in dates]
    ys = [p.value for p in points]
    span = xs[-1] - xs[0]
    pad = max(span * 0.05, 10)
    axes.set_xlim(xs[0] - pad, xs[-1] + pad)
    ticks = _date_ticks(dates)
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
            frameon=False, prop={"family": families, "size": 9}, handletextpad=0.3,
            columnspacing=1.5,
        )  # fmt: skip

    # The first and latest values, written beside their points.
    span_units = y_range[1] - y_range[0]
    for index in sorted({0, len(points) - 1}):
        x, y = xs[index], ys[index]
        near_top = (y - y_range[0]) / span_units > 0.85
        axes.annotate(
            format_number(y), (x, y), xytext=(0, -16 if near_top else 9), textcoords="offset points",
            ha="center", fontsize=9, fontweight="bold", family=families, color=LINE_COLOUR,
            zorder=6, annotation_clip=False,
        )  # fmt: skip


# --- the SVG without CSS --------------------------------------------------------------


def _svg(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


_STYLE_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
# CSS properties matplotlib writes that are also SVG presentation attributes.
PRESENTATION_ATTRIBUTES = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linejoin", "stroke-linecap", "stroke-dasharray", "stroke-dashoffset",
        "stroke-miterlimit", "opacity", "clip-path", "font-family", "font-size", "font-weight",
        "font-style", "font-variant", "font-stretch", "text-anchor",
    }
)  # fmt: skip


def _finalise(raw: str, heading: str, summary: str) -> str:
    """matplotlib's SVG, rewritten: styles as presentation attributes, no <style>, no
    metadata or DOCTYPE, responsive width, <title>/<desc> and ARIA for screen readers,
    only the ids something refers to."""
    root = ET.fromstring(raw)  # noqa: S314 (matplotlib's own output, no entities)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        if element.tag in (_svg("metadata"), _svg("style")):
            parents[element].remove(element)
    for defs in list(root.iter(_svg("defs"))):
        if len(defs) == 0:
            parents[defs].remove(defs)
    # The rule matplotlib put in <style>, `*{stroke-linejoin: round; stroke-linecap: butt}`,
    # as inherited attributes of the root; an element's own attribute still wins.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style is None:
            continue
        for name, value in _STYLE_DECLARATION.findall(style):
            if name not in PRESENTATION_ATTRIBUTES:
                raise ValueError(f"matplotlib wrote CSS {name!r} that has no SVG attribute")
            element.set(name, SVG_FONT_STACK if name == "font-family" else value)
    referenced = set(re.findall(r"url\(#([^)]+)\)", raw))
    referenced |= {
        value[1:]
        for element in root.iter()
        for key, value in element.attrib.items()
        if key in (f"{{{XLINK_NS}}}href", "href") and value.startswith("#")
    }
    for element in root.iter():
        identifier = element.get("id")
        if identifier is None or identifier in referenced:
            continue
        del element.attrib["id"]
        if identifier.startswith("pp-"):  # our own gids: stable hooks for tests and CSS
            element.set("class", identifier[3:])

    digest = hashlib.sha256((heading + "\0" + summary + "\0" + raw).encode()).hexdigest()[:10]
    prefix = f"pp-chart-{digest}"
    root.set("width", "100%")
    root.attrib.pop("height", None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title {prefix}-desc")
    root.set("font-family", SVG_FONT_STACK)
    title = ET.Element(_svg("title"), {"id": f"{prefix}-title"})
    title.text = heading
    desc = ET.Element(_svg("desc"), {"id": f"{prefix}-desc"})
    desc.text = summary
    root.insert(0, desc)
    root.insert(0, title)
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    out: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _serialise(root, out)
    out.append("\n")
    return "".join(out)


def _name(qualified: str) -> str:
    if qualified.startswith(f"{{{SVG_NS}}}"):
        return qualified[len(SVG_NS) + 2 :]
    if qualified.startswith(f"{{{XLINK_NS}}}"):
        return "xlink:" + qualified[len(XLINK_NS) + 2 :]
    if qualified.startswith("{"):
        raise ValueError(f"unexpected namespace in the chart SVG: {qualified}")
    return qualified


def _serialise(element: ET.Element, out: list[str]) -> None:
    """XML with the SVG namespace as the default and the xlink prefix, written here
    rather than by ElementTree, which would need a process-wide prefix registration."""
    tag = _name(element.tag)
    attributes = "".join(f" {_name(k)}={quoteattr(v)}" for k, v in element.attrib.items())
    out.append(f"<{tag}{attributes}")
    if len(element) == 0 and not element.text:
        out.append("/>")
    else:
        out.append(">")
        out.append(escape(element.text or ""))
        for child in element:
            _serialise(child, out)
        out.append(f"</{tag}>")
    out.append(escape(element.tail or ""))
