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

The work is shared with three helper modules: ``chart_draw`` (matplotlib drawing:
bands, points, markers, ticks, colours), ``chart_svg`` (the CSS-free, deterministic
SVG) and ``chart_text`` (texts in both languages, number formatting).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import threading
import warnings
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .change import MissingNormsError, ReliableChangeClass, change_parameters, reliable_change
from .chart_draw import BAND_COLOURS as BAND_COLOURS
from .chart_draw import DETERIORATED_COLOUR as DETERIORATED_COLOUR
from .chart_draw import HEIGHT as HEIGHT
from .chart_draw import IMPROVED_COLOUR as IMPROVED_COLOUR
from .chart_draw import LINE_COLOUR as LINE_COLOUR
from .chart_draw import MARKERS as MARKERS
from .chart_draw import MUTED_COLOUR as MUTED_COLOUR
from .chart_draw import NEUTRAL_BAND as NEUTRAL_BAND
from .chart_draw import PHONE as PHONE
from .chart_draw import TEXT_COLOUR as TEXT_COLOUR
from .chart_draw import WIDE as WIDE
from .chart_draw import WIDTH as WIDTH
from .chart_draw import ChartPoint as ChartPoint
from .chart_draw import Layout as Layout
from .chart_draw import _draw_bands, _draw_points
from .chart_svg import PRESENTATION_ATTRIBUTES as PRESENTATION_ATTRIBUTES
from .chart_svg import SVG_FONT_STACK as SVG_FONT_STACK
from .chart_svg import SVG_NS as SVG_NS
from .chart_svg import XLINK_NS as XLINK_NS
from .chart_svg import _finalise
from .chart_text import _lang, _t
from .chart_text import format_change as format_change
from .chart_text import format_number as format_number
from .definitions import Score

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

logger = logging.getLogger(__name__)

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


# rc_context changes matplotlib's process-wide rcParams (and catch_warnings the warning
# filters): one chart at a time.
_LOCK = threading.Lock()


# --- points ----------------------------------------------------------------------


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


# --- summary and table --------------------------------------------------------


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
    layout: Layout = WIDE,
) -> str:
    """The progress chart of ``series`` as a standalone SVG document (a string); see
    the module docstring. An empty series gives a chart that says so. ``layout``:
    ``WIDE`` for a page column, ``PHONE`` for a phone screen (text of 12 units or more)."""
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
        figure = _draw(points, score, language, heading, (low, high), layout)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _finalise(buffer.getvalue(), heading, summary)


def _draw(
    points: list[ChartPoint],
    score: Score,
    language: str,
    heading: str,
    score_range: tuple[float, float],
    layout: Layout = WIDE,
) -> Figure:
    families = list(font_families())
    figure = Figure(figsize=(layout.width / 72, layout.height / 72), dpi=72)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    text: dict[str, Any] = {"family": families, "color": TEXT_COLOUR}
    figure.text(0.02, 0.96, heading, fontsize=layout.title, fontweight="bold", va="top", ha="left", **text)
    if not points:
        figure.text(
            0.5, 0.5, _t(language, "empty_chart"), fontsize=max(14, layout.note), ha="center", va="center",
            family=families, color=MUTED_COLOUR,
        )  # fmt: skip
        return figure
    figure.text(
        0.02, 0.875, _t(language, score.direction.value), fontsize=layout.note, va="top", ha="left",
        family=families, color=MUTED_COLOUR,
    )  # fmt: skip
    right = layout.right if score.bands else 0.96
    axes = figure.add_axes((layout.left, 0.2, right - layout.left, 0.6))
    low, high = score_range
    values = [p.value for p in points]
    y_low, y_high = min(low, *values), max(high, *values)  # never hide an out-of-range value
    axes.set_ylim(y_low, y_high)
    _draw_bands(axes, score, language, (y_low, y_high), families, layout)
    _draw_points(axes, figure, points, language, families, (y_low, y_high), layout)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#888888")
    axes.tick_params(labelsize=layout.tick, colors=MUTED_COLOUR, labelcolor=TEXT_COLOUR)
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_fontfamily(families)
    return figure
