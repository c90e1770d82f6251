"""Peer-group participation and job tenure: do members who take part in their peer
groups keep their jobs longer? Kaplan–Meier curves of competitive job tenure by
attendance tertile with the log-rank test and the log-rank test for trend (shown
only when every tertile has ``cox.MIN_BAND_ENDINGS`` ended jobs), and a Cox model
of job ending on attending groups (0/1), the attendance rate among attenders,
helping given and baseline self-efficacy — fixed at the job's start, and
time-varying (measured in the 90 days before each 90-day interval of the job) —
with robust standard errors clustered by member and, for the fixed model, the
proportional hazards tests per covariate and global. An observational
association, stated as such on the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.employment.models import Job
from peerpath.outcomes import cox, participation, process_stats, survival, timevarying
from peerpath.outcomes.cells import Cell
from peerpath.outcomes.charts import step_chart
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.reports.tenure import curve_figures, empty_text, finish_curve
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
    "attended": gettext_lazy("Attended groups (at least one session before the job)"),
    "attendance": gettext_lazy("Attendance rate among attenders (per 10 percentage points above their mean)"),
    "helping": gettext_lazy("Helping given (per hour)"),
    "gses": gettext_lazy("Baseline self-efficacy (GSES total, per point)"),
}
TV_COVARIATE_LABELS = {
    "attended": gettext_lazy("Attended groups in the 90 days before"),
    "attendance": gettext_lazy("Attendance rate among attenders in the 90 days before (per 10 percentage points "
                               "above their mean)"),
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


def covariates(qs: QuerySet[Job], jobs: list[tuple[Any, ...]]) -> dict[str, np.ndarray]:
    """Attendance share (NaN: no group), the sessions attended and expected,
    helping hours and baseline GSES (NaN: none) per job of ``jobs`` (the rows of
    ``qs``, ``survival.job_tenure_rows``). Three queries."""
    shares = participation.participation(qs)
    minutes = participation.helping_minutes(qs)
    gses = participation.baseline_gses(qs)
    ids = [row[3] for row in jobs]
    share_of = {pk: p.share for pk, p in shares.items()}
    return {
        "attendance": np.array([np.nan if share_of.get(pk) is None else share_of[pk] for pk in ids], dtype=float),
        "attended": np.array([shares[pk].attended if pk in shares else 0 for pk in ids], dtype=float),
        "expected": np.array([shares[pk].expected if pk in shares else 0 for pk in ids], dtype=float),
        "helping": np.array([minutes.get(pk, 0) / 60 for pk in ids], dtype=float),
        "gses": np.array([gses.get(pk, np.nan) for pk in ids], dtype=float),
    }


def _refusal(result: process_stats.CoxRefusal, time_varying: bool, hidden: bool) -> str:
    """Why a Cox model was not fitted; without counts when they are hidden."""
    if hidden:
        if time_varying:
            return _("The time-varying Cox model was not fitted: too few jobs ended.")
        return _("The Cox model was not fitted: too few jobs ended.")
    if result.reason == "few_events":
        numbers = {"events": result.events, "n": result.n, "k": result.needed // process_stats.EVENTS_PER_COVARIATE,
                   "needed": result.needed}
        if time_varying:
            return _("The time-varying Cox model was not fitted: %(events)d jobs ended among the %(n)d jobs "
                     "with a baseline self-efficacy score, and a model of %(k)d covariates needs at least "
                     "%(needed)d (10 per covariate).") % numbers
        return _("The Cox model was not fitted: %(events)d jobs ended among the %(n)d jobs with a baseline "
                 "self-efficacy score, and a model of %(k)d covariates needs at least %(needed)d (10 per "
                 "covariate).") % numbers
    if time_varying:
        return _("The time-varying Cox model could not be fitted on these data (%(detail)s).") % {
            "detail": result.detail}
    return _("The Cox model could not be fitted on these data (%(detail)s).") % {"detail": result.detail}


def _counts(scope: ReportScope, key: str, member_ids: np.ndarray, kept: np.ndarray, observed: np.ndarray,
            total: str) -> dict[str, Any]:
    """The jobs of a model (``kept``) and those left out for lack of a GSES score
    (together the count ``total``), the model's members and its ended jobs, as
    declared figures under ``key``."""
    def members_of(mask: np.ndarray) -> int:
        return len(set(member_ids[mask].tolist()))

    jobs = scope.count(members_of(kept), value=int(kept.sum()), key=f"{key}.jobs")
    dropped = scope.count(members_of(~kept), value=int((~kept).sum()), key=f"{key}.dropped")
    scope.total(total, [f"{key}.jobs", f"{key}.dropped"])
    ended = kept & observed
    events = scope.count(members_of(ended), value=int(ended.sum()), key=f"{key}.events")
    scope.count(members_of(kept & ~observed), value=int((kept & ~observed).sum()), key=f"{key}.ongoing",
                displayed=False)
    scope.total(f"{key}.jobs", [f"{key}.events", f"{key}.ongoing"])
    members = scope.count(members_of(kept), key=f"{key}.members")
    scope.at_least(f"{key}.jobs", f"{key}.members")
    return {"jobs": jobs, "dropped": dropped, "events": events, "members": members}


def _rows(scope: ReportScope, key: str, result: process_stats.CoxResult, labels: dict[str, Any], members: int
          ) -> list[dict[str, Any]]:
    basis = (f"{key}.jobs", f"{key}.events")

    def cell(value: Any, name: str) -> Cell:
        return scope.cell(value, members, key=f"{key}.{name}", basis=basis)

    return [
        {"name": c.name, "label": labels[c.name], "hr": cell(c.hazard_ratio, f"{c.name}.hr"),
         "low": cell(c.low, f"{c.name}.low"), "high": cell(c.high, f"{c.name}.high"), "p": cell(c.p, f"{c.name}.p"),
         "ph_statistic": cell(c.ph_statistic, f"{c.name}.ph"), "ph_p": cell(c.ph_p, f"{c.name}.ph_p"),
         "ph_violated": c.ph_violated}
        for c in result.covariates
    ]


def _centre(scope: ReportScope, key: str, centre: float | None, members: int) -> Cell:
    """The attenders' mean attendance rate the rate term is centred at."""
    return scope.cell(centre, members, key=f"{key}.centre", basis=(f"{key}.jobs",))


def _cox(scope: ReportScope, d: survival.Durations, cov: dict[str, np.ndarray]) -> dict[str, Any]:
    frame, _dropped, centre = process_stats.cox_frame(d.durations, d.observed, d.member_ids, cov["attended"],
                                                      cov["expected"], cov["helping"], cov["gses"])
    out = _counts(scope, "cox", d.member_ids, ~np.isnan(cov["gses"]), d.observed, "jobs")
    members = int(frame["member"].nunique())
    out["centre"] = _centre(scope, "cox", centre, members)
    result = process_stats.fit_cox(frame, centre)
    if isinstance(result, process_stats.CoxRefusal):
        return {**out, "fitted": False, "refusal": result}
    violated = [str(COVARIATE_LABELS[name]) for name in result.ph_violated]
    basis = ("cox.jobs", "cox.events")
    ph_global = result.ph_global
    return {**out, "fitted": True, "rows": _rows(scope, "cox", result, COVARIATE_LABELS, members),
            "concordance": scope.cell(result.concordance, members, key="cox.concordance", basis=basis),
            "ph_global": None if ph_global is None else {
                "statistic": scope.cell(ph_global.statistic, members, key="cox.ph_global", basis=basis),
                "df": ph_global.df,
                "p": scope.cell(ph_global.p, members, key="cox.ph_global.p", basis=basis)},
            "ph_global_violated": ph_global is not None and ph_global.p < process_stats.PH_ALPHA,
            "constant": ", ".join(str(COVARIATE_LABELS[name]) for name in result.constant),
            "ph_violated": ", ".join(violated)}


def _cox_tv(scope: ReportScope, qs: QuerySet[Job], jobs: list[tuple[Any, ...]], d: survival.Durations,
            cov: dict[str, np.ndarray]) -> dict[str, Any]:
    """The time-varying Cox model: covariates measured in the 90 days before each
    90-day interval of follow-up (two queries for the dated records)."""
    import pandas as pd  # type: ignore[import-untyped]

    censor = survival.censoring_day(scope)
    since = min((row[0] for row in jobs), default=censor) - dt.timedelta(days=timevarying.INTERVAL_DAYS)
    records = participation.timeline(qs, scope.org_ids, since, censor)
    frame = pd.DataFrame({
        "job": [row[3] for row in jobs], "member": d.member_ids,
        "start_day": [row[0].toordinal() for row in jobs], "duration": d.durations, "event": d.observed,
        "gses": cov["gses"],
    })
    long = timevarying.long_table(frame, records.marks, records.helping)
    table, _dropped, centre = timevarying.model_rows(long)
    # one row per job with an interval: kept (a GSES score) or not, ended or not
    per_job = long.groupby("job", sort=True).agg(member=("member", "first"), gses=("gses", "first"),
                                                   event=("event", "max"))
    member_ids = per_job["member"].to_numpy(dtype=int)
    # the jobs with an interval: not printed, the kept and left-out ones add up to them
    scope.count(len(set(member_ids.tolist())), value=len(per_job), key="cox_tv.all", displayed=False)
    scope.at_least("jobs", "cox_tv.all")
    out = _counts(scope, "cox_tv", member_ids, per_job["gses"].notna().to_numpy(),
                  per_job["event"].to_numpy(dtype=bool), "cox_tv.all")
    members = int(table["member"].nunique())
    intervals = len(table)
    out.update({"interval_days": timevarying.INTERVAL_DAYS,
                "intervals": scope.cell(intervals, members, key="cox_tv.intervals", basis=("cox_tv.jobs",)),
                "centre": _centre(scope, "cox_tv", centre, members)})
    result = timevarying.fit_cox_tv(table, centre)
    if isinstance(result, process_stats.CoxRefusal):
        return {**out, "fitted": False, "refusal": result}
    constant = ", ".join(str(TV_COVARIATE_LABELS[name]) for name in result.constant)
    return {**out, "fitted": True, "rows": _rows(scope, "cox_tv", result, TV_COVARIATE_LABELS, members),
            "constant": constant}


def _explain(model: dict[str, Any], time_varying: bool) -> dict[str, Any]:
    """A refused model's message, once every figure is declared (without counts
    when they are hidden)."""
    if not model["fitted"]:
        hidden = model["jobs"].hidden or model["events"].hidden
        model["message"] = _refusal(model.pop("refusal"), time_varying, hidden)
    return model


def _logrank(scope: ReportScope, d: survival.Durations, cuts: process_stats.Tertiles,
             groups: list[dict[str, Any]]) -> dict[str, Any]:
    """The log-rank test across the attendance bands and the log-rank test for
    trend over their order (scores 1 … k), both only when there are two bands
    or more and every band has at least ``cox.MIN_BAND_ENDINGS`` ended jobs;
    otherwise the bands with fewer (``short``: their label and declared count of
    ended jobs)."""
    in_bands = cuts.codes >= 0
    durations, observed, codes = d.durations[in_bands], d.observed[in_bands], cuts.codes[in_bands]
    out: dict[str, Any] = {"minimum": cox.MIN_BAND_ENDINGS, "bands": cuts.bins, "shown": False, "short": []}
    if cuts.bins < 2:
        return out
    out["short"] = [{"label": groups[i]["label"], "events": groups[i]["events"]} for i in range(cuts.bins)
                    if int(observed[codes == i].sum()) < cox.MIN_BAND_ENDINGS]
    test = process_stats.logrank(durations, observed, codes)
    trend = cox.logrank_trend(durations, observed, codes)
    if out["short"] or test is None or trend is None:
        return out
    members = d.subset(in_bands).members
    bands = tuple(f"band{i}.rows" for i in range(cuts.bins))
    return {**out, "shown": True,
            "statistic": scope.cell(test.statistic, members, key="logrank.statistic", basis=bands),
            "df": test.df, "p": scope.cell(test.p, members, key="logrank.p", basis=bands),
            "trend": scope.cell(trend.statistic, members, key="logrank.trend", basis=bands),
            "trend_p": scope.cell(trend.p, members, key="logrank.trend.p", basis=bands)}


def build(scope: ReportScope) -> dict[str, Any]:
    qs = survival.tenure_jobs(scope, competitive_only=True)
    jobs_rows = survival.job_tenure_rows(qs)
    d = survival.make_durations([(s, e, m) for s, e, m, _ in jobs_rows], survival.censoring_day(scope),
                                count_end_day=True)  # days in a job count the last day, as in the tenure report
    cov = covariates(qs, jobs_rows)
    cuts = process_stats.tertiles(cov["attendance"])
    masks = [cuts.codes == i for i in range(cuts.bins)] + [cuts.codes == -1]
    labels = [tertile_label(i, cuts.bins, cuts.edges) for i in range(cuts.bins)]
    labels.append(_("No group sessions before the job"))
    # the rows add up to the jobs shown above the table (members may have jobs in several)
    jobs = scope.count(d.members, value=len(d), key="jobs")
    members = scope.count(d.members, key="members")
    scope.at_least("jobs", "members")
    groups = [curve_figures(scope, d.subset(mask), label, key=f"band{i}")
              for i, (mask, label) in enumerate(zip(masks, labels, strict=True))]
    scope.total("jobs", [f"band{i}.rows" for i in range(len(groups))])
    for kind in ("events", "censored"):
        scope.count(int(d.observed.sum()) if kind == "events" else int((~d.observed).sum()), key=f"all.{kind}",
                    displayed=False)
        scope.total(f"all.{kind}", [f"band{i}.{kind}" for i in range(len(groups))])
    for i in range(len(groups)):
        scope.at_least("members", f"band{i}.members")
    logrank = _logrank(scope, d, cuts, groups)
    fixed = _cox(scope, d, cov)
    cox_tv = _cox_tv(scope, qs, jobs_rows, d, cov)
    # every figure is declared: now the curves, messages and chart read what is hidden
    groups = [finish_curve(scope, g) for g in groups]
    window = participation.WINDOW_DAYS
    chart = step_chart(
        [g["curve"] for g in groups],
        heading=_("Jobs still held, by group attendance"),
        summary=_("Kaplan–Meier estimates of the share of competitive jobs still held, by days since the job "
                  "started, for each third of group attendance in the %(days)d days before the job started.")
        % {"days": window},
        empty=empty_text(scope, bool(len(d)) and all(g["hidden"] for g in groups)),
        x_label=_("Days since the job started"), y_label=_("Jobs still held (%)"), salt="process-outcome",
    )
    return {
        "window": window, "jobs": jobs, "members": members, "groups": groups, "chart": chart, "logrank": logrank,
        "cox": _explain(fixed, False), "cox_tv": _explain(cox_tv, True),
    }
