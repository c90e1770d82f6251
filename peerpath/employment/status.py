"""Employment status at a date, derived from jobs (pure Python, no Django import).

Status is never stored: it follows from the jobs a member has held. Jobs may
overlap (two part-time jobs, or a new job before the old one ends). A job's end
date is its last day of work, so a member is employed on the day a job ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class EmploymentStatus(StrEnum):
    NOT_EMPLOYED = "not_employed"
    EMPLOYED = "employed"  # in at least one job, none of them competitive
    COMPETITIVE = "competitive"  # in at least one competitive job


@dataclass(frozen=True)
class JobSpan:
    """One job as the status rules see it."""

    start: dt.date
    end: dt.date | None = None  # None: the job goes on
    competitive: bool = False
    hours: Decimal | float = 0

    def holds_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def current_spans(jobs: Iterable[JobSpan], day: dt.date) -> list[JobSpan]:
    """The jobs held on ``day``, earliest start first."""
    return sorted((j for j in jobs if j.holds_on(day)), key=lambda j: (j.start, j.end or dt.date.max))


def status_on(jobs: Iterable[JobSpan], day: dt.date) -> EmploymentStatus:
    """Competitively employed, employed (only in non-competitive jobs) or not employed on ``day``."""
    held = current_spans(jobs, day)
    if not held:
        return EmploymentStatus.NOT_EMPLOYED
    if any(j.competitive for j in held):
        return EmploymentStatus.COMPETITIVE
    return EmploymentStatus.EMPLOYED


def hours_on(jobs: Iterable[JobSpan], day: dt.date) -> Decimal:
    """Weekly hours of all the jobs held on ``day``."""
    return sum((Decimal(str(j.hours)) for j in current_spans(jobs, day)), Decimal(0))


def tenure_days(job: JobSpan, today: dt.date) -> int:
    """Days in the job, counting its first and last day (0 for a job not started yet)."""
    last = min(job.end, today) if job.end is not None else today
    return max(0, (last - job.start).days + 1)


@dataclass(frozen=True)
class EmploymentFacts:
    """What other apps (caseload, alerts, outcomes) need to know about one member's work."""

    employed: bool
    competitive: bool
    current_job_starts: tuple[dt.date, ...]
    last_job_end: dt.date | None
    last_job_end_reason: str
    # track ("professional" / "peer") → date of the latest support contact of that
    # track; a missing key means no contact of that track.
    last_contact: dict[str, dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class Ended:
    """A job ending as the facts see it."""

    on: dt.date
    reason: str


def facts_from(
    jobs: Iterable[JobSpan],
    endings: Iterable[Ended],
    last_contact: Mapping[str, dt.date],
    today: dt.date,
) -> EmploymentFacts:
    """One member's ``EmploymentFacts`` on ``today``. Endings after ``today`` (recorded
    ahead of time) are not yet the last ending."""
    jobs = list(jobs)
    status = status_on(jobs, today)
    past = [e for e in endings if e.on <= today]
    last = max(past, key=lambda e: (e.on, e.reason), default=None)
    return EmploymentFacts(
        employed=status is not EmploymentStatus.NOT_EMPLOYED,
        competitive=status is EmploymentStatus.COMPETITIVE,
        current_job_starts=tuple(j.start for j in current_spans(jobs, today)),
        last_job_end=last.on if last else None,
        last_job_end_reason=last.reason if last else "",
        last_contact=dict(last_contact),
    )
