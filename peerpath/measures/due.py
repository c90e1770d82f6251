"""Which questionnaires a member is due for (pure Python, no Django import).

The rules that depend on events other apps record (job start and end, group
sessions) are evaluated by those apps; here: at intake, and every N days after the
last completed one (or after enrolment when there is none yet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GRACE_DAYS = 14  # due → overdue after this many days


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
    horizon_days: int = 14,
    grace_days: int = GRACE_DAYS,
) -> list[Due]:
    """Questionnaires due within ``horizon_days`` (or already overdue), soonest first.

    ``last_completed`` maps an instrument id to the date of the member's latest
    completed administration of it. An instrument due by several rules is listed
    once, at its earliest date.
    """
    earliest: dict[str, Due] = {}
    for rule in rules:
        last = last_completed.get(rule.instrument_id)
        if rule.trigger == "intake":
            if last is not None:
                continue
            due_on = enrolment_date
        elif rule.trigger == "every" and rule.interval_days:
            due_on = (last or enrolment_date) + dt.timedelta(days=rule.interval_days)
        else:
            continue
        if due_on > today + dt.timedelta(days=horizon_days):
            continue
        item = Due(rule.instrument_id, due_on, due_on < today - dt.timedelta(days=grace_days), rule.trigger)
        current = earliest.get(rule.instrument_id)
        if current is None or item.due_on < current.due_on:
            earliest[rule.instrument_id] = item
    return sorted(earliest.values(), key=lambda d: (d.due_on, d.instrument_id))
