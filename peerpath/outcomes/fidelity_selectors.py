"""Scoped reads of fidelity reviews (programme-level records, no member data)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from peerpath.outcomes.actions import band_label
from peerpath.outcomes.fidelity import ITEM_IDS, ITEM_TITLES
from peerpath.outcomes.models import FidelityReview
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def review_for(membership: Membership, pk: int) -> FidelityReview:
    """A review of the acting organisation (404 for any other, or none)."""
    require(membership, Perm.REPORT_VIEW)
    try:
        return FidelityReview.objects.for_org(membership.organization).select_related("recorded_by").get(pk=pk)
    except FidelityReview.DoesNotExist:
        raise Http404("No such fidelity review") from None


def review_items(review: FidelityReview, translate: Any) -> list[dict[str, Any]]:
    """The 25 items of a review in order: id, translated heading, rating, note."""
    return [
        {"id": i, "title": translate(ITEM_TITLES[i]), "score": review.items.get(i), "note": review.notes.get(i, "")}
        for i in ITEM_IDS
    ]


def review_band(review: FidelityReview, language: str) -> str:
    return band_label(review.band, language)
