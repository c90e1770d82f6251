"""Programme dashboard: caseload, competitive employment, job starts, time to first
job, job retention, hours and wages, helping hours and questionnaires due."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes import employment_figures as figures
from peerpath.outcomes import survival
from peerpath.outcomes.cells import Cell
from peerpath.outcomes.charts import bar_chart, line_chart
from peerpath.outcomes.period import quarter_label
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.scope import ReportScope

SPEC = ReportSpec(
    slug="programme",
    title=gettext_lazy("Programme dashboard"),
    summary=gettext_lazy(
        "Caseload, competitive employment, job starts, time to first job, job retention, hours and wages, "
        "helping hours and questionnaires due."
    ),
)

RETENTION_DAYS = ((182, gettext_lazy("6 months")), (365, gettext_lazy("12 months")))


def _estimate_at(km: survival.KaplanMeier | None, days: int) -> tuple[float | None, float | None, float | None]:
    """The Kaplan–Meier estimate at ``days`` with its CI; None when no row was
    followed that long and the curve has not reached zero (not estimable)."""
    if km is None or not km.times or (km.times[-1] < days and km.survival[-1] > 0):
        return None, None, None
    return km.at(days)


def first_job(scope: ReportScope) -> dict[str, Any]:
    d = survival.time_to_first_job(scope)
    km = survival.kaplan_meier(d)
    n = d.members
    low, high = km.median_ci if km is not None else (None, None)
    return {
        "members": scope.count(n),
        "started": scope.count(km.events if km is not None else 0),
        "median": scope.cell(km.median if km is not None else None, n),
        "median_low": scope.cell(low, n), "median_high": scope.cell(high, n),
    }


def retention(scope: ReportScope) -> dict[str, Any]:
    d = survival.job_tenure(scope, competitive_only=True)
    km = survival.kaplan_meier(d)
    n = d.members
    rows = []
    for days, label in RETENTION_DAYS:
        est, low, high = _estimate_at(km, days)
        rows.append({"days": days, "label": label, "estimate": scope.cell(est, n),
                     "low": scope.cell(low, n), "high": scope.cell(high, n)})
    return {"jobs": scope.cell(len(d), n), "members": scope.count(n),
            "ended": scope.cell(km.events if km is not None else 0, n), "rows": rows}


def _starts_row(scope: ReportScope, s: figures.Starts) -> dict[str, Any]:  # values: str or Cell
    return {
        "label": quarter_label(s.quarter.start) if s.quarter is not None else scope.period.label,
        "jobs": scope.cell(s.jobs, s.members), "members": scope.count(s.members),
        "competitive_jobs": scope.cell(s.competitive_jobs, s.competitive_members),
        "competitive_members": scope.count(s.competitive_members),
    }


def _shown(cell: Cell) -> float | None:
    return None if cell.shown is None else float(cell.shown)


def build(scope: ReportScope) -> dict[str, Any]:
    caseload = figures.caseload_figures(scope)
    total, quarters = figures.job_starts(scope)
    starts: list[dict[str, Any]] = [_starts_row(scope, s) for s in quarters]
    employment: list[dict[str, Any]] = [
        {"label": quarter_label(q.quarter.start), "served": scope.count(q.served), "worked": scope.count(q.worked),
         "share": scope.share(q.worked, q.served)}
        for q in figures.quarterly_employment(scope, scope.period.quarters())
    ]
    hw = figures.hours_and_wages(scope)
    helping = figures.helping_figures(scope)
    due = figures.questionnaires_due(scope)
    first = first_job(scope)
    kept = retention(scope)
    labels = [row["label"] for row in starts]
    starts_chart = bar_chart(
        labels,
        [(_("All jobs"), [_shown(row["jobs"]) for row in starts]),
         (_("Competitive jobs"), [_shown(row["competitive_jobs"]) for row in starts])],
        heading=_("Job starts by quarter"),
        summary=_("Bars: jobs started in each quarter, all jobs and competitive jobs. The numbers are in the table "
                  "below."),
        empty=_("No job started in this period."), salt="programme-starts",
    )
    employment_chart = line_chart(
        [row["label"] for row in employment],
        [(_("Worked competitively"), [_shown(row["share"]) for row in employment])],
        heading=_("Competitive employment by quarter"),
        summary=_("The share of people served in each quarter who worked in a competitive job during it. The "
                  "numbers are in the table below."),
        empty=_("No one was served in this period."), percent=True, salt="programme-employment",
    )
    helping_hours = helping["minutes"] / 60
    return {
        "day": figures.reference_day(scope),
        "caseload": scope.count(caseload["active"]),
        "employed_now": scope.count(caseload["employed_now"]),
        "starts_total": _starts_row(scope, total),
        "starts": starts,
        "starts_chart": starts_chart,
        "employment": employment,
        "employment_chart": employment_chart,
        "first_job": first,
        "retention": kept,
        "retention_6": kept["rows"][0]["estimate"],
        "hours": {
            "jobs": scope.cell(hw.jobs, hw.members), "members": scope.count(hw.members),
            "mean_hours": scope.cell(hw.mean_hours, hw.members),
            "wages": [{"currency": w.currency, "median": scope.cell(w.median, w.members),
                       "jobs": scope.cell(w.jobs, w.members)} for w in hw.wages],
            "hours_worked": scope.cell(hw.hours_worked, hw.hours_members),
            "hours_members": scope.count(hw.hours_members),
        },
        "helping": {
            "hours": scope.cell(helping_hours, helping["helpers"]),
            "contacts": scope.cell(helping["contacts"], helping["helpers"]),
            "helpers": scope.count(helping["helpers"]), "helped": scope.count(helping["helped"]),
        },
        "due": {"due": scope.count(due["due"]), "overdue": scope.count(due["overdue"]),
                "active": scope.count(due["active"])},
    }
