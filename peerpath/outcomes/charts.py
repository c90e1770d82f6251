"""The report charts: grouped bars, lines over categories, and step curves with a
confidence band (survival). Pure Python and matplotlib; the SVG is rewritten
without CSS like every other chart (see ``peerpath.measures.chart_svg``), so it
shows inline under the strict Content-Security-Policy and in WeasyPrint's PDF.
Callers pass texts already translated; every chart has its table on the page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.patches import Patch

from peerpath.groups.charts import _LOCK, _empty, _figure, _rc, _render, _style

SERIES_COLOURS = ("#1f4e79", "#c0504d", "#2e7d32", "#7a3e9d", "#b8860b", "#555555")
REFERENCE = "#888888"
HATCH = "///"


@dataclass(frozen=True)
class Hidden:
    """A value hidden to protect privacy. Drawn as a short hatched bar (or a mark on a
    line chart) with ``label`` over it (e.g. "< 5"), never as an empty bar that reads
    as zero; ``legend`` explains the hatching. Built by ``chart_values.chart_value``."""

    label: str
    legend: str


Value = float | None | Hidden


def _numbers(values: Sequence[Value]) -> list[float]:
    return [float(v) for v in values if v is not None and not isinstance(v, Hidden)]


def _hidden_legend(series: Sequence[tuple[str, Sequence[Value]]]) -> str | None:
    return next((v.legend for _, values in series for v in values if isinstance(v, Hidden)), None)


def _ticks(axes: object, labels: Sequence[str]) -> None:
    step = max(1, len(labels) // 10)
    axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])  # type: ignore[attr-defined]


def _legend(axes: object, families: list[str], hidden_legend: str | None = None) -> None:
    handles, names = axes.get_legend_handles_labels()  # type: ignore[attr-defined]
    if hidden_legend:
        handles.append(Patch(facecolor="white", edgecolor=REFERENCE, hatch=HATCH))
        names.append(hidden_legend)
    legend = axes.legend(handles, names, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False,  # type: ignore[attr-defined]
                         fontsize=9)
    for text in legend.get_texts():
        text.set_fontfamily(families)


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    heading: str,
    summary: str,
    empty: str,
    percent: bool = False,
    references: Sequence[tuple[float, str]] = (),
    salt: str = "bars",
) -> str:
    """Grouped bars, one group per label and one bar per series; ``None`` values
    (not computable) leave a gap, ``Hidden`` ones (small cells) are a short hatched
    bar labelled with their ``label``. ``percent``: values are
    shares 0–1 drawn as 0–100 %. ``references``: dashed horizontal lines with a label
    (e.g. the IPS benchmarks)."""
    with _LOCK, matplotlib.rc_context(_rc(f"peerpath-outcomes-{salt}")):
        figure, families = _figure(heading)
        if not labels or not any(v is not None for _, values in series for v in values):
            _empty(figure, families, empty)
            return _render(figure, heading, summary)
        hidden_legend = _hidden_legend(series)
        wide_legend = len(series) > 1 or references or hidden_legend
        axes = figure.add_axes((0.08, 0.18, 0.66 if wide_legend else 0.9, 0.62))
        width = 0.8 / max(1, len(series))
        scale = 100.0 if percent else 1.0
        top = 100.0 if percent else max([v * scale for _, values in series for v in _numbers(values)] or [1.0])
        stub = top * 0.12  # a hidden value's bar: visibly not a value, visibly not zero
        for i, ((name, values), colour) in enumerate(zip(series, SERIES_COLOURS, strict=False)):
            offset = (i - (len(series) - 1) / 2) * width
            shown = [(j + offset, float(v) * scale) for j, v in enumerate(values)
                     if v is not None and not isinstance(v, Hidden)]
            axes.bar([x for x, _ in shown], [y for _, y in shown], width=width * 0.95, color=colour, label=name)
            for j, v in enumerate(values):
                if isinstance(v, Hidden):
                    axes.bar([j + offset], [stub], width=width * 0.95, facecolor="white", edgecolor=colour,
                             hatch=HATCH, linewidth=1)
                    axes.text(j + offset, stub, v.label, ha="center", va="bottom", fontsize=9,
                              family=families, color=colour)
        for value, label in references:
            axes.axhline(value * scale, color=REFERENCE, linestyle="--", linewidth=1, label=label)
        if percent:
            axes.set_ylim(0, 100)
        _ticks(axes, labels)
        if wide_legend:
            _legend(axes, families, hidden_legend)
        _style(axes, families)
        return _render(figure, heading, summary)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    heading: str,
    summary: str,
    empty: str,
    value_range: tuple[float, float] | None = None,
    percent: bool = False,
    salt: str = "lines",
) -> str:
    """Lines over categories (e.g. quarters), one per series; ``None`` breaks the line,
    a ``Hidden`` value breaks it too and is marked by its label on a hatched stub at
    the foot of the chart."""
    with _LOCK, matplotlib.rc_context(_rc(f"peerpath-outcomes-{salt}")):
        figure, families = _figure(heading)
        if not labels or not any(v is not None for _, values in series for v in values):
            _empty(figure, families, empty)
            return _render(figure, heading, summary)
        axes = figure.add_axes((0.08, 0.18, 0.66, 0.62))
        scale = 100.0 if percent else 1.0
        for (name, values), colour in zip(series, SERIES_COLOURS, strict=False):
            ys = [float("nan") if v is None or isinstance(v, Hidden) else float(v) * scale for v in values]
            axes.plot(range(len(ys)), ys, marker="o", markersize=4, color=colour, label=name)
        if value_range is not None:
            axes.set_ylim(*value_range)
        elif percent:
            axes.set_ylim(0, 100)
        low, high = axes.get_ylim()
        for i, ((_name, values), colour) in enumerate(zip(series, SERIES_COLOURS, strict=False)):
            for j, v in enumerate(values):
                if isinstance(v, Hidden):
                    stub = (high - low) * 0.1
                    axes.bar([j], [stub], bottom=low, width=0.3, facecolor="white", edgecolor=colour, hatch=HATCH,
                             linewidth=1)
                    axes.text(j, low + stub * (1 + i), v.label, ha="center", va="bottom", fontsize=9,
                              family=families, color=colour)
        _ticks(axes, labels)
        _legend(axes, families, _hidden_legend(series))
        _style(axes, families)
        return _render(figure, heading, summary)


def step_chart(
    curves: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float] | None, Sequence[float] | None]],
    *,
    heading: str,
    summary: str,
    empty: str,
    x_label: str,
    y_label: str,
    salt: str = "steps",
) -> str:
    """Step curves (e.g. Kaplan–Meier survival), each ``(name, times, values, lower,
    upper)`` with values 0–1 drawn as 0–100 %; the band between ``lower`` and
    ``upper`` (a confidence interval) is shaded when given."""
    with _LOCK, matplotlib.rc_context(_rc(f"peerpath-outcomes-{salt}")):
        figure, families = _figure(heading)
        if not any(len(times) for _, times, *_rest in curves):
            _empty(figure, families, empty)
            return _render(figure, heading, summary)
        axes = figure.add_axes((0.1, 0.2, 0.64 if len(curves) > 1 else 0.86, 0.6))
        for (name, times, values, lower, upper), colour in zip(curves, SERIES_COLOURS, strict=False):
            if not len(times):
                continue
            axes.step(list(times), [100 * v for v in values], where="post", color=colour, label=name)
            if lower is not None and upper is not None:
                axes.fill_between(list(times), [100 * v for v in lower], [100 * v for v in upper], step="post",
                                  color=colour, alpha=0.15, linewidth=0)
        axes.set_ylim(0, 100)
        axes.set_xlim(left=0)
        axes.set_xlabel(x_label, fontsize=9, family=families)
        axes.set_ylabel(y_label, fontsize=9, family=families)
        if len(curves) > 1:
            _legend(axes, families)
        _style(axes, families)
        return _render(figure, heading, summary)
