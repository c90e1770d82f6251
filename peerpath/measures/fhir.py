"""FHIR R4 export: instruments as ``Questionnaire``, responses as ``QuestionnaireResponse``.

Pure Python (no Django import, no FHIR library at run time): every function
returns or reads a JSON-ready ``dict`` in FHIR R4 JSON form. The test suite
validates what is generated with ``fhir.resources`` (its R4B models: R4B leaves
Questionnaire and QuestionnaireResponse as they are in R4).

The mapping:

- ``Questionnaire.url`` is ``{base_url}/Questionnaire/{instrument id}`` and
  ``Questionnaire.version`` the instrument's version; a response points at
  ``url|version``. The identifier carries the instrument id. One instrument gives
  one Questionnaire per interface language, with the same url and version (the
  same questionnaire, shown in another language) and the language in the
  resource ``id`` and ``language``; texts that exist in the other language are
  carried as well, in the ``translation`` extension.
- Each item is a ``choice`` item whose ``answerOption`` codings come from one code
  system per response set, ``{base_url}/CodeSystem/{instrument id}-{response set}``;
  the code is the numeric value as a string ("0", "2.5"), the display the option
  label, and the ``ordinalValue`` extension on the answer option carries the
  number. An item of a continuous response set is a ``decimal`` item with
  ``minValue`` and ``maxValue``.
- Item text: the organisation's own wording (``local_wording``, e.g. licensed
  wording it holds) when given, else the shipped wording, else a placeholder
  ("Item 3"). Wording whose licence does not allow redistribution is never in a
  definition, so it can only appear when the caller passes it in.
- Each score is a read-only ``decimal`` item after the answer items, whose text
  says that Peerpath calculates it; in a response, ``valueDecimal``.
- ``Questionnaire.copyright`` is the licence text; the citation is in the
  description.
- Reading a response back (``from_questionnaire_response``) is in ``fhir_read``, the
  names, codes and answer-value checks both directions share in ``fhir_codes``; both
  are re-exported here, so ``peerpath.measures.fhir`` stays the one import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from numbers import Real
from typing import Any

from .definitions import LANGUAGES, Instrument, Item, Score, Text
from .fhir_codes import DEFAULT_BASE_URL as DEFAULT_BASE_URL
from .fhir_codes import INSTRUCTIONS_LINK_ID as INSTRUCTIONS_LINK_ID
from .fhir_codes import JSON as JSON
from .fhir_codes import TOLERANCE as TOLERANCE
from .fhir_codes import (
    _check_language,
    _computable_name,
    _number,
    _resource_id,
    _valid_value,
)
from .fhir_codes import answer_code as answer_code
from .fhir_codes import code_system_url as code_system_url
from .fhir_codes import questionnaire_canonical as questionnaire_canonical
from .fhir_codes import questionnaire_url as questionnaire_url
from .fhir_codes import score_link_id as score_link_id
from .fhir_read import from_questionnaire_response as from_questionnaire_response

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"

# Peerpath's interface languages as BCP-47 codes (FHIR's ``language``).
FHIR_LANGUAGE = {"en": "en", "zh-hant": "zh-Hant"}
# QuestionnaireResponse.status (required binding in R4).
RESPONSE_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
SUBJECT_TYPE = {"member": "Patient", "programme": "Organization", "group_session": "Group"}


# --- texts ----------------------------------------------------------------------------


def _texts(text: Text) -> dict[str, str]:
    """The languages a ``Text`` really has (no fallback)."""
    found = {"en": text.en, "zh-hant": text.zh_hant}
    return {language: value for language, value in found.items() if value}


def _put_text(target: JSON, field: str, texts: Mapping[str, str], language: str) -> None:
    """Set ``target[field]`` to the text in ``language`` (else the other language) and
    carry the other languages in the translation extension."""
    primary = texts.get(language) or next(iter(texts.values()), None)
    if not primary:
        return
    target[field] = primary
    translations = [
        {
            "url": TRANSLATION,
            "extension": [
                {"url": "lang", "valueCode": FHIR_LANGUAGE[other]},
                {"url": "content", "valueString": value},
            ],
        }
        for other, value in texts.items()
        if other != language and value != primary
    ]
    if translations:
        target[f"_{field}"] = {"extension": translations}


def _placeholder(item: Item, language: str) -> str:
    return f"第 {item.id} 題" if language.startswith("zh") else f"Item {item.id}"


def _item_texts(item: Item) -> dict[str, str]:
    if item.text is not None:
        return _texts(item.text)
    return {language: _placeholder(item, language) for language in LANGUAGES}


def _score_explanation(score: Score, language: str) -> str:
    label = score.label.get(language)
    items = ", ".join(score.items)
    times = score.multiplier != 1
    if language.startswith("zh"):
        method = "總和" if score.method == "sum" else "平均"
        method += f"再乘以 {score.multiplier:g} " if times else ""
        return f"{label}（分數，由 Peerpath 依第 {items} 題答案的{method}計算，非由填答者作答）"
    method = "sum" if score.method == "sum" else "mean"
    scaled = f", multiplied by {score.multiplier:g}" if times else ""
    return (
        f"{label} (score calculated by Peerpath from the {method} of items {items}{scaled}; "
        "not answered by the respondent)"
    )


# --- Questionnaire ------------------------------------------------------------------


def _answer_coding(
    instrument: Instrument,
    set_id: str,
    value: float,
    language: str,
    base_url: str,
    *,
    translations: bool = True,
) -> JSON:
    response_set = instrument.response_sets[set_id]
    option = next(o for o in response_set.options if abs(o.value - value) <= TOLERANCE)
    coding: JSON = {
        "system": code_system_url(instrument, set_id, base_url),
        "code": answer_code(option.value),
    }
    if translations:
        _put_text(coding, "display", _texts(option.label), language)
    else:
        coding["display"] = option.label.get(language)
    return coding


def _answer_item(
    instrument: Instrument,
    item: Item,
    language: str,
    local_wording: Mapping[str, str],
    base_url: str,
) -> JSON:
    response_set = instrument.response_sets[item.response_set]
    entry: JSON = {"linkId": item.id}
    if item.id in local_wording:
        entry["text"] = local_wording[item.id]
    else:
        _put_text(entry, "text", _item_texts(item), language)
    if response_set.continuous:
        entry["type"] = "decimal"
        entry["extension"] = [
            {"url": MIN_VALUE, "valueDecimal": _number(response_set.low)},
            {"url": MAX_VALUE, "valueDecimal": _number(response_set.high)},
        ]
        return entry
    entry["type"] = "choice"
    entry["answerOption"] = [
        {
            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": _number(option.value)}],
            "valueCoding": _answer_coding(
                instrument, item.response_set, option.value, language, base_url
            ),
        }
        for option in response_set.options
    ]
    return entry


def _score_item(score: Score, language: str) -> JSON:
    entry: JSON = {"linkId": score_link_id(score)}
    texts = {lang: _score_explanation(score, lang) for lang in LANGUAGES}
    _put_text(entry, "text", texts, language)
    entry["type"] = "decimal"
    entry["readOnly"] = True
    return entry


def _check_local_wording(instrument: Instrument, local_wording: Mapping[str, str]) -> None:
    known = {item.id for item in instrument.items}
    for item_id, text in local_wording.items():
        if item_id not in known:
            raise ValueError(f"local_wording: {item_id!r} is not an item of {instrument.id}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"local_wording: item {item_id!r} of {instrument.id} has no text")


def _check_link_ids(instrument: Instrument, items: list[JSON]) -> None:
    seen: set[str] = set()
    for entry in items:
        if entry["linkId"] in seen:
            raise ValueError(
                f"{instrument.id}: linkId {entry['linkId']!r} is used twice "
                "(an item id clashes with a score or the instructions)"
            )
        seen.add(entry["linkId"])


def to_questionnaire(
    instrument: Instrument,
    *,
    language: str = "en",
    local_wording: dict[str, str] | None = None,
    base_url: str = DEFAULT_BASE_URL,
) -> JSON:
    """The instrument as a FHIR R4 ``Questionnaire`` (a JSON-ready dict).

    ``language``: ``"en"`` or ``"zh-hant"``, the language of the texts (texts that
    exist in the other language are carried in the translation extension).
    ``local_wording``: item id → the wording an organisation entered (e.g. licensed
    wording it holds); it replaces the shipped text of those items and appears
    nowhere else. Items with neither get a placeholder ("Item 3").
    """
    _check_language(language)
    wording = dict(local_wording or {})
    _check_local_wording(instrument, wording)
    resource: JSON = {
        "resourceType": "Questionnaire",
        "id": _resource_id(instrument, language),
        "language": FHIR_LANGUAGE[language],
        "url": questionnaire_url(instrument, base_url),
        "identifier": [
            {
                "system": f"{base_url.rstrip('/')}/instrument",
                "value": instrument.id,
            }
        ],
        "version": str(instrument.version),
        "name": _computable_name(instrument),
    }
    _put_text(resource, "title", _texts(instrument.name), language)
    resource["status"] = "active"
    resource["subjectType"] = [SUBJECT_TYPE[instrument.level]]
    resource["publisher"] = "Peerpath"
    resource["description"] = (
        f"{instrument.short_name}: {instrument.domain}. Source: {instrument.citation}"
    )
    resource["copyright"] = instrument.licence.text
    items: list[JSON] = []
    if instrument.instructions is not None:
        instructions: JSON = {"linkId": INSTRUCTIONS_LINK_ID}
        _put_text(instructions, "text", _texts(instrument.instructions), language)
        instructions["type"] = "display"
        items.append(instructions)
    items += [_answer_item(instrument, i, language, wording, base_url) for i in instrument.items]
    items += [_score_item(s, language) for s in instrument.scores]
    _check_link_ids(instrument, items)
    resource["item"] = items
    return resource


# --- QuestionnaireResponse ----------------------------------------------------------


def _as_answer(instrument: Instrument, item_id: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{instrument.id}, item {item_id!r}: value {value!r} is not a number")
    number = float(value)
    return None if math.isnan(number) else number


def _score_values(instrument: Instrument, scores: Mapping[str, Any]) -> dict[str, float]:
    """Score id → value from ``{score_id: value}``, ``{score_id: {"value": ...}}`` or the
    result of ``score_one()``; scores without a value (not scorable) are left out."""
    inner = scores.get("scores")
    if isinstance(inner, Mapping) and set(scores) <= {"scores", "safety", "stage"}:
        scores = inner  # a score_one() result
    known = {score.id for score in instrument.scores}
    values: dict[str, float] = {}
    for score_id, entry in scores.items():
        if score_id not in known:
            raise ValueError(f"scores: {score_id!r} is not a score of {instrument.id}")
        value = entry.get("value") if isinstance(entry, Mapping) else entry
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, Real):
            raise ValueError(f"scores: {score_id!r} has value {value!r}, not a number")
        if math.isfinite(float(value)):
            values[score_id] = float(value)
    return values


def to_questionnaire_response(
    instrument: Instrument,
    answers: Mapping[str, float | None],
    *,
    subject_reference: str,
    authored: datetime,
    scores: Mapping[str, Any] | None = None,
    status: str = "completed",
    language: str = "en",
    base_url: str = DEFAULT_BASE_URL,
) -> JSON:
    """One response as a FHIR R4 ``QuestionnaireResponse`` (a JSON-ready dict).

    ``answers``: item id → value (``None`` or ``nan``: unanswered, left out). A value
    that is not one of the item's answer options, or an unknown item id, raises
    ``ValueError``. Each answer is the ``valueCoding`` of the Questionnaire's answer
    option (display in ``language``). ``scores``: score id → value, or the result of
    ``score_one()``; each score with a value becomes a ``valueDecimal`` item.
    ``authored`` must be timezone-aware. ``language`` and ``base_url`` must be the
    ones the Questionnaire was exported with.
    """
    _check_language(language)
    if status not in RESPONSE_STATUSES:
        raise ValueError(f"status {status!r}: expected one of {', '.join(RESPONSE_STATUSES)}")
    if not isinstance(subject_reference, str) or not subject_reference.strip():
        raise ValueError("subject_reference: expected a reference such as 'Patient/123'")
    if not isinstance(authored, datetime) or authored.utcoffset() is None:
        raise ValueError("authored: expected a timezone-aware datetime")
    known = {item.id: item for item in instrument.items}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise ValueError(f"answers: {unknown} are not items of {instrument.id}")
    items: list[JSON] = []
    for item in instrument.items:
        value = _as_answer(instrument, item.id, answers.get(item.id))
        if value is None:
            continue
        value = _valid_value(instrument, item, value)
        if instrument.response_sets[item.response_set].continuous:
            answer: JSON = {"valueDecimal": _number(value)}
        else:
            answer = {
                "valueCoding": _answer_coding(
                    instrument, item.response_set, value, language, base_url, translations=False
                )
            }
        items.append({"linkId": item.id, "answer": [answer]})
    score_values = _score_values(instrument, scores or {})
    for score in instrument.scores:
        if score.id in score_values:
            items.append(
                {
                    "linkId": score_link_id(score),
                    "answer": [{"valueDecimal": _number(score_values[score.id])}],
                }
            )
    resource: JSON = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_canonical(instrument, base_url),
        "status": status,
        "subject": {"reference": subject_reference},
        "authored": _date_time(authored),
    }
    if items:
        resource["item"] = items
    return resource


def _date_time(moment: datetime) -> str:
    """A FHIR dateTime; an offset with seconds (which FHIR cannot write) becomes UTC."""
    offset = moment.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        moment = moment.astimezone(UTC)
    return moment.isoformat()
