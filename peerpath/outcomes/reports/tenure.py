"""Job tenure: Kaplan–Meier curves of days in a job (every job, and each member's
first competitive job since enrolment, the IPS convention) and of time from
enrolment to the first competitive job, with 95% confidence bands, medians,
numbers at risk and 6- and 12-month retention (lifelines). Days in a job count
the first and the last day."""

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
        "How long members keep their jobs (every job, and each member's first competitive job), and how long they "
        "take to find their first competitive job: Kaplan–Meier curves with 95% confidence bands, medians and "
        "retention at 6 and 12 months."
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


def settings_text(scope: ReportScope, values: dict[int, int]) -> str:
    """An organisation setting as the page states it: one number, or each
    organisation's when the organisations of the report differ."""
    if len(set(values.values())) <= 1:
        return str(next(iter(values.values()), ""))
    return "; ".join(f"{o.name} {values[o.pk]}" for o in scope.organizations)


def first_job_figures(scope: ReportScope, follow: survival.FirstJobFollowUp, key: str = "first_job"
                      ) -> dict[str, Any]:
    """``curve_figures`` of time to first job, and the members left out as already
    working at enrolment and why follow-up ended for the censored (declared: the
    members enrolled are those followed plus those left out; the censored are
    the sum of the three reasons)."""
    figures = curve_figures(scope, follow.durations, _("Members"), key=key)
    already = len(follow.already_working)
    figures["already_working"] = scope.count(already, key=f"{key}.already_working")
    figures["enrolled"] = scope.count(len(follow.durations) + already, key=f"{key}.enrolled")
    scope.total(f"{key}.enrolled", [f"{key}.rows", f"{key}.already_working"])
    reasons = (survival.FOLLOWED, survival.CLOSED, survival.OUT_OF_CONTACT)
    for why in reasons:
        figures[f"censored_{why}"] = scope.count(follow.ended_members(why), value=follow.ended(why),
                                                 key=f"{key}.censored_{why}")
    scope.total(f"{key}.censored", [f"{key}.censored_{why}" for why in reasons])
    figures["inactive_after_days"] = settings_text(scope, follow.inactive_after_days)
    return figures


def build(scope: ReportScope) -> dict[str, Any]:
    all_jobs = bool(scope.options.get("all_jobs"))
    tenure = curve_figures(scope, survival.job_tenure(scope, competitive_only=not all_jobs),
                           _("All jobs") if all_jobs else _("Competitive jobs"), key="tenure")
    first_tenure = curve_figures(scope, survival.first_job_tenure(scope), _("First competitive job of each member"),
                                 key="first_tenure")
    # each member's first competitive job is one of the jobs counted above
    scope.at_least("tenure.rows", "first_tenure.rows")
    scope.at_least("tenure.members", "first_tenure.members")
    first = first_job_figures(scope, survival.time_to_first_job(scope))
    # a member who found a first job had one started since enrolment
    scope.at_least("first_tenure.rows", "first_job.events")
    for figures in (tenure, first_tenure, first):
        finish_curve(scope, figures)
    tenure_chart = step_chart(
        [tenure["curve"]], heading=_("Still in the job"),
        summary=_("Kaplan–Meier estimate of the share of jobs still held, by days since the job started, "
                  "with its 95% confidence band; jobs still going are censored."),
        empty=empty_text(scope, tenure["hidden"]), x_label=_("Days since the job started"),
        y_label=_("Jobs still held (%)"), salt="tenure-jobs",
    )
    first_tenure_chart = step_chart(
        [first_tenure["curve"]], heading=_("Still in the first competitive job"),
        summary=_("Kaplan–Meier estimate of the share of members still in their first competitive job since "
                  "enrolment, by days since it started, with its 95% confidence band; jobs still going are "
                  "censored."),
        empty=empty_text(scope, first_tenure["hidden"]), x_label=_("Days since the job started"),
        y_label=_("Members still in their first job (%)"), salt="tenure-first-job",
    )
    first_chart = step_chart(
        [first["curve"]], heading=_("Not yet in a competitive job"),
        summary=_("Kaplan–Meier estimate of the share of members not yet in a competitive job, by days since "
                  "enrolment, with its 95% confidence band."),
        empty=empty_text(scope, first["hidden"]), x_label=_("Days since enrolment"),
        y_label=_("Members without a competitive job yet (%)"), salt="tenure-first",
    )
    return {"all_jobs": all_jobs, "tenure": tenure, "first_tenure": first_tenure, "first_job": first,
            "tenure_chart": tenure_chart, "first_tenure_chart": first_tenure_chart, "first_job_chart": first_chart,
            "censoring_day": survival.censoring_day(scope)}
