"""Peer-group participation and job tenure: do members who take part in their peer
groups keep their jobs longer? Kaplan–Meier curves of competitive job tenure by
attendance tertile with a log-rank test, and a Cox model of job ending on
attendance, helping given and baseline self-efficacy — fixed at the job's start,
and time-varying (measured in the 90 days before each 90-day interval of the
job). An observational association, stated as such on the page."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.outcomes import participation, process_stats, survival, timevarying
from peerpath.outcomes.charts import step_chart
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.reports.tenure import curve_figures, empty_text
from peerpath.outcomes.scope import ReportScope

SPEC = ReportSpec(
    slug="process_outcome",
    title=gettext_lazy("Peer-group participation and job tenure"),
    summary=gettext_lazy(
        "Does taking part in peer groups go with keeping a job? Competitive job tenure by group attendance "
        "before the job started (Kaplan–Meier curves, log-rank test) and Cox models of job ending with "
        "attendance, helping given and baseline self-efficacy, measured before the job and as it goes on."
    ),
)

COVARIATE_LABELS = {
    "attendance": gettext_lazy("Group attendance (per 10 percentage points)"),
    "helping": gettext_lazy("Helping given (per hour)"),
    "gses": gettext_lazy("Baseline self-efficacy (GSES total, per point)"),
}
TV_COVARIATE_LABELS = {
    "attendance": gettext_lazy("Group attendance in the 90 days before (per 10 percentage points)"),
    "no_group": gettext_lazy("No group sessions in the 90 days before"),
    "helping": gettext_lazy("Helping given in the 90 days before (per hour)"),
    "gses": gettext_lazy("Baseline self-efficacy (GSES total, per point)"),
}
TERTILE_NAMES = (gettext_lazy("Lowest third"), gettext_lazy("Middle third"), gettext_lazy("Highest third"))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def tertile_label(i: int, bins: int, edges: list[float]) -> str:
    name = str(TERTILE_NAMES[i]) if bins == 3 else _("Band %(k)d") % {"k": i + 1}
    return _("%(name)s of attendance (%(low)s–%(high)s)") % {"name": name, "low": _pct(edges[i]),
                                                              "high": _pct(edges[i + 1])}


def covariates(scope: ReportScope, jobs: list[tuple[Any, ...]]) -> dict[str, np.ndarray]:
    """Attendance share (NaN: no group), helping hours and baseline GSES (NaN: none)
    per job of ``jobs`` (rows of ``survival.job_tenure_rows``). Four queries."""
    qs = survival.tenure_jobs(scope, competitive_only=True)
    shares = participation.participation(qs)
    minutes = participation.helping_minutes(qs)
    gses = participation.baseline_gses(qs)
    ids = [row[3] for row in jobs]
    share_of = {pk: p.share for pk, p in shares.items()}
    return {
        "attendance": np.array([np.nan if share_of.get(pk) is None else share_of[pk] for pk in ids], dtype=float),
        "helping": np.array([minutes.get(pk, 0) / 60 for pk in ids], dtype=float),
        "gses": np.array([gses.get(pk, np.nan) for pk in ids], dtype=float),
    }


def _cox(scope: ReportScope, d: survival.Durations, cov: dict[str, np.ndarray]) -> dict[str, Any]:
    frame, dropped = process_stats.cox_frame(d.durations, d.observed, d.member_ids, cov["attendance"],
                                             cov["helping"], cov["gses"])
    members = int(frame["member"].nunique())
    result = process_stats.fit_cox(frame)
    out: dict[str, Any] = {"dropped": scope.cell(dropped, d.members), "members": scope.count(members),
                           "jobs": scope.cell(len(frame), members),
                           "events": scope.cell(int(frame["event"].sum()), members)}
    if isinstance(result, process_stats.CoxRefusal):
        if result.reason == "few_events":
            message = _("The Cox model was not fitted: %(events)d jobs ended among the %(n)d jobs with a "
                        "baseline self-efficacy score, and a model of 3 covariates needs at least %(needed)d "
                        "(10 per covariate).") % {"events": result.events, "n": result.n, "needed": result.needed}
        else:
            message = _("The Cox model could not be fitted on these data (%(detail)s).") % {"detail": result.detail}
        if scope.suppression.hides(members):
            message = _("The Cox model was not fitted: too few jobs ended.")
        return {**out, "fitted": False, "message": message}
    rows = []
    for c in result.covariates:
        rows.append({
            "name": c.name, "label": COVARIATE_LABELS[c.name], "hr": scope.cell(c.hazard_ratio, members),
            "low": scope.cell(c.low, members), "high": scope.cell(c.high, members), "p": scope.cell(c.p, members),
            "ph_statistic": scope.cell(c.ph_statistic, members), "ph_p": scope.cell(c.ph_p, members),
            "ph_violated": c.ph_violated,
        })
    violated = [str(COVARIATE_LABELS[name]) for name in result.ph_violated]
    return {**out, "fitted": True, "rows": rows, "concordance": scope.cell(result.concordance, members),
            "ph_violated": ", ".join(violated)}


def _cox_tv(scope: ReportScope, jobs: list[tuple[Any, ...]], d: survival.Durations,
            cov: dict[str, np.ndarray]) -> dict[str, Any]:
    """The time-varying Cox model: covariates measured in the 90 days before each
    90-day interval of follow-up (three queries for the dated records)."""
    qs = survival.tenure_jobs(scope, competitive_only=True)
    records = participation.timeline(qs, scope.org_ids, survival.censoring_day(scope))
    frame = pd.DataFrame({
        "job": [row[3] for row in jobs], "member": d.member_ids,
        "start_day": [row[0].toordinal() for row in jobs], "duration": d.durations, "event": d.observed,
        "gses": cov["gses"],
    })
    table, dropped = timevarying.model_rows(
        timevarying.long_table(frame, records.held, records.marks, records.helping))
    members = int(table["member"].nunique())
    result = timevarying.fit_cox_tv(table)
    out: dict[str, Any] = {
        "interval_days": timevarying.INTERVAL_DAYS, "dropped": scope.cell(dropped, d.members),
        "members": scope.count(members), "jobs": scope.cell(int(table["job"].nunique()), members),
        "intervals": scope.cell(len(table), members), "events": scope.cell(int(table["event"].sum()), members),
    }
    if isinstance(result, process_stats.CoxRefusal):
        if scope.suppression.hides(members):
            message = _("The time-varying Cox model was not fitted: too few jobs ended.")
        elif result.reason == "few_events":
            message = _("The time-varying Cox model was not fitted: %(events)d jobs ended among the %(n)d jobs "
                        "with a baseline self-efficacy score, and a model of %(k)d covariates needs at least "
                        "%(needed)d (10 per covariate).") % {
                "events": result.events, "n": result.n, "k": result.needed // process_stats.EVENTS_PER_COVARIATE,
                "needed": result.needed}
        else:
            message = _("The time-varying Cox model could not be fitted on these data (%(detail)s).") % {
                "detail": result.detail}
        return {**out, "fitted": False, "message": message}
    rows = [
        {"name": c.name, "label": TV_COVARIATE_LABELS[c.name], "hr": scope.cell(c.hazard_ratio, members),
         "low": scope.cell(c.low, members), "high": scope.cell(c.high, members), "p": scope.cell(c.p, members)}
        for c in result.covariates
    ]
    constant = ", ".join(str(TV_COVARIATE_LABELS[name]) for name in result.constant)
    return {**out, "fitted": True, "rows": rows, "constant": constant}


def build(scope: ReportScope) -> dict[str, Any]:
    jobs = survival.job_tenure_rows(scope, competitive_only=True)
    d = survival.make_durations([(s, e, m) for s, e, m, _ in jobs], survival.censoring_day(scope))
    cov = covariates(scope, jobs)
    cuts = process_stats.tertiles(cov["attendance"])
    groups = []
    for i in range(cuts.bins):
        groups.append(curve_figures(scope, d.subset(cuts.codes == i), tertile_label(i, cuts.bins, cuts.edges)))
    no_group = curve_figures(scope, d.subset(cuts.codes == -1), _("No group sessions before the job"))
    in_tertiles = cuts.codes >= 0
    test = process_stats.logrank(d.durations[in_tertiles], d.observed[in_tertiles], cuts.codes[in_tertiles])
    tested_members = d.subset(in_tertiles).members
    chart = step_chart(
        [g["curve"] for g in [*groups, no_group]],
        heading=_("Jobs still held, by group attendance"),
        summary=_("Kaplan–Meier estimates of the share of competitive jobs still held, by days since the job "
                  "started, for each third of group attendance in the 180 days before the job started."),
        empty=empty_text(scope, bool(len(d)) and all(g["hidden"] for g in [*groups, no_group])),
        x_label=_("Days since the job started"), y_label=_("Jobs still held (%)"), salt="process-outcome",
    )
    return {
        "window": participation.WINDOW_DAYS, "jobs": scope.cell(len(d), d.members), "members": scope.count(d.members),
        "groups": [*groups, no_group], "chart": chart,
        "logrank": None if test is None else {
            "statistic": scope.cell(test.statistic, tested_members), "df": test.df,
            "p": scope.cell(test.p, tested_members),
        },
        "cox": _cox(scope, d, cov),
        "cox_tv": _cox_tv(scope, jobs, d, cov),
    }
