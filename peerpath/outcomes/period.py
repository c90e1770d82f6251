"""Report periods: parsing "2026Q3", "2026", "2026-07", "2026-07-01..2026-09-30" or
"2025Q4..2026Q3", and cutting a period into calendar quarters (pure Python)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class PeriodError(ValueError):
    """A period that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_whole_quarter(self) -> bool:
        return self == quarter_of(self.start)

    @property
    def label(self) -> str:
        """The shortest text that parses back to this period (a quarter cut to a
        report's period is labelled by its days)."""
        if self.is_whole_quarter:
            return quarter_label(self.start)
        if self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(self.start.year, 12, 31):
            return str(self.start.year)
        first, last = quarter_of(self.start), quarter_of(self.end)
        if first.start == self.start and last.end == self.end:
            return f"{quarter_label(self.start)}..{quarter_label(self.end)}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def quarters(self) -> list[Period]:
        """The calendar quarters the period touches, each cut to the period (see
        ``is_whole_quarter``; ``label`` names a cut one by its days)."""
        out: list[Period] = []
        q = quarter_of(self.start)
        while q.start <= self.end:
            out.append(Period(max(q.start, self.start), min(q.end, self.end)))
            q = quarter_of(q.end + dt.timedelta(days=1))
        return out

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def quarter_of(day: dt.date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    next_start = dt.date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return Period(start, next_start - dt.timedelta(days=1))


def quarter_label(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _one(text: str) -> Period:
    if m := _QUARTER.match(text):
        year, q = int(m[1]), int(m[2])
        return quarter_of(dt.date(year, 3 * q - 2, 1))
    if m := _YEAR.match(text):
        year = int(m[1])
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r}: no month {month}")
        following = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1)
        return Period(dt.date(year, month, 1), following - dt.timedelta(days=1))
    if _DAY.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise PeriodError(f"{text!r}: {exc}") from None
        return Period(day, day)
    raise PeriodError(
        f"{text!r} is not a period: write a quarter (2026Q3), a year (2026), a month (2026-07), "
        "a day (2026-07-01) or two of these joined by '..'"
    )


def parse_period(text: str) -> Period:
    """A period from its text; raises ``PeriodError`` naming what was wrong."""
    text = text.strip()
    if ".." in text:
        left, _, right = text.partition("..")
        start, end = _one(left.strip()).start, _one(right.strip()).end
    else:
        one = _one(text)
        start, end = one.start, one.end
    if end < start:
        raise PeriodError(f"{text!r}: the period ends before it starts")
    if (end - start).days > 366 * 25:
        raise PeriodError(f"{text!r}: a period of at most 25 years")
    return Period(start, end)


def default_period(today: dt.date) -> Period:
    """The last four quarters, the current one included (cut at today)."""
    current = quarter_of(today)
    start = current.start
    for _ in range(3):
        start = quarter_of(start - dt.timedelta(days=1)).start
    return Period(start, current.end)
