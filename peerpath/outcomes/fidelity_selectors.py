"""Scoped reads of fidelity reviews (programme-level records, no member data, but
the reviewers' names and free-text notes: not for researchers)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from peerpath.outcomes.fidelity import ITEM_IDS, ITEM_TITLES
from peerpath.outcomes.forms import counts_research_only
from peerpath.outcomes.models import FidelityReview
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


def review_for(membership: Membership, pk: int) -> FidelityReview:
    """A review of the acting organisation (404 for any other, or none); refused to
    a viewer who counts research-consented members only (researchers)."""
    require(membership, Perm.REPORT_VIEW)
    if counts_research_only([membership]):
        raise PermissionDenied("Researchers do not read fidelity reviews' reviewers and notes")
    try:
        return FidelityReview.objects.for_org(membership.organization).get(pk=pk)
    except FidelityReview.DoesNotExist:
        raise Http404("No such fidelity review") from None


def review_items(review: FidelityReview, translate: Any) -> list[dict[str, Any]]:
    """The 25 items of a review in order: id, translated heading, rating, note."""
    return [
        {"id": i, "title": translate(ITEM_TITLES[i]), "score": review.items.get(i), "note": review.notes.get(i, "")}
        for i in ITEM_IDS
    ]

