"""Survival data of the employment track and thin lifelines wrappers.

Selectors turn the members a report may count into duration arrays:

- ``job_tenure``: days in each job, from its start to its end (observed) or to
  the censoring day (ongoing jobs, censored). **Both the first and the last day
  count**: a job that starts and ends on the same day lasted one day.
- ``first_job_tenure``: the same, for each member's first competitive job started
  on or after their enrolment (the IPS convention: one row per member, so a
  member with three short jobs does not weigh three times).
- ``time_to_first_job``: days from enrolment to the start of the first
  competitive job. Members already in a competitive job at enrolment (one that
  started before the enrolment day and was still held on it) are left out and
  counted apart. Follow-up ends on the censoring day, or earlier: on the closing
  date of a member whose case is closed, or on the last contact of a member with
  no contact for longer than the organisation's ``inactive_after_days``
  (``follow_up_end``).

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
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone

from peerpath.employment.models import Job, competitive_q
from peerpath.members.models import Member, Status

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


def make_durations(rows: Sequence[tuple[dt.date, dt.date | None, int]], censor: dt.date, *,
                   count_end_day: bool = False) -> Durations:
    """Durations from ``(start, end or None, member_id)`` rows (pure): an end after
    ``censor`` (or no end) is censored at ``censor``; a start after an end-less
    censoring day never happens here (the selectors filter it). ``count_end_day``:
    days *in* something (a job), where the last day counts too (a job from 3 to 5
    March lasted 3 days; one that starts and ends on a day lasted 1); without it,
    days *between* two dates (enrolment to a first job: 0 on the same day)."""
    extra = 1 if count_end_day else 0
    durations, observed, members = [], [], []
    for start, end, member_id in rows:
        ended = end is not None and end <= censor
        stop = end if ended and end is not None else censor
        durations.append(float(max(0, (stop - start).days) + extra))
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
    """Days in each job, its first and last day included, up to its end (observed)
    or the censoring day (censored): every job of the scope's members that started
    by the censoring day (competitive jobs only unless ``competitive_only`` is
    false). One query."""
    rows = job_tenure_rows(tenure_jobs(scope, competitive_only=competitive_only))
    return make_durations([(s, e, m) for s, e, m, _ in rows], censoring_day(scope), count_end_day=True)


def first_job_tenure(scope: ReportScope) -> Durations:
    """``job_tenure`` of each member's first competitive job that started on or
    after their enrolment day (the earliest start; of two on one day, the first
    recorded) and by the censoring day: one row per member. One query."""
    rows = (tenure_jobs(scope, competitive_only=True).filter(start_date__gte=F("member__enrolment_date"))
            .order_by("member_id", "start_date", "pk").values_list("start_date", "end_date", "member_id"))
    first: dict[int, tuple[dt.date, dt.date | None, int]] = {}
    for start, end, member_id in rows:
        first.setdefault(member_id, (start, end, member_id))
    return make_durations(list(first.values()), censoring_day(scope), count_end_day=True)


def working_at_enrolment_q(prefix: str = "", enrolment: Any = None) -> Q:
    """Competitive jobs (``prefix``: the path to the job from the queried model)
    that started before the enrolment day and were still held on it: the member
    was already working when they enrolled. A job that starts on the enrolment day
    is a first job found at day 0, not work the member came in with."""
    enrolled = enrolment if enrolment is not None else F("enrolment_date")
    return competitive_q(prefix) & Q(**{f"{prefix}start_date__lt": enrolled}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": enrolled}))


# Why follow-up of time to first job ended without a first job.
FOLLOWED, CLOSED, OUT_OF_CONTACT = "followed", "closed", "out_of_contact"


def follow_up_end(enrolled: dt.date, censor: dt.date, *, closed: bool, closed_on: dt.date | None,
                  last_contact: dt.date | None, inactive_after_days: int) -> tuple[dt.date, str]:
    """The last day a member is followed for time to first job, and why (pure):

    - a closed case: its closing date (if before the censoring day); when the
      closing date is unknown (a member recorded as closed from the start), the
      last contact;
    - otherwise the censoring day;
    - either way, when the member's last contact (the enrolment day if none since)
      is more than ``inactive_after_days`` before that day, the last contact."""
    last = max(enrolled, last_contact) if last_contact is not None else enrolled
    stop, why = censor, FOLLOWED
    if closed:
        if closed_on is None:
            return min(last, censor), CLOSED
        if closed_on < censor:
            stop, why = max(closed_on, enrolled), CLOSED
    if (stop - last).days > inactive_after_days:
        return last, OUT_OF_CONTACT
    return stop, why


@dataclass(frozen=True)
class FirstJobFollowUp:
    durations: Durations  # members followed (not already working at enrolment)
    ends: np.ndarray  # str per row: "job" (observed) or why follow-up ended (FOLLOWED, CLOSED, OUT_OF_CONTACT)
    already_working: np.ndarray  # ids of members left out: in a competitive job at enrolment
    inactive_after_days: dict[int, int]  # organisation id → the setting applied

    def ended(self, why: str) -> int:
        return int((self.ends == why).sum())

    def ended_members(self, why: str) -> int:
        return len(set(self.durations.member_ids[self.ends == why].tolist()))


def closing_dates(member_ids: Sequence[int]) -> dict[int, dt.date]:
    """member id → the day their case was last closed (the member's change history:
    the last change of status to closed, not undone since; changes in the order
    they were made). Members recorded as closed from the start have no closing
    date. One query."""
    history: Any = Member.history.model
    rows = (history.objects.filter(id__in=list(member_ids)).order_by("id", "history_id")
            .values_list("id", "status", "history_date"))
    found: dict[int, dt.date] = {}
    previous: dict[int, str] = {}
    for pk, status, when in rows:
        if status == Status.CLOSED:
            if previous.get(pk) not in (None, Status.CLOSED):
                found[pk] = timezone.localdate(when)
        else:
            found.pop(pk, None)
        previous[pk] = status
    return found


def last_contacts(members: QuerySet[Member], until: dt.date) -> dict[int, dt.date]:
    """member id → their last contact up to ``until``, as the alerts and the
    caseload define it (``alerts.rules.MemberSnapshot.last_any_contact``): the
    latest support contact of either track, or helping contact the member
    received, recorded in the member's own organisation — the rows
    ``employment.selectors.last_contacts`` and ``pathway.selectors.last_helping_received``
    read for one organisation, read here for all of ``members`` at once. Two
    queries, whatever the number of organisations."""
    support = (members.filter(support_contacts__organization_id=F("organization_id"),
                              support_contacts__contacted_on__lte=until)
               .values("pk").annotate(last=Max("support_contacts__contacted_on")).order_by()
               .values_list("pk", "last"))
    helping = (members.filter(helping_received__organization_id=F("organization_id"),
                              helping_received__date__lte=until)
               .values("pk").annotate(last=Max("helping_received__date")).order_by()
               .values_list("pk", "last"))
    found: dict[int, dt.date] = dict(support)
    for pk, day in helping:
        found[pk] = max(found.get(pk, day), day)
    return found


def time_to_first_job(scope: ReportScope) -> FirstJobFollowUp:
    """Per member enrolled by the censoring day and not already working at
    enrolment (``working_at_enrolment_q``): days from enrolment to the start of
    the first competitive job started on or after the enrolment day (observed,
    when it started by the end of the member's follow-up), or to the end of
    follow-up (censored; ``follow_up_end``, where the start of that job counts
    as a contact: a job recorded after the last support contact is still found).
    Queries: the members with their first job (aggregated in the database), the
    organisations' settings, the closing dates (when a followed member's case is
    closed), and two for the last contacts, whatever the number of organisations."""
    from peerpath.outcomes.outcome_settings import settings_of

    censor = censoring_day(scope)
    in_scope = scope.members().filter(enrolment_date__lte=censor)
    rows = list(
        in_scope
        .annotate(first_job=Min("jobs__start_date", filter=competitive_q("jobs__") & Q(
                      jobs__start_date__gte=F("enrolment_date"))),
                  working=Count("jobs", filter=working_at_enrolment_q("jobs__")))
        .order_by("pk").values_list("pk", "organization_id", "enrolment_date", "status", "first_job", "working")
    )
    followed = [r for r in rows if not r[5]]
    settings = settings_of(scope.org_ids)
    inactive = {org: v.inactive_after_days for org, v in settings.items()}
    closed_ids = [r[0] for r in followed if r[3] == Status.CLOSED]
    closed = closing_dates(closed_ids) if closed_ids else {}
    contacts = last_contacts(in_scope, censor) if followed else {}
    durations, observed, members, ends = [], [], [], []
    for pk, org_id, enrolled, status, first, _working in followed:
        # the start of the first job is a contact too: the team knows of it
        last = max((d for d in (contacts.get(pk), first) if d is not None and d <= censor), default=None)
        stop, why = follow_up_end(enrolled, censor, closed=status == Status.CLOSED, closed_on=closed.get(pk),
                                  last_contact=last, inactive_after_days=inactive[org_id])
        found = first is not None and first <= stop
        durations.append(float(max(0, ((first if found else stop) - enrolled).days)))
        observed.append(found)
        members.append(pk)
        ends.append("job" if found else why)
    d = Durations(np.asarray(durations, dtype=float), np.asarray(observed, dtype=bool),
                  np.asarray(members, dtype=int))
    return FirstJobFollowUp(d, np.asarray(ends, dtype=str),
                            np.asarray([r[0] for r in rows if r[5]], dtype=int), inactive)


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
