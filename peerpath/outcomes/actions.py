"""Writes of the outcomes app: recording an IPS-25 fidelity review, and saving the
organisation's outcome-report settings. Each is one durable transaction that
checks the capability and writes its audit entry."""

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
from peerpath.outcomes.models import FidelityReview, OutcomeSettings
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

INSTRUMENT_ID = "ips25"


def ips25() -> Instrument:
    return library()[INSTRUMENT_ID]


def score_review(items: Mapping[str, int]) -> tuple[int, int]:
    """Total and band index (into the ``ips25`` total's bands) of 25 ratings, by the
    scoring engine and the shipped definition."""
    missing = items_complete(dict(items))
    if missing:
        raise ValueError(f"items not rated 1–5: {', '.join(missing)}")
    result = score_one(ips25(), {i: items[i] for i in ITEM_IDS})["scores"]["total"]
    if result["value"] is None or result["band_index"] is None:
        raise ValueError("the review could not be scored")
    return int(result["value"]), int(result["band_index"])


def band_label(band_index: int, language: str) -> str:
    """A stored band in ``language`` ("—" when the definition no longer has it)."""
    bands = ips25().score("total").bands
    return bands[band_index].label.get(language) if 0 <= band_index < len(bands) else "—"


def band_ranges(language: str) -> list[dict[str, Any]]:
    """The ``ips25`` total's bands (min, max, label in ``language``), for the notes
    beside totals: the pages render them from the definition."""
    return [{"min": int(b.min), "max": int(b.max), "label": b.label.get(language)}
            for b in ips25().score("total").bands]


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
        total=total, band_index=band, recorded_by=membership.user,
    )
    audit.record_by(membership, Event.FIDELITY_RECORDED, target=review, request=request,
                    extra={"review": review.pk})
    return review


@durable_action
def save_outcome_settings(
    membership: Membership, *, stable_employment_days: int, inactive_after_days: int,
    request: HttpRequest | None = None,
) -> OutcomeSettings:
    """The organisation's outcome-report settings, checked against the model's
    validators (``settings_rules``: a ``ValidationError`` names the field) and
    audited with the values before and after."""
    require(membership, Perm.REPORT_SETTINGS)
    organization = membership.organization
    current = OutcomeSettings.objects.select_for_update().filter(organization=organization).first()
    before = ({"stable_employment_days": current.stable_employment_days,
               "inactive_after_days": current.inactive_after_days} if current is not None else None)
    if current is None:
        current = OutcomeSettings(organization=organization, updated_by=membership.user)
    current.stable_employment_days = stable_employment_days
    current.inactive_after_days = inactive_after_days
    current.updated_by = membership.user
    current.full_clean(exclude=["organization", "updated_by"], validate_constraints=False)
    current.save()
    audit.record_by(membership, Event.REPORT_SETTINGS_CHANGED, target=current, request=request,
                    extra={"before": before, "stable_employment_days": stable_employment_days,
                           "inactive_after_days": inactive_after_days})
    return current
