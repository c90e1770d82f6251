"""Job tenure: Kaplan–Meier curves of time to job end (ongoing jobs censored) and of
time from enrolment to the first competitive job, with 95% confidence bands,
medians, numbers at risk and 6- and 12-month retention (lifelines)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes import survival
from peerpath.outcomes.cells import Cell
from peerpath.outcomes.charts import step_chart
from peerpath.outcomes.registry import ReportOption, ReportSpec
from peerpath.outcomes.scope import ReportScope

SPEC = ReportSpec(
    slug="tenure",
    title=gettext_lazy("Job tenure"),
    summary=gettext_lazy(
        "How long members keep their jobs, and how long they take to find their first competitive job: "
        "Kaplan–Meier curves with 95% confidence bands, medians and retention at 6 and 12 months."
    ),
    options=(
        ReportOption("all_jobs", gettext_lazy("Count non-competitive jobs too"),
                     help_text=gettext_lazy("Without it, only competitive jobs (in the community, open to anyone, "
                                            "at least the minimum wage) are counted.")),
    ),
)

AT_RISK_DAYS = (0, 90, 182, 365, 730)
RETENTION = ((182, gettext_lazy("6 months")), (365, gettext_lazy("12 months")))


def estimable(km: survival.KaplanMeier | None, days: float) -> bool:
    """The curve says something at ``days``: a row was followed that long, or the
    curve has already reached zero."""
    return km is not None and bool(km.times) and (km.times[-1] >= days or km.survival[-1] == 0)


def disclosed_curve(km: survival.KaplanMeier, d: survival.Durations, threshold: int
                    ) -> tuple[list[float], list[float], list[float], list[float]]:
    """The Kaplan–Meier curve as shown where small cells are hidden: it stops before
    fewer than ``threshold`` members remain at risk, and its drops are merged so
    that each step shown covers at least ``threshold`` events (no step reveals a
    single event, nor any number below the threshold)."""
    times, values, lower, upper = [0.0], [1.0], [1.0], [1.0]
    pending = 0
    for t in km.times:
        if t <= 0:
            continue
        if d.members_at_risk(t) < threshold:
            break
        pending += int(((d.durations == t) & d.observed).sum())
        if pending >= threshold:
            estimate, low, high = km.at(t)
            times.append(t)
            values.append(estimate)
            lower.append(low)
            upper.append(high)
            pending = 0
    return times, values, lower, upper


def curve_figures(scope: ReportScope, d: survival.Durations, label: str = "", hide: bool = False,
                  key: str = "curve") -> dict[str, Any]:
    """The Kaplan–Meier figures of ``d`` declared under ``key``: rows, members,
    events and censored rows (the rows are events plus censored), median with CI
    and estimates at the usual days (hidden with the rows, or where few remain at
    risk), the number at risk (never above the rows, never rising), and the curve
    (empty when hidden; ``disclosed_curve`` where small cells are hidden).
    ``hide``: hide every figure whatever its size."""
    km = survival.kaplan_meier(d)
    n = d.members
    rows = scope.count(n, value=len(d), key=f"{key}.rows", hidden=hide)
    members = scope.count(n, key=f"{key}.members", hidden=hide)
    scope.at_least(f"{key}.rows", f"{key}.members")
    events_n = int(d.observed.sum())
    events = scope.count(len(set(d.member_ids[d.observed].tolist())), value=events_n, key=f"{key}.events",
                         hidden=hide)
    censored = scope.count(len(set(d.member_ids[~d.observed].tolist())), value=len(d) - events_n,
                           key=f"{key}.censored", hidden=hide)
    scope.total(f"{key}.rows", [f"{key}.events", f"{key}.censored"])
    base = (f"{key}.rows",)

    def estimates(days: float, name: str) -> dict[str, Cell]:
        est, lo, hi = km.at(days) if km is not None and estimable(km, days) else (None, None, None)
        basis = (*base, f"{key}.at_risk_{days:g}")
        return {"estimate": scope.cell(est, n, key=f"{key}.{name}", basis=basis),
                "low": scope.cell(lo, n, key=f"{key}.{name}.low", basis=basis),
                "high": scope.cell(hi, n, key=f"{key}.{name}.high", basis=basis)}

    points = []
    before = f"{key}.rows"
    for days in AT_RISK_DAYS:
        at_risk = scope.count(d.members_at_risk(days), value=d.at_risk(days), key=f"{key}.at_risk_{days:g}",
                              hidden=hide)
        if days == 0:  # every row is at risk at the start
            scope.total(before, [f"{key}.at_risk_0"])
        else:
            scope.at_least(before, f"{key}.at_risk_{days:g}")
        before = f"{key}.at_risk_{days:g}"
        points.append({"days": days, "at_risk": at_risk, **estimates(days, f"at_{days:g}")})
    retention = [{"days": days, "label": name, **estimates(days, f"at_{days:g}")} for days, name in RETENTION]
    low, high = km.median_ci if km is not None else (None, None)
    return {
        "label": label, "rows": rows, "members": members, "events": events, "censored": censored,
        "median": scope.cell(km.median if km is not None else None, n, key=f"{key}.median", basis=base),
        "median_low": scope.cell(low, n, key=f"{key}.median_low", basis=base),
        "median_high": scope.cell(high, n, key=f"{key}.median_high", basis=base),
        "points": points, "retention": retention, "km": km, "durations": d,
    }


def finish_curve(scope: ReportScope, figures: dict[str, Any]) -> dict[str, Any]:
    """Add the curve and whether the figures are hidden, once every figure of the
    report is declared."""
    km, d = figures["km"], figures["durations"]
    hidden = figures["rows"].hidden
    label = figures["label"]
    if km is None or hidden:
        figures["curve"] = (label, [], [], None, None)
    elif scope.suppression.active:
        figures["curve"] = (label, *disclosed_curve(km, d, scope.suppression.threshold))
    else:
        figures["curve"] = (label, km.times, km.survival, km.lower, km.upper)
    figures["hidden"] = hidden
    return figures


def empty_text(scope: ReportScope, hidden: bool) -> str:
    if hidden:
        return _("Hidden: fewer than %(n)d members") % {"n": scope.suppression.threshold}
    return _("No data in this period")


def build(scope: ReportScope) -> dict[str, Any]:
    all_jobs = bool(scope.options.get("all_jobs"))
    tenure = curve_figures(scope, survival.job_tenure(scope, competitive_only=not all_jobs),
                           _("All jobs") if all_jobs else _("Competitive jobs"), key="tenure")
    first = curve_figures(scope, survival.time_to_first_job(scope), _("Members"), key="first_job")
    finish_curve(scope, tenure)
    finish_curve(scope, first)
    tenure_chart = step_chart(
        [tenure["curve"]], heading=_("Still in the job"),
        summary=_("Kaplan–Meier estimate of the share of jobs still held, by days since the job started, "
                  "with its 95% confidence band; jobs still going are censored."),
        empty=empty_text(scope, tenure["hidden"]), x_label=_("Days since the job started"),
        y_label=_("Jobs still held (%)"), salt="tenure-jobs",
    )
    first_chart = step_chart(
        [first["curve"]], heading=_("Not yet in a competitive job"),
        summary=_("Kaplan–Meier estimate of the share of members not yet in a competitive job, by days since "
                  "enrolment, with its 95% confidence band."),
        empty=empty_text(scope, first["hidden"]), x_label=_("Days since enrolment"),
        y_label=_("Members without a competitive job yet (%)"), salt="tenure-first",
    )
    return {"all_jobs": all_jobs, "tenure": tenure, "first_job": first, "tenure_chart": tenure_chart,
            "first_job_chart": first_chart, "censoring_day": survival.censoring_day(scope)}

