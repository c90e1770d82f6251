"""Group process figures from plain rows (pure Python, no Django): the
therapeutic-factor profile per quarter and attendance rates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def quarter_of(day: dt.date) -> str:
    """``2026-Q1`` for a date in January–March 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@dataclass(frozen=True)
class QuarterProfile:
    quarter: str
    incidents: int  # coded incidents in the quarter
    shares: dict[str, float]  # factor code → share of the quarter's coded incidents naming it
    counts: dict[str, int]


def factor_profile(codes: Sequence[str], coded: Iterable[tuple[dt.date, Iterable[str]]]) -> list[QuarterProfile]:
    """Per quarter (oldest first), the share of coded incidents that name each factor.

    An incident may name several factors, so the shares of a quarter can add up to
    more than 1. Codes outside ``codes`` are ignored."""
    incidents: dict[str, int] = defaultdict(int)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {code: 0 for code in codes})
    for day, factors in coded:
        quarter = quarter_of(day)
        incidents[quarter] += 1
        for code in set(factors):
            if code in counts[quarter]:
                counts[quarter][code] += 1
    return [
        QuarterProfile(
            quarter=q,
            incidents=incidents[q],
            shares={code: counts[q][code] / incidents[q] for code in codes},
            counts=dict(counts[q]),
        )
        for q in sorted(incidents)
    ]


def rate(attended: int, expected: int) -> float | None:
    """Attendance rate: sessions attended (present or late) over sessions the member
    was expected at (present, late or absent; an excused absence is not expected)."""
    return attended / expected if expected else None
