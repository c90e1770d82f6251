"""Shared helpers for the FHIR R4 export tests: every generated resource is validated
with fhir.resources (no database).

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
from datetime import datetime, timedelta, timezone
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from peerpath.measures.definitions import Instrument, load_library
from peerpath.measures.fhir import (
    to_questionnaire_response,
)

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


def phq9_response(phq9: Instrument, **kwargs: Any) -> dict[str, Any]:
    answers = {str(i): 1 for i in range(1, 10)}
    return to_questionnaire_response(
        phq9, answers, subject_reference=SUBJECT, authored=AUTHORED, **kwargs
    )
