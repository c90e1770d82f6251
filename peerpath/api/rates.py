"""Rate strings such as ``120/minute`` (pure Python, no Django import)."""

from __future__ import annotations

import re

PERIODS = {
    "s": 1, "sec": 1, "second": 1,
    "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hour": 3600,
    "d": 86400, "day": 86400,
}
_RATE = re.compile(r"\s*([1-9][0-9]{0,6})\s*/\s*([a-z]+)\s*")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/minute"`` → (120 requests, 60 seconds). Raises ValueError naming the
    accepted forms for anything else."""
    found = _RATE.fullmatch(rate.lower())
    if found is None or found.group(2) not in PERIODS:
        raise ValueError(
            f"{rate!r} is not a rate: write a number of requests per second, minute, hour or day, "
            "e.g. 120/minute"
        )
    return int(found.group(1)), PERIODS[found.group(2)]


def wait_seconds(history: list[float], now: float, limit: int, period: int) -> float | None:
    """Given the times of the requests counted so far (newest first), how long a
    client must wait before the next request is allowed, or None if it is allowed
    now."""
    recent = [t for t in history if t > now - period]
    if len(recent) < limit:
        return None
    oldest = min(recent[:limit]) if recent else now
    return max(oldest + period - now, 1.0)
