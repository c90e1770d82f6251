"""Statistics the programme derives from its own stored scores."""

from __future__ import annotations

from peerpath.measures.change import baseline_sd
from peerpath.measures.models import StoredScore

MIN_MEMBERS_FOR_BASELINE = 10


def programme_baseline_sd(organization_id: int, instrument_id: str, score_id: str) -> float | None:
    """SD of each member's first score in the organisation (Jacobson and Truax use
    the SD of the pre-treatment sample); None with fewer than 10 members."""
    rows = (
        StoredScore.objects.filter(
            organization_id=organization_id, instrument_id=instrument_id, score_id=score_id, value__isnull=False
        )
        .order_by("member_id", "taken_on", "administration_id")
        .values_list("member_id", "value")
    )
    first: dict[int, float] = {}
    for member_id, value in rows:
        if value is not None:
            first.setdefault(member_id, value)
    if len(first) < MIN_MEMBERS_FOR_BASELINE:
        return None
    return baseline_sd(list(first.values()))
