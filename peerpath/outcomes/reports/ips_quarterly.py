"""IPS quarterly outcomes: per quarter, people served and the share who worked in a
competitive job during it, against the 31% / 41% / 50% benchmarks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes.chart_values import chart_value
from peerpath.outcomes.charts import bar_chart
from peerpath.outcomes.employment_figures import quarterly_employment
from peerpath.outcomes.ips_benchmarks import BENCHMARKS, level_reached
from peerpath.outcomes.registry import ReportOption, ReportSpec
from peerpath.outcomes.scope import ReportScope

SPEC = ReportSpec(
    slug="ips_quarterly",
    title=gettext_lazy("IPS quarterly outcomes"),
    summary=gettext_lazy(
        "People served in each quarter and the share who worked in a competitive job during it, "
        "against the IPS benchmarks (31% minimal, 41% average, 50% excellent)."
    ),
    options=(
        ReportOption(
            "out_of_work_at_entry", gettext_lazy("Only people out of work at entry"),
            help_text=gettext_lazy("Count only members who were not already working when they enrolled: in a "
                                   "competitive job that started before their enrolment date and was still held "
                                   "on it."),
        ),
    ),
)


def level_labels() -> dict[str | None, str]:
    return {
        "excellent": _("Excellent (50% or more)"),
        "average": _("Average (41% or more)"),
        "minimal": _("Minimal (31% or more)"),
        "below": _("Below the minimal benchmark"),
        "partial": _("Partial quarter: not graded"),
        None: "—",
    }


def benchmark_lines() -> list[tuple[float, str]]:
    """The chart's dashed lines: each benchmark's share and name, lowest first."""
    names = {"minimal": _("Minimal benchmark (31%)"), "average": _("Average benchmark (41%)"),
             "excellent": _("Excellent benchmark (50%)")}
    return sorted((threshold, names[name]) for name, threshold in BENCHMARKS)


def quarter_rows(scope: ReportScope, *, out_of_work_at_entry: bool = False, prefix: str = "quarter"
                 ) -> list[dict[str, Any]]:
    """One row per quarter: served, worked (a part of served) and the share as
    declared figures (``<prefix>.<label>.served`` …); the benchmark level is set by
    ``grade`` once every figure of the report is declared."""
    rows = []
    for q in quarterly_employment(scope, scope.period.quarters(), out_of_work_at_entry=out_of_work_at_entry):
        key = f"{prefix}.{q.quarter.label}"
        served = scope.count(q.served, key=f"{key}.served")
        worked = scope.part(q.worked, q.served, key=f"{key}.worked", denominator_key=f"{key}.served")
        share = scope.share(q.worked, q.served, key=f"{key}.share", numerator_key=f"{key}.worked",
                            denominator_key=f"{key}.served")
        rows.append({"label": q.quarter.label, "quarter": q.quarter, "served": served, "worked": worked,
                     "share": share, "level": None, "level_label": ""})
    return rows


def grade(scope: ReportScope, rows: list[dict[str, Any]]) -> None:
    """The benchmark level reached by each row of ``quarter_rows`` (None when the
    share is hidden or cannot be computed). The benchmarks are quarterly: a
    quarter cut to the period, or not over yet, is labelled by its days and not
    graded ("partial")."""
    labels = level_labels()
    for row in rows:
        quarter = row["quarter"]
        whole = quarter.is_whole_quarter and quarter.end <= scope.today
        row["level"] = level_reached(row["share"].shown) if whole else None
        row["level_label"] = labels[row["level"] if whole else "partial"]


def build(scope: ReportScope) -> dict[str, Any]:
    out_of_work = bool(scope.options.get("out_of_work_at_entry"))
    rows = quarter_rows(scope, out_of_work_at_entry=out_of_work)
    grade(scope, rows)
    chart = bar_chart(
        [row["label"] for row in rows],
        [(_("Worked competitively"), [chart_value(row["share"]) for row in rows])],
        heading=_("Share of people served who worked competitively, by quarter"),
        summary=_("Bars: the share of people served in each quarter who worked in a competitive job during it; "
                  "dashed lines: the IPS benchmarks. The numbers are in the table below."),
        empty=_("No one was served in this period."),
        percent=True, references=benchmark_lines(), salt="ips-quarterly",
    )
    return {"quarters": rows, "chart": chart, "out_of_work_at_entry": out_of_work}
