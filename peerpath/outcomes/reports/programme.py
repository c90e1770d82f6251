"""Programme dashboard: caseload, competitive employment, job starts, time to first
job, job retention, stable employment (Taiwan's 穩定就業), hours and wages, helping
hours and questionnaires due."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes import employment_figures as figures
from peerpath.outcomes import survival
from peerpath.outcomes.cells import Cell
from peerpath.outcomes.chart_values import chart_value
from peerpath.outcomes.charts import Value, bar_chart, line_chart
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.reports.ips_quarterly import grade, quarter_rows
from peerpath.outcomes.reports.tenure import settings_text
from peerpath.outcomes.scope import ReportScope

SPEC = ReportSpec(
    slug="programme",
    title=gettext_lazy("Programme dashboard"),
    summary=gettext_lazy(
        "Caseload, competitive employment, job starts, time to first job, job retention, stable employment, "
        "hours and wages, helping hours and questionnaires due."
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
    """Time to first job (``survival.time_to_first_job``): the members followed,
    those who started a job, and those left out as already working at enrolment
    (declared: with the members followed, they are the members enrolled)."""
    follow = survival.time_to_first_job(scope)
    d = follow.durations
    km = survival.kaplan_meier(d)
    n = d.members
    low, high = km.median_ci if km is not None else (None, None)
    members = scope.count(n, key="first.members")
    already = scope.count(len(follow.already_working), key="first.already_working")
    scope.count(n + len(follow.already_working), key="first.enrolled", displayed=False)
    scope.total("first.enrolled", ["first.members", "first.already_working"])
    basis = ("first.members",)
    return {
        "members": members,
        "already_working": already,
        "inactive_after_days": settings_text(scope, follow.inactive_after_days),
        "started": scope.part(km.events if km is not None else 0, n, key="first.started",
                              denominator_key="first.members"),
        "median": scope.cell(km.median if km is not None else None, n, key="first.median", basis=basis),
        "median_low": scope.cell(low, n, key="first.median_low", basis=basis),
        "median_high": scope.cell(high, n, key="first.median_high", basis=basis),
    }


def retention(scope: ReportScope) -> dict[str, Any]:
    """Competitive jobs kept 6 and 12 months: each estimate is hidden with the jobs,
    or when fewer members than the threshold are still at risk that day."""
    d = survival.job_tenure(scope, competitive_only=True)
    km = survival.kaplan_meier(d)
    n = d.members
    members = scope.count(n, key="retention.members")
    jobs = scope.count(n, value=len(d), key="retention.jobs")
    rows = []
    for days, label in RETENTION_DAYS:
        est, low, high = _estimate_at(km, days)
        at_risk = f"retention.at_risk_{days}"
        scope.count(d.members_at_risk(days), key=at_risk, displayed=False)
        basis = ("retention.jobs", at_risk)
        rows.append({"days": days, "label": label,
                     "estimate": scope.cell(est, n, key=f"retention.{days}", basis=basis),
                     "low": scope.cell(low, n, key=f"retention.{days}.low", basis=basis),
                     "high": scope.cell(high, n, key=f"retention.{days}.high", basis=basis)})
    return {"jobs": jobs, "members": members, "rows": rows}


def stable(scope: ReportScope) -> dict[str, Any]:
    """Taiwan's stable-employment figure: members who stayed the set days in one
    competitive job, a part of the members who held one in the period."""
    found = figures.stable_employment(scope)
    held = scope.count(found.held, key="stable.held")
    return {
        "held": held,
        "members": scope.part(found.stable, found.held, key="stable.members", denominator_key="stable.held"),
        "share": scope.share(found.stable, found.held, key="stable.share", numerator_key="stable.members",
                             denominator_key="stable.held"),
        "days": settings_text(scope, found.days),
    }


def starts_rows(scope: ReportScope) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Job starts in the whole period and by quarter (label and cells). Declared
    relations: the quarters' jobs (all, competitive, and the others, which are not
    printed) add up to the period's; in each row, all jobs are competitive jobs
    plus the others, and the members who started a job are those who started a
    competitive one plus those who started only other jobs; there are at least as
    many jobs as members who started them, and at least as many members in the
    period as in any of its quarters."""
    total, quarters = figures.job_starts(scope)
    every = [*quarters, total]
    rows = []
    for s in every:
        key = f"starts.{s.quarter.label if s.quarter is not None else 'all'}"
        row = {
            "label": s.quarter.label if s.quarter is not None else scope.period.label,
            "jobs": scope.count(s.members, value=s.jobs, key=f"{key}.jobs"),
            "members": scope.count(s.members, key=f"{key}.members"),
            "competitive_jobs": scope.count(s.competitive_members, value=s.competitive_jobs,
                                            key=f"{key}.competitive_jobs"),
            "competitive_members": scope.count(s.competitive_members, key=f"{key}.competitive_members"),
        }
        scope.count(s.jobs - s.competitive_jobs, key=f"{key}.other_jobs", displayed=False)
        scope.count(s.members - s.competitive_members, key=f"{key}.other_members", displayed=False)
        scope.total(f"{key}.jobs", [f"{key}.competitive_jobs", f"{key}.other_jobs"])
        scope.total(f"{key}.members", [f"{key}.competitive_members", f"{key}.other_members"])
        for kind in ("", "competitive_", "other_"):  # every member who started a job started one at least
            scope.at_least(f"{key}.{kind}jobs", f"{key}.{kind}members")
        rows.append(row)
    labels = [f"starts.{s.quarter.label}" for s in quarters if s.quarter is not None]
    if labels:
        for kind in ("jobs", "competitive_jobs", "other_jobs"):
            scope.total(f"starts.all.{kind}", [f"{label}.{kind}" for label in labels])
        for kind in ("members", "competitive_members", "other_members"):  # a member may start in two quarters
            for label in labels:
                scope.at_least(f"starts.all.{kind}", f"{label}.{kind}")
    return rows[-1], rows[:-1]


def _shown(cell: Cell) -> Value:
    return chart_value(cell)


def build(scope: ReportScope) -> dict[str, Any]:
    caseload = figures.caseload_figures(scope)
    starts_total, starts = starts_rows(scope)
    employment = quarter_rows(scope)
    hw = figures.hours_and_wages(scope)
    helping = figures.helping_figures(scope)
    due = figures.questionnaires_due(scope)
    first = first_job(scope)
    kept = retention(scope)
    stable_figures = stable(scope)
    # Every figure is declared before the charts read which are hidden.
    caseload_cell = scope.count(caseload["active"], key="caseload")
    employed_now = scope.count(caseload["employed_now"], key="employed_now")
    hours = {
        "jobs": scope.count(hw.members, value=hw.jobs, key="hours.jobs"),
        "mean_hours": scope.cell(hw.mean_hours, hw.members, key="hours.mean", basis=("hours.jobs",)),
        "wages": [{"currency": w.currency,
                   "median": scope.cell(w.median, w.members, key=f"hours.wage.{w.currency}", basis=("hours.jobs",))}
                  for w in hw.wages],
        "hours_worked": scope.cell(hw.hours_worked, hw.hours_members, key="hours.worked"),
    }
    helping_cells = {
        "helpers": scope.count(helping["helpers"], key="helping.helpers"),
        "helped": scope.count(helping["helped"], key="helping.helped"),
        "contacts": scope.count(helping["helpers"], value=helping["contacts"], key="helping.contacts"),
    }
    # the competitive jobs held on the last day are those of the members employed then
    scope.at_least("hours.jobs", "employed_now")
    if scope.period.start <= survival.censoring_day(scope):  # who is in a competitive job on the last day
        scope.at_least("stable.held", "employed_now")  # held one in the period
    scope.at_least("helping.contacts", "helping.helpers")
    helping_cells["hours"] = scope.cell(helping["minutes"] / 60, helping["helpers"], key="helping.hours",
                                        basis=("helping.helpers",))
    due_cells = {"due": scope.count(due["due"], key="due")}
    due_cells["overdue"] = scope.part(due["overdue"], due["due"], key="due.overdue", denominator_key="due")
    grade(scope, employment)
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
    return {
        "day": survival.censoring_day(scope),
        "caseload": caseload_cell,
        "employed_now": employed_now,
        "starts_total": starts_total,
        "starts": starts,
        "starts_chart": starts_chart,
        "employment": employment,
        "employment_chart": employment_chart,
        "first_job": first,
        "retention": kept,
        "retention_6": kept["rows"][0]["estimate"],
        "stable": stable_figures,
        "hours": hours,
        "helping": helping_cells,
        "due": due_cells,
        "due_horizon_days": figures.DUE_HORIZON_DAYS, "due_grace_days": figures.DUE_GRACE_DAYS,
    }
