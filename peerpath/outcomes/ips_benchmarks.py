"""The IPS quarterly employment benchmarks (pure Python, no Django): the share of
people served in a quarter who worked in a competitive job during it, against
31% (minimal), 41% (average) and 50% (excellent)."""

from __future__ import annotations

# Highest first: a share reaches the first level whose threshold it meets.
BENCHMARKS: tuple[tuple[str, float], ...] = (("excellent", 0.50), ("average", 0.41), ("minimal", 0.31))


def level_reached(share: float | None) -> str | None:
    """"excellent", "average", "minimal", "below" (under 31%), or None when there is
    no share (nobody served, or a hidden small cell)."""
    if share is None:
        return None
    for name, threshold in BENCHMARKS:
        if share >= threshold:
            return name
    return "below"

