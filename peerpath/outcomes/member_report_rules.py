"""The member progress report's rules that need no database (pure Python): the
default period, which records fall in a period, and which questionnaire results the
report shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

from peerpath.outcomes.period import Period

DEFAULT_DAYS = 365


def default_period(today: dt.date) -> Period:
    """The last twelve months: the 365 days up to and including ``today``."""
    return Period(today - dt.timedelta(days=DEFAULT_DAYS - 1), today)


def report_language(choice: str, *, member_language: str, staff_language: str) -> str:
    """The language the report is written in: the member's preferred language
    (``choice == "member"``) or the viewer's (``"staff"``, the form's other choice)."""
    return member_language if choice == "member" else staff_language


class Dated(Protocol):
    @property
    def date(self) -> dt.date: ...


D = TypeVar("D", bound=Dated)


def in_period(items: Sequence[D], period: Period) -> list[D]:
    """The items dated inside the period, in their order."""
    return [item for item in items if period.contains(item.date)]


def shown_points(points: Sequence[D], period: Period) -> list[D]:
    """Results a case conference looks at: the first result ever (the baseline that
    reliable change is measured against), then every result in the period; nothing
    after the period. In date order, each once."""
    ordered = sorted(points, key=lambda p: p.date)
    if not ordered:
        return []
    baseline = ordered[0]
    if baseline.date > period.end:
        return []
    return [baseline, *(p for p in ordered[1:] if period.contains(p.date))]


def minutes_to_hours(minutes: int | None) -> Decimal:
    """Minutes as hours with one decimal, halves rounded up (90 → 1.5, 135 → 2.3)."""
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
