"""FHIR R4: reading QuestionnaireResponses back, argument checks, and response sets
the library does not ship yet (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from peerpath.measures.definitions import Instrument
from peerpath.measures.fhir import (
    code_system_url,
    from_questionnaire_response,
    questionnaire_canonical,
    to_questionnaire,
    to_questionnaire_response,
)
from peerpath.measures.tests._fhir_helpers import (
    AUTHORED,
    LIBRARY,
    SUBJECT,
    check_questionnaire,
    check_response,
    inline,
    options,
    phq9_response,
)


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
