"""A group's meeting days, from its schedule or else from its recent sessions (pure).

The schedule is free text ("每週三 19:00–20:30", "Wednesdays 14:00, weekly"); the
weekdays it names are the meeting days. When it names none, the weekdays on which
the group met at least twice in its last sessions are. Used to warn when a
session is recorded on another day and to show a group's next session.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable

_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_RE = re.compile(r"(?:週|周|星期|禮拜|礼拜)([一二三四五六日天])")
_EN = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_EN_RE = re.compile(
    r"\b(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?\b",
    re.IGNORECASE,
)


def weekdays_in_schedule(schedule: str) -> set[int]:
    """Weekdays (Monday = 0) named in a schedule text, in Chinese or English."""
    days = {_ZH[m] for m in _ZH_RE.findall(schedule or "")}
    days |= {_EN.index(m.lower()[:3]) for m in _EN_RE.findall(schedule or "")}
    return days


def weekdays_of_sessions(dates: Iterable[dt.date], recent: int = 8) -> set[int]:
    """Weekdays of at least two of the last ``recent`` sessions (of the only one if
    there is one)."""
    last = sorted(dates, reverse=True)[:recent]
    if len(last) == 1:
        return {last[0].weekday()}
    counts = Counter(d.weekday() for d in last)
    return {day for day, n in counts.items() if n >= 2}


def meeting_weekdays(schedule: str, session_dates: Iterable[dt.date]) -> set[int]:
    return weekdays_in_schedule(schedule) or weekdays_of_sessions(session_dates)


def is_meeting_day(day: dt.date, weekdays: set[int]) -> bool:
    """Whether ``day`` is a meeting day (any day is, when none are known)."""
    return not weekdays or day.weekday() in weekdays


def next_meeting(weekdays: set[int], after: dt.date, include: bool = True) -> dt.date | None:
    """The first meeting day on or after ``after`` (strictly after unless ``include``)."""
    if not weekdays:
        return None
    start = 0 if include else 1
    for offset in range(start, start + 7):
        day = after + dt.timedelta(days=offset)
        if day.weekday() in weekdays:
            return day
    return None
