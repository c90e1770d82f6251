"""Shared helpers for the scoring engine tests (no database)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, settings

from peerpath.measures.definitions import Instrument

NAN = math.nan
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def label(text: str) -> dict[str, str]:
    return {"en": text}


def make_instrument(
    items: list[dict[str, Any]],
    scores: list[dict[str, Any]],
    response_sets: dict[str, Any] | None = None,
    **extra: Any,
) -> Instrument:
    """A small inline instrument; the default response set ``agree`` is 1–5."""
    sets = response_sets or {
        "agree": {"options": [{"value": v, "label": label(str(v))} for v in range(1, 6)]}
    }
    for item in items:
        item.setdefault("response_set", next(iter(sets)))
    for score in scores:
        score.setdefault("label", label(score["id"]))
        score.setdefault("direction", "higher_is_better")
    return Instrument.model_validate(
        {
            "id": "inline",
            "version": 1,
            "short_name": "Inline",
            "name": label("Inline test instrument"),
            "domain": "testing",
            "response_sets": sets,
            "items": items,
            "scores": scores,
            "licence": {"wording_redistributable": True, "text": "test"},
            "citation": "none",
            "translations": {"en": {"status": "original"}},
            **extra,
        }
    )
