"""FHIR R4 import: the answers of a ``QuestionnaireResponse`` to one instrument.

``from_questionnaire_response(instrument, resource)`` reads what ``fhir`` writes (and
responses from other systems that use the same linkIds and answer codes, on any base
URL) back into ``{item id: value}``, ready for ``score_one()``; anything it cannot
read unambiguously is refused with ``ValueError``. Re-exported by ``fhir``.

Pure Python (no Django import, no FHIR library at run time).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from numbers import Real
from typing import Any

from .definitions import Instrument, Item
from .fhir_codes import (
    INSTRUCTIONS_LINK_ID,
    JSON,
    _allowed,
    _code_system_name,
    _valid_value,
    code_system_url,
    score_link_id,
)


def _walk(items: object, path: str = "item") -> Iterator[tuple[str, JSON]]:
    """Every item of a response, nested ones too (in groups or under answers)."""
    if items is None:
        return
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list of items")
    for index, entry in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: expected an item object")
        yield where, dict(entry)
        yield from _walk(entry.get("item"), f"{where}.item")
        for a, answer in enumerate(entry.get("answer") or []):
            if isinstance(answer, Mapping):
                yield from _walk(answer.get("item"), f"{where}.answer[{a}].item")


def _check_questionnaire(instrument: Instrument, resource: Mapping[str, Any]) -> None:
    canonical = resource.get("questionnaire")
    if canonical is None:
        return
    if not isinstance(canonical, str):
        raise ValueError("questionnaire: expected a canonical URL")
    url, _, version = canonical.partition("|")
    if not url.endswith(f"/Questionnaire/{instrument.id}"):
        raise ValueError(f"questionnaire {canonical!r} is not instrument {instrument.id}")
    if version and version != str(instrument.version):
        raise ValueError(
            f"questionnaire {canonical!r}: version {version} is not version "
            f"{instrument.version} of {instrument.id}"
        )


def _read_answer(instrument: Instrument, item: Item, answer: object, where: str) -> float:
    if not isinstance(answer, Mapping):
        raise ValueError(f"{where}: expected an answer object")
    response_set = instrument.response_sets[item.response_set]
    if response_set.continuous:
        value = answer.get("valueDecimal", answer.get("valueInteger"))
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ValueError(
                f"{where}: item {item.id!r} of {instrument.id} expects valueDecimal, got {dict(answer)!r}"
            )
        return _valid_value(instrument, item, float(value))
    coding = answer.get("valueCoding")
    if not isinstance(coding, Mapping) or "code" not in coding:
        raise ValueError(
            f"{where}: item {item.id!r} of {instrument.id} expects a valueCoding, got {dict(answer)!r}"
        )
    name = _code_system_name(instrument, item.response_set)
    system = coding.get("system")
    if system is not None and not str(system).endswith(f"/CodeSystem/{name}"):
        raise ValueError(
            f"{where}: item {item.id!r}: code system {system!r} is not the answer codes of "
            f"{instrument.id} ({code_system_url(instrument, item.response_set)} or the same "
            "path on another base URL)"
        )
    code = coding["code"]
    try:
        value = float(code)
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: item {item.id!r} of {instrument.id}: code {code!r} is not an answer "
            f"option ({_allowed(response_set)})"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: item {item.id!r}: code {code!r} is not an answer option")
    return _valid_value(instrument, item, value)


def from_questionnaire_response(
    instrument: Instrument, resource: Mapping[str, Any]
) -> dict[str, float]:
    """The answers of a ``QuestionnaireResponse`` to ``instrument``: item id → value, for
    the answered items only (ready for ``score_one()``).

    Refused with ``ValueError``: another resource type or instrument (version), a
    response marked ``entered-in-error``, an unknown linkId, an item answered twice
    or with several answers, and an answer that is not one of the item's options.
    Score items and display items are skipped.
    """
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "QuestionnaireResponse":
        raise ValueError("expected a QuestionnaireResponse resource")
    if resource.get("status") == "entered-in-error":
        raise ValueError("the QuestionnaireResponse is marked entered-in-error")
    _check_questionnaire(instrument, resource)
    items = {item.id: item for item in instrument.items}
    ignored = {score_link_id(s) for s in instrument.scores} | {INSTRUCTIONS_LINK_ID}
    answers: dict[str, float] = {}
    seen: set[str] = set()
    for where, entry in _walk(resource.get("item")):
        link_id = entry.get("linkId")
        if link_id in items:
            if link_id in seen:
                raise ValueError(f"{where}: item {link_id!r} appears twice")
            seen.add(link_id)
            given = entry.get("answer") or []
            if not isinstance(given, list):
                raise ValueError(f"{where}: item {link_id!r}: answer must be a list")
            if len(given) > 1:
                raise ValueError(
                    f"{where}: item {link_id!r} has {len(given)} answers, expected one"
                )
            if given:
                answers[link_id] = _read_answer(instrument, items[link_id], given[0], where)
        elif link_id not in ignored and not entry.get("item"):
            raise ValueError(f"{where}: linkId {link_id!r} is not an item of {instrument.id}")
    return answers
