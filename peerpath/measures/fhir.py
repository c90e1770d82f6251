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
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from numbers import Real
from typing import Any
from urllib.parse import quote

from .definitions import LANGUAGES, Instrument, Item, ResponseSet, Score, Text

DEFAULT_BASE_URL = "https://peerpath.example.org/fhir"
TOLERANCE = 1e-9  # as the scoring engine matches answers to options

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"

# Peerpath's interface languages as BCP-47 codes (FHIR's ``language``).
FHIR_LANGUAGE = {"en": "en", "zh-hant": "zh-Hant"}
# QuestionnaireResponse.status (required binding in R4).
RESPONSE_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
SUBJECT_TYPE = {"member": "Patient", "programme": "Organization", "group_session": "Group"}
INSTRUCTIONS_LINK_ID = "instructions"

JSON = dict[str, Any]


# --- names and codes ----------------------------------------------------------------


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return language


def questionnaire_url(instrument: Instrument, base_url: str = DEFAULT_BASE_URL) -> str:
    """The canonical URL of the instrument's Questionnaire (without the version)."""
    return f"{base_url.rstrip('/')}/Questionnaire/{instrument.id}"


def questionnaire_canonical(instrument: Instrument, base_url: str = DEFAULT_BASE_URL) -> str:
    """``url|version``: what a QuestionnaireResponse points at."""
    return f"{questionnaire_url(instrument, base_url)}|{instrument.version}"


def code_system_url(
    instrument: Instrument, response_set: str, base_url: str = DEFAULT_BASE_URL
) -> str:
    """The code system of one response set's answer codes."""
    return f"{base_url.rstrip('/')}/CodeSystem/{_code_system_name(instrument, response_set)}"


def _code_system_name(instrument: Instrument, response_set: str) -> str:
    return quote(f"{instrument.id}-{response_set}", safe="")


def score_link_id(score: Score) -> str:
    return f"score-{score.id}"


def answer_code(value: float) -> str:
    """An option value as a FHIR code: ``"3"`` for 3.0, ``"2.5"`` for 2.5."""
    return str(_number(value))


def _number(value: float) -> int | float:
    """A JSON number: an integral value as an int (``0``, not ``0.0``)."""
    number = float(value)
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def _computable_name(instrument: Instrument) -> str:
    """``Questionnaire.name``: ``[A-Z][A-Za-z0-9_]*`` from the short name (PHQ-9 → PHQ9)."""
    name = "".join(c for c in instrument.short_name if c.isascii() and (c.isalnum() or c == "_"))
    name = name or instrument.id.upper()
    if not name[0].isalpha():
        name = "Q" + name
    return name[0].upper() + name[1:]


def _resource_id(instrument: Instrument, language: str) -> str:
    # FHIR ids are [A-Za-z0-9\-.]{1,64}; instrument ids are [a-z0-9_]+.
    return f"{instrument.id.replace('_', '-')}-v{instrument.version}-{language}"[:64]


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


def _allowed(response_set: ResponseSet) -> str:
    if response_set.continuous:
        return f"a number from {response_set.low:g} to {response_set.high:g}"
    return "one of " + ", ".join(f"{v:g}" for v in response_set.values)


def _valid_value(instrument: Instrument, item: Item, value: float) -> float:
    """``value`` if it is an answer option of ``item`` (the option's own value), else
    ``ValueError`` naming the item, the value and the options."""
    response_set = instrument.response_sets[item.response_set]
    if response_set.continuous:
        if response_set.low - TOLERANCE <= value <= response_set.high + TOLERANCE:
            return value
    else:
        for option in response_set.options:
            if abs(option.value - value) <= TOLERANCE:
                return option.value
    raise ValueError(
        f"{instrument.id}, item {item.id!r}: value {value:g} is not an answer option "
        f"({_allowed(response_set)})"
    )


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
