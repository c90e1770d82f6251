"""Survival data of the employment track and thin lifelines wrappers.

Selectors (one query each) turn the members a report may count into duration
arrays: ``job_tenure`` (days from a job's start to its end, ongoing jobs censored)
and ``time_to_first_job`` (days from enrolment to the first competitive job).
``kaplan_meier`` fits lifelines' Kaplan–Meier estimator (95% confidence interval,
exponential Greenwood) and returns plain numbers for tables and ``step_chart``.

Censoring day: ``min(scope.period.end, scope.today)``. A job that ended after the
censoring day counts as ongoing (censored) on that day."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import F, Min, Q, QuerySet

from peerpath.employment.models import Job, competitive_q

if TYPE_CHECKING:
    from peerpath.outcomes.scope import ReportScope


@dataclass(frozen=True)
class Durations:
    durations: np.ndarray  # float days
    observed: np.ndarray  # bool: the event happened; False = censored
    member_ids: np.ndarray  # int, one per row

    def __len__(self) -> int:
        return len(self.durations)

    @property
    def members(self) -> int:
        """How many distinct members the rows come from."""
        return len(set(self.member_ids.tolist()))

    def at_risk(self, days: float) -> int:
        """Rows still followed (neither ended nor censored) just before ``days``."""
        return int((self.durations >= days).sum())

    def members_at_risk(self, days: float) -> int:
        """Distinct members with a row still followed just before ``days``."""
        return len(set(self.member_ids[self.durations >= days].tolist()))

    def subset(self, mask: np.ndarray) -> Durations:
        return Durations(self.durations[mask], self.observed[mask], self.member_ids[mask])


def censoring_day(scope: ReportScope) -> dt.date:
    return min(scope.period.end, scope.today)


def make_durations(rows: Sequence[tuple[dt.date, dt.date | None, int]], censor: dt.date) -> Durations:
    """Durations from ``(start, end or None, member_id)`` rows (pure): an end after
    ``censor`` (or no end) is censored at ``censor``; a start after an end-less
    censoring day never happens here (the selectors filter it)."""
    durations, observed, members = [], [], []
    for start, end, member_id in rows:
        ended = end is not None and end <= censor
        stop = end if ended and end is not None else censor
        durations.append(float(max(0, (stop - start).days)))
        observed.append(ended)
        members.append(member_id)
    return Durations(np.asarray(durations, dtype=float), np.asarray(observed, dtype=bool),
                     np.asarray(members, dtype=int))


def tenure_jobs(scope: ReportScope, *, competitive_only: bool = True) -> QuerySet[Job]:
    """The jobs ``job_tenure`` counts, as a queryset (for subqueries)."""
    jobs = Job.objects.filter(organization_id__in=scope.org_ids, member_id__in=scope.member_ids(),
                              start_date__lte=censoring_day(scope))
    if competitive_only:
        jobs = jobs.filter(competitive_q())
    return jobs


def job_tenure_rows(jobs: QuerySet[Job]) -> list[tuple[Any, ...]]:
    """``(start, end, member_id, job_id)`` of the jobs of ``tenure_jobs``, in a
    stable order (one query)."""
    return list(jobs.order_by("pk").values_list("start_date", "end_date", "member_id", "pk"))


def job_tenure(scope: ReportScope, *, competitive_only: bool = True) -> Durations:
    """Days from each job's start to its end (observed) or the censoring day
    (censored): every job of the scope's members that started by the censoring day
    (competitive jobs only unless ``competitive_only`` is false). One query."""
    rows = job_tenure_rows(tenure_jobs(scope, competitive_only=competitive_only))
    return make_durations([(s, e, m) for s, e, m, _ in rows], censoring_day(scope))


def time_to_first_job(scope: ReportScope) -> Durations:
    """Per member enrolled by the censoring day: days from enrolment to the start of
    the first competitive job held on or after the enrolment day (observed; 0 when
    it started before enrolment and was still held then), or censored at the
    censoring day. A job that ended before enrolment does not count. One query
    (the first start is aggregated in the database)."""
    censor = censoring_day(scope)
    since_enrolment = competitive_q("jobs__") & (
        Q(jobs__end_date__isnull=True) | Q(jobs__end_date__gte=F("enrolment_date")))
    rows = (
        scope.members().filter(enrolment_date__lte=censor)
        .annotate(first_job=Min("jobs__start_date", filter=since_enrolment))
        .order_by("pk").values_list("enrolment_date", "first_job", "pk")
    )
    return make_durations([(enrolled, first, pk) for enrolled, first, pk in rows], censor)


@dataclass(frozen=True)
class KaplanMeier:
    n: int  # rows (jobs or members)
    events: int
    median: float | None  # days; None when the curve never drops to 0.5
    median_ci: tuple[float | None, float | None]
    times: list[float]
    survival: list[float]
    lower: list[float]
    upper: list[float]

    def at(self, days: float) -> tuple[float, float, float]:
        """(estimate, lower, upper) of the step curve at ``days`` (right-continuous)."""
        i = int(np.searchsorted(np.asarray(self.times), days, side="right")) - 1
        i = max(i, 0)
        return self.survival[i], self.lower[i], self.upper[i]


def _finite(value: Any) -> float | None:
    v = float(value)
    return None if math.isinf(v) or math.isnan(v) else v


def kaplan_meier(d: Durations) -> KaplanMeier | None:
    """lifelines' Kaplan–Meier fit of ``d`` (95% CI); None when ``d`` has no row."""
    if not len(d.durations):
        return None
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    kmf = KaplanMeierFitter(label="km")
    kmf.fit(d.durations, event_observed=d.observed)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    lower, upper = ci.iloc[:, 0].fillna(sf), ci.iloc[:, 1].fillna(sf)
    median_ci = median_survival_times(ci)
    return KaplanMeier(
        n=len(d.durations), events=int(d.observed.sum()),
        median=_finite(kmf.median_survival_time_),
        median_ci=(_finite(median_ci.iloc[0, 0]), _finite(median_ci.iloc[0, 1])),
        times=[float(t) for t in sf.index], survival=[float(v) for v in sf.to_numpy()],
        lower=[float(v) for v in lower.to_numpy()], upper=[float(v) for v in upper.to_numpy()],
    )
