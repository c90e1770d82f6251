"""Database aggregates of the professional and peer tracks for the programme
dashboard and the IPS quarterly outcomes. Every function starts from the scope's
members (``scope.members()`` / ``scope.member_ids()``) and runs a fixed number of
queries whatever the number of members and organisations (``questionnaires_due``:
more only for plans with event-triggered rules); the small-cell rules are applied
by the reports. The reference day is the period's last day, or today while the
period runs (``survival.censoring_day``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least

from peerpath.employment.models import Job, SupportContact, competitive_q
from peerpath.measures.due import EVENT_WINDOW_DAYS, GRACE_DAYS, Rule, due_for_member
from peerpath.measures.events import events_of
from peerpath.measures.models import AdministrationStatus, PlanRule
from peerpath.members.models import Status
from peerpath.outcomes.period import Period
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.survival import censoring_day, working_at_enrolment_q

# The IPS definition of a competitive job: the three recorded criteria all true.
COMPETITIVE = competitive_q()
# Questionnaires due: due within this many days (the measurement plan's horizon),
# overdue after that many (as ``measures.selectors.due_of`` counts them).
DUE_HORIZON_DAYS: int = (due_for_member.__kwdefaults__ or {})["horizon_days"]
DUE_GRACE_DAYS = GRACE_DAYS
# "Now" for a period (kept for reports/fidelity.py, which imports it from here).
reference_day = censoring_day


def _date(day: dt.date) -> Value:
    return Value(day, output_field=DateField())


def held_between(start: dt.date | Any, end: dt.date | Any) -> Q:
    """Jobs held on at least one day from ``start`` to ``end`` (a job's end date is
    its last day of work)."""
    return Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))


def _scope_jobs(scope: ReportScope) -> Any:
    return Job.objects.filter(organization_id__in=scope.org_ids, member_id__in=scope.member_ids())


# -- members -----------------------------------------------------------------------


def caseload_figures(scope: ReportScope) -> dict[str, int]:
    """One query: active caseload (status active, enrolled by the period's end) and
    members in a competitive job on the reference day."""
    day = censoring_day(scope)
    competitive_now = Job.objects.filter(COMPETITIVE, held_between(day, day), member_id=OuterRef("pk"))
    return scope.members().aggregate(
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
        employed_now=Count("pk", filter=Exists(competitive_now)),
    )


@dataclass(frozen=True)
class QuarterEmployment:
    quarter: Period
    served: int  # people served in the quarter
    worked: int  # of them, in a competitive job on at least one day of the quarter


def quarterly_employment(scope: ReportScope, quarters: list[Period], *,
                         out_of_work_at_entry: bool = False) -> list[QuarterEmployment]:
    """People served in each quarter and how many of them worked competitively in
    it, in one query (conditional counts, three EXISTS per quarter).

    Served in a quarter: enrolled by its last day and not closed. Members carry no
    closing date, so a member whose case is now closed counts in a quarter only if
    they had a support contact or held a job (any job) in it. Only the days from
    the enrolment day on count: a job that ended before the member enrolled was
    not held while they were served (not "worked competitively" in the quarter
    of enrolment).
    ``out_of_work_at_entry``: only members not already in a competitive job when
    they enrolled (``survival.working_at_enrolment_q``: one that started before
    the enrolment day and was still held on it)."""
    members = scope.members()
    if out_of_work_at_entry:
        at_entry = Job.objects.filter(working_at_enrolment_q(enrolment=OuterRef("enrolment_date")),
                                      member_id=OuterRef("pk"))
        members = members.filter(~Exists(at_entry))
    since_enrolment = Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("enrolment_date"))
    aggregates: dict[str, Any] = {}
    for i, q in enumerate(quarters):
        job_in_q = Job.objects.filter(held_between(q.start, q.end), since_enrolment, member_id=OuterRef("pk"))
        contact_in_q = SupportContact.objects.filter(
            member_id=OuterRef("pk"), contacted_on__gte=q.start, contacted_on__lte=q.end
        )
        served = Q(enrolment_date__lte=q.end) & (~Q(status=Status.CLOSED) | Q(Exists(job_in_q))
                                                  | Q(Exists(contact_in_q)))
        worked = Q(Exists(job_in_q.filter(COMPETITIVE)))
        aggregates[f"served_{i}"] = Count("pk", filter=served)
        aggregates[f"worked_{i}"] = Count("pk", filter=served & worked)
    if not aggregates:
        return []
    row = members.aggregate(**aggregates)
    return [QuarterEmployment(q, row[f"served_{i}"], row[f"worked_{i}"]) for i, q in enumerate(quarters)]


@dataclass(frozen=True)
class StableEmployment:
    held: int  # members who held a competitive job on at least one day of the period
    stable: int  # of them, members who had stayed at least the set days in one of those jobs
    days: dict[int, int]  # organisation id → the days in one job that count (its setting)


def stable_employment(scope: ReportScope) -> StableEmployment:
    """Taiwan's stable-employment figure (穩定就業): members who held a competitive
    job in the period (up to the reference day), and of them those who had stayed
    in one such job for at least their organisation's ``stable_employment_days``
    by its end or the reference day, whichever came first — its first and last
    day both count, however long before the period it started. Two queries: the
    settings, and the jobs (the days are counted in Python, as each organisation
    may set its own)."""
    from peerpath.outcomes.outcome_settings import settings_of

    day = censoring_day(scope)
    days = {org: v.stable_employment_days for org, v in settings_of(scope.org_ids).items()}
    rows = _scope_jobs(scope).filter(COMPETITIVE, held_between(scope.period.start, day)).values_list(
        "member_id", "organization_id", "start_date", "end_date").order_by()
    held: set[int] = set()
    stable: set[int] = set()
    for member_id, org_id, start, end in rows:
        held.add(member_id)
        last = min(end, day) if end is not None else day
        if (last - start).days + 1 >= days[org_id]:
            stable.add(member_id)
    return StableEmployment(len(held), len(stable), days)


# -- jobs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Starts:
    quarter: Period | None  # None: the whole period
    jobs: int
    members: int
    competitive_jobs: int
    competitive_members: int


def job_starts(scope: ReportScope) -> tuple[Starts, list[Starts]]:
    """Job starts in the period and in each of its quarters (all jobs / competitive
    jobs, and how many members started them), in one query."""
    parts: list[tuple[str, Period | None, Q | None]] = [("all", None, None)]
    parts += [(f"q{i}", q, Q(start_date__gte=q.start, start_date__lte=q.end))
              for i, q in enumerate(scope.period.quarters())]
    aggregates: dict[str, Any] = {}
    for key, _q, when in parts:
        aggregates[f"{key}_jobs"] = Count("pk", filter=when)
        aggregates[f"{key}_members"] = Count("member_id", filter=when, distinct=True)
        competitive = COMPETITIVE if when is None else when & COMPETITIVE
        aggregates[f"{key}_cjobs"] = Count("pk", filter=competitive)
        aggregates[f"{key}_cmembers"] = Count("member_id", filter=competitive, distinct=True)
    row = _scope_jobs(scope).filter(start_date__gte=scope.period.start, start_date__lte=scope.period.end).aggregate(
        **aggregates
    )
    out = [Starts(q, row[f"{k}_jobs"], row[f"{k}_members"], row[f"{k}_cjobs"], row[f"{k}_cmembers"])
           for k, q, _w in parts]
    return out[0], out[1:]


@dataclass(frozen=True)
class Wage:
    currency: str
    median: Decimal | float
    jobs: int
    members: int


@dataclass(frozen=True)
class HoursAndWages:
    jobs: int  # competitive jobs held on the reference day
    members: int
    mean_hours: float | None  # their mean hours per week
    wages: list[Wage]  # median hourly wage per currency (jobs with a wage recorded)
    hours_worked: float  # competitive jobs: estimated hours worked in the period
    hours_members: int  # members whose jobs the estimate is built from


def hours_and_wages(scope: ReportScope) -> HoursAndWages:
    """Three queries: hours of the competitive jobs held on the reference day; their
    hourly wages by currency (medians are not portable SQL, so the wage column of
    those jobs is read and the median taken with NumPy); and the estimated hours
    worked in the period, summed in the database:
    hours per week × days of the job within the period (up to the reference day) ÷ 7."""
    import numpy as np

    day = censoring_day(scope)
    current = _scope_jobs(scope).filter(COMPETITIVE, held_between(day, day))
    now = current.aggregate(jobs=Count("pk"), members=Count("member_id", distinct=True),
                            mean_hours=Avg("hours_per_week"))
    by_currency: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for currency, member_id, wage in current.filter(hourly_wage__isnull=False).values_list(
        "currency", "member_id", "hourly_wage"
    ).order_by():
        by_currency[currency].append((member_id, wage))
    wages = [
        Wage(currency, float(np.median([float(w) for _, w in rows])), len(rows), len({m for m, _ in rows}))
        for currency, rows in sorted(by_currency.items())
    ]
    start, last = scope.period.start, day
    first_day = Greatest(F("start_date"), _date(start))
    last_day = Least(Coalesce(F("end_date"), _date(last)), _date(last))
    # (last - first) days × hours, as a duration; plus one day × hours per job (both days count).
    span = ExpressionWrapper(last_day - first_day, output_field=DurationField())
    worked = _scope_jobs(scope).filter(COMPETITIVE, held_between(start, last)).aggregate(
        hour_days=Sum(ExpressionWrapper(span * F("hours_per_week"), output_field=DurationField())),
        hours=Sum("hours_per_week"),
        members=Count("member_id", distinct=True),
    )
    hour_days = worked["hour_days"].total_seconds() / 86400 if worked["hour_days"] is not None else 0.0
    total = (hour_days + float(worked["hours"] or 0)) / 7 if start <= last else 0.0
    mean = now["mean_hours"]
    return HoursAndWages(
        jobs=now["jobs"], members=now["members"], mean_hours=float(mean) if mean is not None else None,
        wages=wages, hours_worked=total, hours_members=worked["members"] if start <= last else 0,
    )


# -- peer track --------------------------------------------------------------------


def helping_figures(scope: ReportScope) -> dict[str, Any]:
    """One query: helping contacts given by the scope's members in the period —
    total minutes, distinct helpers, and distinct members of the scope helped."""
    from peerpath.pathway.models import HelpingContact

    ids = scope.member_ids()
    row = HelpingContact.objects.filter(
        organization_id__in=scope.org_ids, helper_id__in=ids,
        date__gte=scope.period.start, date__lte=scope.period.end,
    ).aggregate(
        minutes=Sum("minutes"), contacts=Count("pk"), helpers=Count("helper_id", distinct=True),
        helped=Count("helped_id", distinct=True, filter=Q(helped_id__in=ids)),
    )
    row["minutes"] = row["minutes"] or 0
    return row


# -- questionnaires ----------------------------------------------------------------


def questionnaires_due(scope: ReportScope) -> dict[str, int]:
    """Active members of the scope due (within the plan's horizon) or overdue for a
    questionnaire today, by the measurement plan's rules, as ``measures.selectors.due_of``
    finds them for one organisation (on the dashboard): the same rules and last
    completed dates, read here for every organisation of the scope at once, and
    the same ``due_for_member``. Queries: the plans; when one has rules, the
    active members of those organisations and their last completed dates — three
    whatever the number of organisations — plus one per event source for each
    organisation whose plan has event-triggered rules (``measures.events`` sources
    read one organisation at a time)."""
    rules: dict[int, list[Rule]] = defaultdict(list)
    for org_id, instrument_id, trigger, interval_days in PlanRule.objects.filter(
        organization_id__in=scope.org_ids, active=True
    ).values_list("organization_id", "instrument_id", "trigger", "interval_days"):
        rules[org_id].append(Rule(instrument_id, trigger, interval_days))
    if not rules:
        return {"due": 0, "overdue": 0}
    active = scope.members().filter(status=Status.ACTIVE, organization_id__in=list(rules))
    members = list(active.values_list("pk", "organization_id", "enrolment_date").order_by("pk"))
    if not members:
        return {"due": 0, "overdue": 0}
    # Each member's last completed date per questionnaire, of the answers recorded in
    # their own organisation (as due_of reads them, one organisation at a time).
    last: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for member_id, instrument_id, day in (
        active.filter(administrations__organization_id=F("organization_id"),
                      administrations__status=AdministrationStatus.COMPLETED)
        .values("pk", "administrations__instrument_id").annotate(last=Max("administrations__taken_on")).order_by()
        .values_list("pk", "administrations__instrument_id", "last")
    ):
        last[member_id][instrument_id] = day
    events: dict[int, dict[int, dict[str, list[dt.date]]]] = {}
    for org_id, org_rules in rules.items():
        triggers = {r.trigger for r in org_rules if r.trigger in EVENT_WINDOW_DAYS}
        if triggers:
            events[org_id] = events_of(org_id, [pk for pk, org, _e in members if org == org_id], triggers)
    due = overdue = 0
    for pk, org_id, enrolled in members:
        items = due_for_member(rules[org_id], enrolment_date=enrolled, last_completed=last[pk],
                               today=scope.today, events=events.get(org_id, {}).get(pk))
        if items:
            due += 1
            overdue += any(d.overdue for d in items)
    return {"due": due, "overdue": overdue}
