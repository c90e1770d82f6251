"""Job tenure: Kaplan–Meier curves of time to job end (ongoing jobs censored) and of
time from enrolment to the first competitive job, with 95% confidence bands,
medians, numbers at risk and 6- and 12-month retention (lifelines)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes import survival
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


def members_at_risk(d: survival.Durations, days: float) -> int:
    """Distinct members with a row still followed at ``days``."""
    return len(set(d.member_ids[d.durations >= days].tolist()))


def curve_figures(scope: ReportScope, d: survival.Durations, label: str = "") -> dict[str, Any]:
    """The Kaplan–Meier figures of ``d`` as cells (each built from the members of
    ``d``): rows, members, events, median with CI, estimates at the usual days with
    the number at risk, and the curve itself (empty when hidden)."""
    km = survival.kaplan_meier(d, label)
    n = d.members
    low, high = km.median_ci if km is not None else (None, None)
    points = []
    for days in AT_RISK_DAYS:
        est, lo, hi = km.at(days) if estimable(km, days) and km is not None else (None, None, None)
        points.append({
            "days": days, "at_risk": scope.cell(int((d.durations >= days).sum()), members_at_risk(d, days)),
            "estimate": scope.cell(est, n), "low": scope.cell(lo, n), "high": scope.cell(hi, n),
        })
    retention = []
    for days, name in RETENTION:
        est, lo, hi = km.at(days) if estimable(km, days) and km is not None else (None, None, None)
        retention.append({"days": days, "label": name, "estimate": scope.cell(est, n), "low": scope.cell(lo, n),
                          "high": scope.cell(hi, n)})
    hidden = scope.suppression.hides(n)
    curve = (label, [], [], None, None) if km is None or hidden else (label, km.times, km.survival, km.lower, km.upper)
    return {
        "label": label, "rows": scope.cell(len(d), n), "members": scope.count(n),
        "events": scope.cell(km.events if km is not None else 0, n),
        "censored": scope.cell(len(d) - (km.events if km is not None else 0), n),
        "median": scope.cell(km.median if km is not None else None, n),
        "median_low": scope.cell(low, n), "median_high": scope.cell(high, n),
        "points": points, "retention": retention, "hidden": hidden, "curve": curve,
    }


def empty_text(scope: ReportScope, hidden: bool) -> str:
    if hidden:
        return _("Hidden: fewer than %(n)d members") % {"n": scope.suppression.threshold}
    return _("No data in this period")


def build(scope: ReportScope) -> dict[str, Any]:
    all_jobs = bool(scope.options.get("all_jobs"))
    tenure = curve_figures(scope, survival.job_tenure(scope, competitive_only=not all_jobs),
                           _("All jobs") if all_jobs else _("Competitive jobs"))
    first = curve_figures(scope, survival.time_to_first_job(scope), _("Members"))
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

