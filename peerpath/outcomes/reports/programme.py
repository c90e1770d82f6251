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
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.reports.ips_quarterly import quarter_rows
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
        "started": scope.part(km.events if km is not None else 0, n),
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
    return {"jobs": scope.cell(len(d), n), "members": scope.count(n), "rows": rows}


def starts_rows(scope: ReportScope) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Job starts in the whole period and by quarter (label and cells). The
    quarters add up to the total shown below them: a lone hidden quarter takes the
    next smallest figure along (``Suppression.hidden_with_total``), all jobs and
    competitive jobs each on their own."""
    total, quarters = figures.job_starts(scope)
    every = [*quarters, total]
    hide_all = scope.suppression.hidden_with_total([s.members for s in every])
    hide_competitive = scope.suppression.hidden_with_total([s.competitive_members for s in every])
    rows = [
        {
            "label": s.quarter.label if s.quarter is not None else scope.period.label,
            "jobs": scope.suppression.cell(s.jobs, s.members, hidden=hide),
            "members": scope.suppression.cell(s.members, s.members, hidden=hide),
            "competitive_jobs": scope.suppression.cell(s.competitive_jobs, s.competitive_members, hidden=hide_c),
            "competitive_members": scope.suppression.cell(s.competitive_members, s.competitive_members,
                                                          hidden=hide_c),
        }
        for s, hide, hide_c in zip(every, hide_all, hide_competitive, strict=True)
    ]
    return rows[-1], rows[:-1]


def _shown(cell: Cell) -> float | None:
    return None if cell.shown is None else float(cell.shown)


def build(scope: ReportScope) -> dict[str, Any]:
    caseload = figures.caseload_figures(scope)
    starts_total, starts = starts_rows(scope)
    employment = quarter_rows(scope)
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
        "day": survival.censoring_day(scope),
        "caseload": scope.count(caseload["active"]),
        "employed_now": scope.count(caseload["employed_now"]),
        "starts_total": starts_total,
        "starts": starts,
        "starts_chart": starts_chart,
        "employment": employment,
        "employment_chart": employment_chart,
        "first_job": first,
        "retention": kept,
        "retention_6": kept["rows"][0]["estimate"],
        "hours": {
            "jobs": scope.cell(hw.jobs, hw.members), "mean_hours": scope.cell(hw.mean_hours, hw.members),
            "wages": [{"currency": w.currency, "median": scope.cell(w.median, w.members)} for w in hw.wages],
            "hours_worked": scope.cell(hw.hours_worked, hw.hours_members),
        },
        "helping": {
            "hours": scope.cell(helping_hours, helping["helpers"]),
            "contacts": scope.cell(helping["contacts"], helping["helpers"]),
            "helpers": scope.count(helping["helpers"]), "helped": scope.count(helping["helped"]),
        },
        "due": {"due": scope.count(due["due"]), "overdue": scope.part(due["overdue"], due["due"])},
        "due_horizon_days": figures.DUE_HORIZON_DAYS, "due_grace_days": figures.DUE_GRACE_DAYS,
    }
