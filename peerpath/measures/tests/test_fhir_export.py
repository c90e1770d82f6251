"""FHIR R4 export: every instrument as a valid Questionnaire and QuestionnaireResponse,
shipped and licensed wording, and answers refused when exporting (no database).

See ``_fhir_helpers`` for why the R4B models of fhir.resources are used."""

from __future__ import annotations

import json
import random

import pytest
from fhir.resources.R4B import __fhir_version__ as FHIR_VERSION

from peerpath.measures.definitions import LANGUAGES, Instrument
from peerpath.measures.fhir import (
    DEFAULT_BASE_URL,
    ORDINAL_VALUE,
    TRANSLATION,
    code_system_url,
    from_questionnaire_response,
    to_questionnaire,
    to_questionnaire_response,
)
from peerpath.measures.scoring import score_one
from peerpath.measures.tests._fhir_helpers import (
    AUTHORED,
    LIBRARY,
    LICENSED,
    SUBJECT,
    answered,
    check_questionnaire,
    check_response,
    random_answers,
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
