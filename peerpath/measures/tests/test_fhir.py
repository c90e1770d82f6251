"""FHIR R4 export: every generated resource is validated with fhir.resources (no database).

fhir.resources has no plain R4 models since version 7 (its default is R5); its R4B
models are used, R4B leaving Questionnaire and QuestionnaireResponse as in R4.
fhir.resources checks structure, cardinality and primitive formats but not the
required code bindings or the resource invariants, so ``check_questionnaire`` and
``check_response`` check those that apply here.
"""

from __future__ import annotations

import json
import math
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B import __fhir_version__ as FHIR_VERSION
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from peerpath.measures.definitions import LANGUAGES, Instrument, load_library
from peerpath.measures.fhir import (
    DEFAULT_BASE_URL,
    ORDINAL_VALUE,
    TRANSLATION,
    code_system_url,
    from_questionnaire_response,
    questionnaire_canonical,
    to_questionnaire,
    to_questionnaire_response,
)
from peerpath.measures.scoring import score_one

LIBRARY = load_library()
AUTHORED = datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=8)))
SUBJECT = "Patient/member-42"
# Wording an organisation might hold under licence: it must appear only when passed in.
LICENSED = "LICENSED WORDING, NOT FOR REDISTRIBUTION"

# Required bindings in R4 (not checked by fhir.resources).
PUBLICATION_STATUS = {"draft", "active", "retired", "unknown"}
ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
    "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip
RESPONSE_STATUS = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
RESOURCE_TYPES = {"Patient", "Organization", "Group"}


# --- validation helpers -------------------------------------------------------------


def roundtrips_through(model: Any, resource: dict[str, Any]) -> None:
    """Validate with fhir.resources and check that nothing was dropped or altered."""
    text = json.dumps(resource, allow_nan=False, ensure_ascii=False)  # JSON-ready
    parsed = model.model_validate(json.loads(text))
    assert json.loads(parsed.model_dump_json()) == resource


def all_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        found.append(item)
        found += all_items(item.get("item", []))
    return found


def check_questionnaire(resource: dict[str, Any]) -> None:
    roundtrips_through(Questionnaire, resource)
    assert resource["status"] in PUBLICATION_STATUS
    assert re.fullmatch(r"[A-Z]([A-Za-z0-9_]){0,254}", resource["name"])  # inv-0
    assert set(resource["subjectType"]) <= RESOURCE_TYPES
    items = all_items(resource["item"])
    link_ids = [i["linkId"] for i in items]
    assert len(link_ids) == len(set(link_ids))  # que-2
    for item in items:
        assert item["type"] in ITEM_TYPES
        if "answerOption" in item:
            assert item["type"] in {"choice", "open-choice"}  # que-5
        if item["type"] == "display":  # que-6, que-9
            assert not {"required", "repeats", "readOnly", "answerOption"} & set(item)
        if item["type"] == "group":
            assert item.get("item")  # que-1


def check_response(resource: dict[str, Any], questionnaire: dict[str, Any]) -> None:
    roundtrips_through(QuestionnaireResponse, resource)
    assert resource["status"] in RESPONSE_STATUS
    assert resource["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    definitions = {i["linkId"]: i for i in questionnaire["item"]}
    order = list(definitions)
    answered = [i["linkId"] for i in resource.get("item", [])]
    assert answered == sorted(answered, key=order.index)  # same order as the Questionnaire
    for item in resource.get("item", []):
        definition = definitions[item["linkId"]]
        assert definition["type"] != "display"
        for answer in item["answer"]:
            if definition["type"] == "choice":
                options = [o["valueCoding"] for o in definition["answerOption"]]
                coding = answer["valueCoding"]
                assert any(
                    (o["system"], o["code"], o["display"])
                    == (coding["system"], coding["code"], coding["display"])
                    for o in options
                )
            else:
                assert definition["type"] == "decimal" and set(answer) == {"valueDecimal"}


def random_answers(instrument: Instrument, rng: random.Random) -> dict[str, float | None]:
    answers: dict[str, float | None] = {}
    for item in instrument.items:
        if rng.random() < 0.1:
            answers[item.id] = None if rng.random() < 0.5 else math.nan
            continue
        response_set = instrument.response_sets[item.response_set]
        if response_set.continuous:
            answers[item.id] = rng.uniform(response_set.low, response_set.high)
        else:
            answers[item.id] = rng.choice(response_set.values)
    return answers


def answered(answers: dict[str, float | None]) -> dict[str, float]:
    return {k: v for k, v in answers.items() if v is not None and not math.isnan(v)}


def inline(response_sets: dict[str, Any], items: list[dict[str, Any]], **extra: Any) -> Instrument:
    first = next(iter(response_sets))
    return Instrument.model_validate(
        {
            "id": "inline",
            "version": 2,
            "short_name": "in-line 1",
            "name": {"en": "Inline"},
            "domain": "testing",
            "response_sets": response_sets,
            "items": [{"response_set": first, **i} for i in items],
            "scores": [
                {
                    "id": "total",
                    "label": {"en": "Total"},
                    "items": [i["id"] for i in items],
                    "method": "mean",
                    "direction": "higher_is_better",
                }
            ],
            "licence": {"wording_redistributable": True, "text": "test"},
            "citation": "none",
            "translations": {"en": {"status": "original"}},
            **extra,
        }
    )


def options(*values: float) -> dict[str, Any]:
    return {"options": [{"value": v, "label": {"en": f"{v:g} points"}} for v in values]}


@pytest.fixture(scope="module")
def phq9() -> Instrument:
    return LIBRARY["phq9"]


def phq9_response(phq9: Instrument, **kwargs: Any) -> dict[str, Any]:
    answers = {str(i): 1 for i in range(1, 10)}
    return to_questionnaire_response(
        phq9, answers, subject_reference=SUBJECT, authored=AUTHORED, **kwargs
    )


# --- every instrument, both languages ---------------------------------------------


def test_the_models_are_fhir_4() -> None:
    assert FHIR_VERSION.startswith("4.")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("instrument_id", sorted(LIBRARY))
def test_every_instrument_exports_a_valid_questionnaire(instrument_id: str, language: str) -> None:
    instrument = LIBRARY[instrument_id]

    resource = to_questionnaire(instrument, language=language)

    check_questionnaire(resource)
    assert resource["url"] == f"{DEFAULT_BASE_URL}/Questionnaire/{instrument.id}"
    assert resource["version"] == str(instrument.version)
    assert resource["identifier"][0]["value"] == instrument.id
    assert resource["status"] == "active"
    assert resource["title"] == instrument.name.get(language)
    assert resource["copyright"] == instrument.licence.text
    assert resource["language"] == {"en": "en", "zh-hant": "zh-Hant"}[language]
    by_link = {i["linkId"]: i for i in resource["item"]}
    for item in instrument.items:
        entry = by_link[item.id]
        response_set = instrument.response_sets[item.response_set]
        assert entry["type"] == "choice"
        assert entry["text"]
        codings = [o["valueCoding"] for o in entry["answerOption"]]
        assert [float(c["code"]) for c in codings] == response_set.values
        assert {c["system"] for c in codings} == {code_system_url(instrument, item.response_set)}
        assert [c["display"] for c in codings] == [
            o.label.get(language) for o in response_set.options
        ]
        ordinals = [o["extension"] for o in entry["answerOption"]]
        assert ordinals == [
            [{"url": ORDINAL_VALUE, "valueDecimal": float(c["code"])}] for c in codings
        ]
    for score in instrument.scores:
        entry = by_link[f"score-{score.id}"]
        assert entry["type"] == "decimal" and entry["readOnly"] is True
        assert score.label.get(language) in entry["text"] and "Peerpath" in entry["text"]
    # answer items, then scores, then nothing else but the instructions
    assert len(resource["item"]) == len(instrument.items) + len(instrument.scores) + (
        instrument.instructions is not None
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("instrument_id", sorted(LIBRARY))
def test_every_instrument_round_trips_answers_through_a_valid_response(
    instrument_id: str, language: str
) -> None:
    instrument = LIBRARY[instrument_id]
    questionnaire = to_questionnaire(instrument, language=language)
    rng = random.Random(f"{instrument_id}-{language}")

    for _ in range(5):
        answers = random_answers(instrument, rng)
        scored = score_one(instrument, answers)
        response = to_questionnaire_response(
            instrument,
            answers,
            subject_reference=SUBJECT,
            authored=AUTHORED,
            scores=scored,
            language=language,
        )

        check_response(response, questionnaire)
        assert response["subject"] == {"reference": SUBJECT}
        assert response["authored"] == "2026-11-26T09:30:00+08:00"
        back = from_questionnaire_response(instrument, response)
        assert back == answered(answers)
        assert score_one(instrument, back) == scored
        values = {
            i["linkId"]: i["answer"][0]["valueDecimal"]
            for i in response.get("item", [])
            if i["linkId"].startswith("score-")
        }
        assert values == {
            f"score-{k}": pytest.approx(v["value"])
            for k, v in scored["scores"].items()
            if v["valid"]
        }


def test_an_empty_response_is_valid_and_reads_back_empty(phq9: Instrument) -> None:
    response = to_questionnaire_response(
        phq9, {}, subject_reference=SUBJECT, authored=AUTHORED, status="in-progress"
    )

    check_response(response, to_questionnaire(phq9))
    assert from_questionnaire_response(phq9, response) == {}


# --- texts and licensed wording -----------------------------------------------------


def test_shipped_wording_is_the_text_and_the_other_language_a_translation(
    phq9: Instrument,
) -> None:
    item = next(i for i in to_questionnaire(phq9, language="zh-hant")["item"] if i["linkId"] == "9")

    assert item["text"] == "有不如死掉或用某種方式傷害自己的念頭"
    assert item["_text"] == {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": "en"},
                    {
                        "url": "content",
                        "valueString": "Thoughts that you would be better off dead or of hurting yourself in some way",
                    },
                ],
            }
        ]
    }


RESTRICTED = sorted(i for i, inst in LIBRARY.items() if not inst.licence.wording_redistributable)


def test_some_shipped_instruments_have_restricted_wording() -> None:
    assert {"ismi29", "hhi", "ahs"} <= set(RESTRICTED)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("instrument_id", RESTRICTED)
def test_restricted_wording_is_absent_unless_given(instrument_id: str, language: str) -> None:
    instrument = LIBRARY[instrument_id]
    placeholder = "Item {}" if language == "en" else "第 {} 題"

    plain = to_questionnaire(instrument, language=language)
    local = to_questionnaire(instrument, language=language, local_wording={"1": LICENSED})
    response = to_questionnaire_response(
        instrument,
        {"1": instrument.response_sets[instrument.items[0].response_set].values[0]},
        subject_reference=SUBJECT,
        authored=AUTHORED,
        language=language,
    )

    texts = {i["linkId"]: i["text"] for i in plain["item"]}
    assert all(texts[item.id] == placeholder.format(item.id) for item in instrument.items)
    assert LICENSED not in json.dumps(plain, ensure_ascii=False)
    assert LICENSED not in json.dumps(response, ensure_ascii=False)
    check_questionnaire(local)
    first = next(i for i in local["item"] if i["linkId"] == "1")
    assert first["text"] == LICENSED and "_text" not in first
    assert json.dumps(local, ensure_ascii=False).count(LICENSED) == 1
    assert [i for i in local["item"] if i["linkId"] != "1"] == [
        i for i in plain["item"] if i["linkId"] != "1"
    ]


def test_local_wording_replaces_the_shipped_wording(phq9: Instrument) -> None:
    local = to_questionnaire(phq9, language="zh-hant", local_wording={"9": "台灣驗證版第九題"})

    item = next(i for i in local["item"] if i["linkId"] == "9")
    assert item["text"] == "台灣驗證版第九題"
    assert "_text" not in item  # the shipped wording is not carried as a translation


def test_local_wording_for_an_unknown_item_or_without_text_is_refused(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match="'10' is not an item of phq9"):
        to_questionnaire(phq9, local_wording={"10": "text"})
    with pytest.raises(ValueError, match="item '1' of phq9 has no text"):
        to_questionnaire(phq9, local_wording={"1": "  "})


# --- answers that are not options -----------------------------------------------


def test_an_answer_not_in_the_options_is_refused_when_exporting(phq9: Instrument) -> None:
    with pytest.raises(
        ValueError, match=r"phq9, item '3': value 4 is not an answer option \(one of 0, 1, 2, 3\)"
    ):
        to_questionnaire_response(
            phq9, {"1": 0, "3": 4}, subject_reference=SUBJECT, authored=AUTHORED
        )
    with pytest.raises(ValueError, match="value 1.5 is not an answer option"):
        to_questionnaire_response(phq9, {"1": 1.5}, subject_reference=SUBJECT, authored=AUTHORED)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "value True is not a number"),
        ("2", "value '2' is not a number"),
    ],
)
def test_an_answer_that_is_not_a_number_is_refused(
    phq9: Instrument, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        to_questionnaire_response(phq9, {"1": value}, subject_reference=SUBJECT, authored=AUTHORED)


def test_an_unknown_item_is_refused_when_exporting(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match=r"\['10'\] are not items of phq9"):
        to_questionnaire_response(phq9, {"10": 1}, subject_reference=SUBJECT, authored=AUTHORED)


def set_answer(response: dict[str, Any], link_id: str, answer: list[dict[str, Any]]) -> None:
    next(i for i in response["item"] if i["linkId"] == link_id)["answer"] = answer


def coding(code: str, system: str | None = None) -> dict[str, Any]:
    return {
        "valueCoding": {
            "system": system or code_system_url(LIBRARY["phq9"], "frequency"),
            "code": code,
        }
    }


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([coding("4")], r"item '2': value 4 is not an answer option \(one of 0, 1, 2, 3\)"),
        ([coding("often")], r"code 'often' is not an answer option \(one of 0, 1, 2, 3\)"),
        ([coding("nan")], "code 'nan' is not an answer option"),
        (
            [coding("1", "http://loinc.org")],
            "code system 'http://loinc.org' is not the answer codes",
        ),
        ([{"valueString": "1"}], "item '2' of phq9 expects a valueCoding"),
        ([coding("1"), coding("2")], "item '2' has 2 answers, expected one"),
        (coding("1"), "item '2': answer must be a list"),
    ],
)
def test_an_answer_not_in_the_options_is_refused_when_reading(
    phq9: Instrument, answer: Any, message: str
) -> None:
    response = phq9_response(phq9)
    set_answer(response, "2", answer)

    with pytest.raises(ValueError, match=message):
        from_questionnaire_response(phq9, response)


def test_a_response_to_another_instrument_or_version_is_refused(phq9: Instrument) -> None:
    response = phq9_response(phq9)

    with pytest.raises(ValueError, match="is not instrument k10"):
        from_questionnaire_response(LIBRARY["k10"], response)
    response["questionnaire"] = response["questionnaire"].replace("|1", "|2")
    with pytest.raises(ValueError, match="version 2 is not version 1 of phq9"):
        from_questionnaire_response(phq9, response)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resourceType": "Questionnaire"}, "expected a QuestionnaireResponse"),
        ({"status": "entered-in-error"}, "marked entered-in-error"),
        (
            {"item": [{"linkId": "99", "answer": [coding("1")]}]},
            "linkId '99' is not an item of phq9",
        ),
        (
            {
                "item": [
                    {"linkId": "1", "answer": [coding("1")]},
                    {"linkId": "1", "answer": [coding("2")]},
                ]
            },
            r"item\[1\]: item '1' appears twice",
        ),
    ],
)
def test_malformed_responses_are_refused(
    phq9: Instrument, change: dict[str, Any], message: str
) -> None:
    response = {**phq9_response(phq9), **change}

    with pytest.raises(ValueError, match=message):
        from_questionnaire_response(phq9, response)


def test_reading_accepts_nested_groups_another_base_url_and_no_canonical(phq9: Instrument) -> None:
    other = "https://fhir.other-programme.example/r4"
    response = phq9_response(phq9, base_url=other)
    response["item"] = [{"linkId": "page-1", "item": response["item"]}]
    del response["questionnaire"]

    assert from_questionnaire_response(phq9, response) == {str(i): 1.0 for i in range(1, 10)}


# --- arguments ------------------------------------------------------------------


def test_authored_must_be_timezone_aware(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        to_questionnaire_response(
            phq9,
            {},
            subject_reference=SUBJECT,
            authored=datetime(2026, 1, 1),  # noqa: DTZ001
        )
    utc = to_questionnaire_response(
        phq9, {}, subject_reference=SUBJECT, authored=datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert utc["authored"] == "2026-01-01T00:00:00+00:00"
    odd = datetime(2026, 1, 1, 8, 0, 30, tzinfo=timezone(timedelta(hours=8, seconds=30)))
    odd_offset = to_questionnaire_response(phq9, {}, subject_reference=SUBJECT, authored=odd)
    assert odd_offset["authored"] == "2026-01-01T00:00:00+00:00"  # FHIR has no offset seconds


def test_unknown_status_language_or_empty_subject_is_refused(phq9: Instrument) -> None:
    with pytest.raises(ValueError, match="status 'done'"):
        phq9_response(phq9, status="done")
    with pytest.raises(ValueError, match="language 'fr'"):
        phq9_response(phq9, language="fr")
    with pytest.raises(ValueError, match="language 'zh'"):
        to_questionnaire(phq9, language="zh")
    with pytest.raises(ValueError, match="subject_reference"):
        to_questionnaire_response(phq9, {}, subject_reference=" ", authored=AUTHORED)


def test_scores_as_plain_values_and_unscorable_scores(phq9: Instrument) -> None:
    plain = phq9_response(phq9, scores={"total": 9.0})
    missing = phq9_response(phq9, scores={"total": None})
    nested = phq9_response(phq9, scores={"total": {"value": 9}})

    assert plain["item"][-1] == {"linkId": "score-total", "answer": [{"valueDecimal": 9}]}
    assert nested == plain
    assert all(i["linkId"] != "score-total" for i in missing["item"])
    with pytest.raises(ValueError, match="'severity' is not a score of phq9"):
        phq9_response(phq9, scores={"severity": 3})


def test_questionnaire_response_points_at_the_questionnaire(phq9: Instrument) -> None:
    base = "https://example.org/fhir/"
    questionnaire = to_questionnaire(phq9, base_url=base)
    response = phq9_response(phq9, base_url=base)

    assert questionnaire["url"] == "https://example.org/fhir/Questionnaire/phq9"
    assert (
        response["questionnaire"]
        == questionnaire_canonical(phq9, base)
        == ("https://example.org/fhir/Questionnaire/phq9|1")
    )
    check_response(response, questionnaire)
    english, chinese = to_questionnaire(phq9), to_questionnaire(phq9, language="zh-hant")
    assert (english["url"], english["version"]) == (chinese["url"], chinese["version"])
    assert english["id"] != chinese["id"]


# --- response sets the library does not ship yet ------------------------------------


def test_fractional_option_values_are_codes_and_round_trip() -> None:
    instrument = inline({"halves": options(0, 0.5, 1, 1.5)}, [{"id": "a"}, {"id": "b"}])
    questionnaire = to_questionnaire(instrument)
    response = to_questionnaire_response(
        instrument, {"a": 0.5, "b": 1.0}, subject_reference=SUBJECT, authored=AUTHORED
    )

    check_questionnaire(questionnaire)
    check_response(response, questionnaire)
    codes = [o["valueCoding"]["code"] for o in questionnaire["item"][0]["answerOption"]]
    assert codes == ["0", "0.5", "1", "1.5"]
    assert questionnaire["name"] == "Inline1"
    assert from_questionnaire_response(instrument, response) == {"a": 0.5, "b": 1.0}


def test_a_continuous_item_is_a_decimal_with_its_range() -> None:
    vas = {**options(0, 100), "continuous": True}
    instrument = inline({"vas": vas}, [{"id": "pain"}])
    questionnaire = to_questionnaire(instrument)
    response = to_questionnaire_response(
        instrument, {"pain": 37.5}, subject_reference=SUBJECT, authored=AUTHORED
    )

    check_questionnaire(questionnaire)
    check_response(response, questionnaire)
    item = questionnaire["item"][0]
    assert item["type"] == "decimal" and "answerOption" not in item
    assert [e["valueDecimal"] for e in item["extension"]] == [0, 100]
    assert from_questionnaire_response(instrument, response) == {"pain": 37.5}
    with pytest.raises(
        ValueError, match=r"value 101 is not an answer option \(a number from 0 to 100\)"
    ):
        to_questionnaire_response(
            instrument, {"pain": 101}, subject_reference=SUBJECT, authored=AUTHORED
        )


def test_an_item_id_that_clashes_with_a_score_link_id_is_refused() -> None:
    instrument = inline({"set": options(1, 2)}, [{"id": "score-total"}])

    with pytest.raises(ValueError, match="linkId 'score-total' is used twice"):
        to_questionnaire(instrument)
