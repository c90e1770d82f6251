"""Job tenure: Kaplan–Meier curves of time to job end (ongoing jobs censored) and of
time from enrolment to the first competitive job, with 95% confidence bands,
medians, numbers at risk and 6- and 12-month retention (lifelines)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.exports.tables import suppress_small
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


def split_counts(scope: ReportScope, member_ids: np.ndarray, mask: np.ndarray,
                 hide: bool = False) -> tuple[Cell, Cell]:
    """The rows in ``mask`` and the other rows, as counts hidden together (the
    semantics of ``scope.share``, on members): both are hidden when the members of
    all the rows, or the members of either side alone, are a small cell — or when
    ``hide`` — so that neither can be read off the other and the total."""
    members = [len(set(member_ids[m].tolist())) for m in (np.ones(len(mask), dtype=bool), mask, ~mask)]
    hidden = hide or any(scope.suppression.hides(k) for k in members)
    threshold = scope.suppression.threshold
    return (Cell(int(mask.sum()), members[0], hidden=hidden, threshold=threshold),
            Cell(int((~mask).sum()), members[0], hidden=hidden, threshold=threshold))


def complements(scope: ReportScope, members: list[int]) -> list[bool]:
    """Which rows of a table (each built from ``members[i]`` members; the rows add
    up to a total shown elsewhere) to hide: the small cells, and when exactly one
    row is hidden the next smallest too (``exports.tables.suppress_small``), so
    that no hidden row is the total minus the shown ones. Empty rows stay shown."""
    if not scope.suppression.active:
        return [False] * len(members)
    filled = [i for i, k in enumerate(members) if k > 0]
    shown = suppress_small([members[i] for i in filled], scope.suppression.threshold)
    hidden = [False] * len(members)
    for i, value in zip(filled, shown, strict=True):
        hidden[i] = value is None
    return hidden


def curve_figures(scope: ReportScope, d: survival.Durations, label: str = "", hide: bool = False) -> dict[str, Any]:
    """The Kaplan–Meier figures of ``d`` as cells (each built from the members of
    ``d``): rows, members, events and censored rows (hidden together, see
    ``split_counts``), median with CI, estimates at the usual days with the number
    at risk, and the curve itself (empty when hidden). ``hide``: hide every figure
    (a complement of a hidden row, see ``complements``)."""
    km = survival.kaplan_meier(d)
    n = d.members
    hidden = hide or scope.suppression.hides(n)

    def cell(value: Any, members: int) -> Cell:
        if hide and members > 0:
            return Cell(value, members, hidden=True, threshold=scope.suppression.threshold)
        return scope.cell(value, members)

    def estimates(days: float) -> dict[str, Cell]:
        est, lo, hi = km.at(days) if km is not None and estimable(km, days) else (None, None, None)
        return {"estimate": cell(est, n), "low": cell(lo, n), "high": cell(hi, n)}

    points = [{"days": days, "at_risk": cell(d.at_risk(days), d.members_at_risk(days)), **estimates(days)}
              for days in AT_RISK_DAYS]
    retention = [{"days": days, "label": name, **estimates(days)} for days, name in RETENTION]
    low, high = km.median_ci if km is not None else (None, None)
    curve = (label, [], [], None, None) if km is None or hidden else (label, km.times, km.survival, km.lower, km.upper)
    events, censored = split_counts(scope, d.member_ids, d.observed, hide)
    return {
        "label": label, "rows": cell(len(d), n), "members": cell(n, n), "events": events, "censored": censored,
        "median": cell(km.median if km is not None else None, n),
        "median_low": cell(low, n), "median_high": cell(high, n),
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

