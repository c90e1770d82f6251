"""Statistics the programme derives from its own stored scores."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from peerpath.measures.change import baseline_sd
from peerpath.measures.models import StoredScore

MIN_MEMBERS_FOR_BASELINE = 10


def programme_baseline_sds(organization_ids: Iterable[int], scores: Iterable[tuple[str, str]]
                           ) -> dict[tuple[int, str, str], float | None]:
    """``programme_baseline_sd`` of each organisation and ``(instrument_id,
    score_id)``, keyed ``(organization_id, instrument_id, score_id)``: one query
    for them all (none when ``scores`` is empty)."""
    org_ids, wanted = list(organization_ids), list(dict.fromkeys(scores))
    found: dict[tuple[int, str, str], float | None] = {
        (org, instrument_id, score_id): None for org in org_ids for instrument_id, score_id in wanted}
    if not org_ids or not wanted:
        return found
    which = Q()
    for instrument_id, score_id in wanted:
        which |= Q(instrument_id=instrument_id, score_id=score_id)
    rows = (
        StoredScore.objects.filter(which, organization_id__in=org_ids, value__isnull=False)
        .order_by("organization_id", "instrument_id", "score_id", "member_id", "taken_on", "administration_id")
        .values_list("organization_id", "instrument_id", "score_id", "member_id", "value")
    )
    first: dict[tuple[int, str, str], dict[int, float]] = {}
    for org, instrument_id, score_id, member_id, value in rows:
        if value is not None:
            first.setdefault((org, instrument_id, score_id), {}).setdefault(member_id, value)
    for key, values in first.items():
        if len(values) >= MIN_MEMBERS_FOR_BASELINE:
            found[key] = baseline_sd(list(values.values()))
    return found


def programme_baseline_sd(organization_id: int, instrument_id: str, score_id: str) -> float | None:
    """SD of each member's first score in the organisation (Jacobson and Truax use
    the SD of the pre-treatment sample); None with fewer than 10 members."""
    return programme_baseline_sds([organization_id], [(instrument_id, score_id)])[
        (organization_id, instrument_id, score_id)]
