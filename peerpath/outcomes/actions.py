"""Writes of the outcomes app: recording an IPS-25 fidelity review. One durable
transaction that checks the capability and writes its audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.definitions import Instrument
from peerpath.measures.library import library
from peerpath.measures.scoring import score_one
from peerpath.outcomes.fidelity import ITEM_IDS, NOTE_MAX_LENGTH, items_complete
from peerpath.outcomes.models import FidelityReview
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

INSTRUMENT_ID = "ips25"


def ips25() -> Instrument:
    return library()[INSTRUMENT_ID]


def score_review(items: Mapping[str, int]) -> tuple[int, str]:
    """Total and band key (the band's English label) of 25 ratings, by the scoring
    engine and the shipped ``ips25`` definition."""
    missing = items_complete(dict(items))
    if missing:
        raise ValueError(f"items not rated 1–5: {', '.join(missing)}")
    result = score_one(ips25(), {i: items[i] for i in ITEM_IDS})["scores"]["total"]
    if result["value"] is None or result["band_label"] is None:
        raise ValueError("the review could not be scored")
    return int(result["value"]), str(result["band_label"]["en"])


def band_label(band_key: str, language: str) -> str:
    """A stored band key in ``language`` (the key itself when the definition no
    longer has that band)."""
    for band in ips25().score("total").bands:
        if band.label.get("en") == band_key:
            return band.label.get(language)
    return band_key


@durable_action
def record_review(
    membership: Membership, *, reviewed_on: dt.date, reviewers: str, items: Mapping[str, int],
    notes: Mapping[str, str] | None = None, period_label: str = "", request: HttpRequest | None = None,
) -> FidelityReview:
    """A new IPS-25 review of the acting organisation, scored and audited."""
    require(membership, Perm.FIDELITY_REVIEW)
    reviewers = " ".join(reviewers.split())
    if not reviewers:
        raise ValueError("reviewers are required")
    clean_notes: dict[str, Any] = {}
    for item_id, note in (notes or {}).items():
        if item_id not in ITEM_IDS:
            raise ValueError(f"no item {item_id!r}")
        if len(note) > NOTE_MAX_LENGTH:
            raise ValueError(f"the note of item {item_id} is longer than {NOTE_MAX_LENGTH} characters")
        if note.strip():
            clean_notes[item_id] = note.strip()
    total, band = score_review(items)
    review = FidelityReview.objects.create(
        organization=membership.organization, reviewed_on=reviewed_on, reviewers=reviewers,
        period_label=period_label.strip(), items={i: int(items[i]) for i in ITEM_IDS}, notes=clean_notes,
        total=total, band=band, recorded_by=membership.user,
    )
    audit.record_by(membership, Event.FIDELITY_RECORDED, target=review, request=request,
                    extra={"review": review.pk})
    return review
