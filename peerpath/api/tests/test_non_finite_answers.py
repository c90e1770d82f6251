"""Entering a paper form through the API: an answer that is not a finite number is a
400 naming the item, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from peerpath.measures.models import Administration


def body(value: object) -> dict:
    answers: dict[str, object] = {str(i): 1 for i in range(1, 10)}
    answers["9"] = value
    return {"instrument": "phq9", "taken_on": timezone.localdate().isoformat(), "reason": "periodic",
            "answers": answers}


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_a_non_finite_answer_as_text_is_a_400_naming_the_item(org_a, api_for, value):
    response = api_for("professional").post(f"/api/v1/members/{org_a.member.code}/questionnaire-responses/",
                                             body(value), format="json")
    assert response.status_code == 400
    assert "9" in response.json()["answers"]
    assert not Administration.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_json_number_is_a_400_and_stores_nothing(org_a, api_for, literal):
    raw = json.dumps(body(0)).replace('"9": 0', f'"9": {literal}')
    response = api_for("professional").post(f"/api/v1/members/{org_a.member.code}/questionnaire-responses/",
                                             raw, content_type="application/json")
    assert response.status_code == 400
    assert not Administration.objects.exists()
