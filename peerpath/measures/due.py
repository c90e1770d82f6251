"""Which questionnaires a member is due for (pure Python, no Django import).

Rules: at intake; every N days after the last completed one (or after enrolment
when there is none yet); and at events other apps record (job start, job end,
group session), which they pass in as dates through ``peerpath.measures.events``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GRACE_DAYS = 14  # due → overdue after this many days
# An event-triggered questionnaire is asked for an event this recent; an older one
# (say, a job start before the rule was added to the plan) asks for nothing.
EVENT_WINDOW_DAYS = {"job_start": 60, "job_end": 60, "group_session": 7}
# A questionnaire taken this many days before the event still counts for it.
EVENT_TOLERANCE_DAYS = 7


@dataclass(frozen=True)
class Rule:
    instrument_id: str
    trigger: str  # intake / every / job_start / job_end / group_session
    interval_days: int | None = None


@dataclass(frozen=True)
class Due:
    instrument_id: str
    due_on: dt.date
    overdue: bool
    trigger: str


def due_for_member(
    rules: Iterable[Rule],
    *,
    enrolment_date: dt.date,
    last_completed: Mapping[str, dt.date],
    today: dt.date,
    events: Mapping[str, Iterable[dt.date]] | None = None,
    horizon_days: int = 14,
    grace_days: int = GRACE_DAYS,
) -> list[Due]:
    """Questionnaires due within ``horizon_days`` (or already overdue), soonest first.

    ``last_completed`` maps an instrument id to the date of the member's latest
    completed administration of it; ``events`` maps a trigger (``job_start``…) to
    the dates of the member's events of that kind. An instrument due by several
    rules is listed once, at its earliest date.
    """
    events = events or {}
    earliest: dict[str, Due] = {}
    for rule in rules:
        last = last_completed.get(rule.instrument_id)
        if rule.trigger == "intake":
            if last is not None:
                continue
            due_on = enrolment_date
        elif rule.trigger == "every" and rule.interval_days:
            due_on = (last or enrolment_date) + dt.timedelta(days=rule.interval_days)
        elif rule.trigger in EVENT_WINDOW_DAYS:
            window = dt.timedelta(days=EVENT_WINDOW_DAYS[rule.trigger])
            recent = [d for d in events.get(rule.trigger, ()) if today - window <= d <= today]
            if not recent:
                continue
            due_on = max(recent)
            if last is not None and last >= due_on - dt.timedelta(days=EVENT_TOLERANCE_DAYS):
                continue
        else:
            continue
        if due_on > today + dt.timedelta(days=horizon_days):
            continue
        item = Due(rule.instrument_id, due_on, due_on < today - dt.timedelta(days=grace_days), rule.trigger)
        current = earliest.get(rule.instrument_id)
        if current is None or item.due_on < current.due_on:
            earliest[rule.instrument_id] = item
    return sorted(earliest.values(), key=lambda d: (d.due_on, d.instrument_id))
