"""Pseudonyms and date handling for research exports (pure Python, no Django).

* A member's pseudonym is an HMAC-SHA256 of the member id under the research
  project's key, truncated: the same project gives the same pseudonyms in every
  export, another project entirely different ones, and without the key nobody
  can link a pseudonym to a member.
* In ``shift`` mode each member's dates move by one offset of 1–180 days, earlier
  or later, derived from the key and the member: intervals between a member's own
  dates stay exact. In ``days`` mode a date becomes the number of days since the
  member's enrolment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

SHIFT = "shift"
DAYS = "days"
DATE_MODES = (SHIFT, DAYS)
MAX_SHIFT_DAYS = 180


def _digest(key: str, purpose: str, value: object) -> bytes:
    return hmac.new(key.encode("utf-8"), f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def pseudonym(key: str, member_id: int) -> str:
    """``P`` and 12 hex characters, stable for one project key."""
    return "P" + _digest(key, "member", member_id).hex()[:12]


def group_pseudonym(key: str, group_id: int) -> str:
    """``G`` and 10 hex characters for a peer group."""
    return "G" + _digest(key, "group", group_id).hex()[:10]


def shift_days(key: str, member_id: int) -> int:
    """The member's date offset: ±1 to ±180 days, never 0."""
    n = int.from_bytes(_digest(key, "shift", member_id)[:8], "big")
    magnitude = 1 + (n >> 1) % MAX_SHIFT_DAYS
    return magnitude if n & 1 else -magnitude


class DateCoder:
    """Turns one member's dates into what the export shows (see the module doc)."""

    def __init__(self, mode: str, key: str) -> None:
        if mode not in DATE_MODES:
            raise ValueError(f"unknown date mode {mode!r}")
        self.mode = mode
        self.key = key
        self._offsets: dict[int, int] = {}

    def offset(self, member_id: int) -> int:
        if member_id not in self._offsets:
            self._offsets[member_id] = shift_days(self.key, member_id)
        return self._offsets[member_id]

    def code(self, member_id: int, enrolled: dt.date, value: dt.date | None) -> dt.date | int | None:
        if value is None:
            return None
        if self.mode == DAYS:
            return (value - enrolled).days
        return value + dt.timedelta(days=self.offset(member_id))


def birth_year_band(year: int | None, width: int = 5) -> str:
    """``1985-1989`` for 1987 (bands of ``width`` years); empty when unknown."""
    if not year:
        return ""
    start = year - year % width
    return f"{start}-{start + width - 1}"
