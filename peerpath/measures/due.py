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
HORIZON_DAYS = 14  # listed this many days before it is due
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
    horizon_days: int = HORIZON_DAYS,
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


@dataclass(frozen=True)
class Threshold:
    """An interval rule (intake, every N days) as a database can apply it to every
    member at once, without date arithmetic on the rows: the rule lists
    ``instrument_id`` when the member's *base* date is on or before ``due_by``,
    overdue when it is before ``overdue_before``. The base date is the enrolment
    date for an intake rule (which lists nothing once the instrument was
    completed), else the last completed date, or the enrolment date when there is
    none. This restates ``due_for_member``'s rules for the due list read by SQL
    (``measures.selectors.due_page``); tests require both to give the same lists."""

    instrument_id: str
    intake: bool
    due_by: dt.date
    overdue_before: dt.date


def thresholds(
    rules: Iterable[Rule], today: dt.date, *, horizon_days: int = HORIZON_DAYS, grace_days: int = GRACE_DAYS,
) -> list[Threshold]:
    """The interval rules among ``rules`` as ``Threshold``s (event-triggered rules and
    an ``every`` rule without an interval give none)."""
    found = []
    for rule in rules:
        if rule.trigger == "intake":
            shift = 0
        elif rule.trigger == "every" and rule.interval_days:
            shift = rule.interval_days
        else:
            continue
        found.append(Threshold(
            rule.instrument_id, rule.trigger == "intake",
            today + dt.timedelta(days=horizon_days - shift), today - dt.timedelta(days=grace_days + shift),
        ))
    return found
