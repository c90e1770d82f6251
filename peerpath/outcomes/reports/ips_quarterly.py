"""IPS quarterly outcomes: per quarter, people served and the share who worked in a
competitive job during it, against the 31% / 41% / 50% benchmarks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes.charts import bar_chart
from peerpath.outcomes.employment_figures import quarterly_employment
from peerpath.outcomes.ips_benchmarks import BENCHMARKS, level_reached
from peerpath.outcomes.period import quarter_label
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
            help_text=gettext_lazy("Count only members who were not in a competitive job on their enrolment date."),
        ),
    ),
)


def level_labels() -> dict[str | None, str]:
    return {
        "excellent": _("Excellent (50% or more)"),
        "average": _("Average (41% or more)"),
        "minimal": _("Minimal (31% or more)"),
        "below": _("Below the minimal benchmark"),
        None: "—",
    }


def quarter_rows(scope: ReportScope, *, out_of_work_at_entry: bool = False) -> list[dict[str, Any]]:
    """One row per quarter: served, worked and the share as cells, the benchmark
    level reached (None when the share is hidden or cannot be computed)."""
    labels = level_labels()
    rows = []
    for q in quarterly_employment(scope, scope.period.quarters(), out_of_work_at_entry=out_of_work_at_entry):
        share = scope.share(q.worked, q.served)
        level = level_reached(share.shown)
        rows.append({
            "label": quarter_label(q.quarter.start), "start": q.quarter.start, "end": q.quarter.end,
            "served": scope.count(q.served), "worked": scope.count(q.worked), "share": share,
            "level": level, "level_label": labels[level],
            "reached": {name: (None if share.shown is None else share.shown >= t) for name, t in BENCHMARKS},
        })
    return rows


def build(scope: ReportScope) -> dict[str, Any]:
    out_of_work = bool(scope.options.get("out_of_work_at_entry"))
    rows = quarter_rows(scope, out_of_work_at_entry=out_of_work)
    references = [
        (0.31, _("Minimal benchmark (31%)")), (0.41, _("Average benchmark (41%)")),
        (0.50, _("Excellent benchmark (50%)")),
    ]
    chart = bar_chart(
        [row["label"] for row in rows],
        [(_("Worked competitively"), [row["share"].shown for row in rows])],
        heading=_("Share of people served who worked competitively, by quarter"),
        summary=_("Bars: the share of people served in each quarter who worked in a competitive job during it; "
                  "dashed lines: the IPS benchmarks. The numbers are in the table below."),
        empty=_("No one was served in this period."),
        percent=True, references=references, salt="ips-quarterly",
    )
    return {"quarters": rows, "chart": chart, "out_of_work_at_entry": out_of_work,
            "benchmarks": [(label, share) for share, label in references]}
