"""Questionnaires through the API: entering a paper form (scored by the engine),
completed questionnaires with their answers and scores, scores, instruments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.measures.actions import record_paper_form
from peerpath.measures.models import Administration, ResultFlag, StoredScore
from tests.factories import MemberFactory

RESPONSES = "/api/v1/questionnaire-responses/"
SCORES = "/api/v1/scores/"


def enter_url(code: str = "A0001") -> str:
    return f"/api/v1/members/{code}/questionnaire-responses/"


def today() -> dt.date:
    return timezone.localdate()


def phq9(value: float = 1, **overrides) -> dict:
    answers = {str(i): value for i in range(1, 10)}
    answers.update(overrides)
    return answers


def entry(**fields) -> dict:
    return {"instrument": "phq9", "taken_on": today().isoformat(), "reason": "periodic", "answers": phq9(), **fields}


def paper(tenant, member=None, *, value: float = 1, taken_on: dt.date | None = None, instrument="phq9"):
    answers = phq9(value) if instrument == "phq9" else {}
    return record_paper_form(tenant.staff["professional"], member or tenant.member, instrument, answers=answers,
                             taken_on=taken_on or today(), reason="periodic")


# ---- entering -----------------------------------------------------------------------------------


def test_a_paper_form_is_entered_scored_and_audited(org_a, api_for):
    response = api_for("professional").post(enter_url(), entry(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["member"] == "A0001" and body["mode"] == "staff" and body["answers"]["9"] == 1
    total = next(s for s in body["scores"] if s["score"] == "total")
    assert total["value"] == 9 and total["band"] and total["n_answered"] == 9
    administration = Administration.objects.get()
    assert StoredScore.objects.filter(administration=administration, score_id="total").get().value == 9
    events = set(AccessLog.objects.filter(target_id=str(administration.pk)).values_list("event", flat=True))
    assert {Event.MEASURE_RECORDED, Event.API_WRITE} <= events


def test_a_safety_answer_raises_the_same_flag_as_on_the_page(org_a, api_for):
    api_for("professional").post(enter_url(), entry(answers=phq9(0, **{"9": 2})), format="json")
    assert ResultFlag.objects.filter(item_id="9").count() == 1


def test_unanswered_items_may_be_left_out_or_null(org_a, api_for):
    response = api_for("professional").post(enter_url(), entry(answers=phq9(1, **{"9": None})), format="json")
    assert response.status_code == 201
    assert "9" not in response.json()["answers"]


@pytest.mark.parametrize("fields,path", [
    ({"answers": phq9(1, **{"3": 7})}, ("answers", "3")),
    ({"answers": phq9(1, **{"3": 1.5})}, ("answers", "3")),
    ({"answers": phq9(1, **{"10": 1})}, ("answers", "10")),
    ({"answers": phq9(1, **{"3": "often"})}, ("answers", "3")),
    ({"answers": [1, 2, 3]}, ("answers",)),
    ({"taken_on": "2999-01-01"}, ("taken_on",)),
    ({"taken_on": "2000-01-01"}, ("taken_on",)),  # before the member's enrolment
    ({"reason": "whim"}, ("reason",)),
    ({"instrument": "ips25"}, ("instrument",)),  # a programme-level scale
    ({"instrument": "nope"}, ("instrument",)),
    ({"member": "A0002"}, ("member",)),
])
def test_bad_input_names_the_field_or_item_and_saves_nothing(org_a, api_for, fields, path):
    response = api_for("professional").post(enter_url(), entry(**fields), format="json")
    assert response.status_code == 400
    body = response.json()
    for key in path:
        assert key in body, body
        body = body[key]
    assert not Administration.objects.exists() and not StoredScore.objects.exists()


def test_too_few_answers_are_stored_unscored_as_on_the_page(org_a, api_for):
    response = api_for("professional").post(enter_url(), entry(answers={"1": 1}), format="json")
    assert response.status_code == 201
    assert next(s for s in response.json()["scores"] if s["score"] == "total")["value"] is None


@pytest.mark.parametrize("role", ["peer_leader", "researcher"])
def test_roles_without_the_capability_may_not_enter(org_a, api_for, role):
    assert api_for(role).post(enter_url(), entry(), format="json").status_code == 403
    assert not Administration.objects.exists()


def test_entering_for_another_organisations_member_is_404_and_saves_nothing(org_a, org_b, api_for):
    assert api_for("admin").post(enter_url("B0001"), entry(), format="json").status_code == 404
    assert not Administration.objects.exists()


# ---- reading ------------------------------------------------------------------------------------


def test_completed_questionnaires_are_listed_newest_first_with_scores(org_a, api_for):
    paper(org_a, taken_on=today() - dt.timedelta(days=30), value=2)
    paper(org_a, value=1)
    rows = api_for("professional").get(RESPONSES).json()["results"]
    assert [r["taken_on"] for r in rows] == [today().isoformat(), (today() - dt.timedelta(days=30)).isoformat()]
    assert [next(s["value"] for s in r["scores"] if s["score"] == "total") for r in rows] == [9, 18]


def test_responses_filter_by_member_instrument_and_dates(org_a, api_for):
    other = MemberFactory(organization=org_a.org, code="A0002")
    paper(org_a, taken_on=dt.date(2025, 1, 15))
    paper(org_a, member=other, taken_on=dt.date(2025, 2, 15))
    paper(org_a, taken_on=dt.date(2025, 3, 15), instrument="who5")
    client = api_for("professional")

    def dates(query: str) -> list[str]:
        return [r["taken_on"] for r in client.get(RESPONSES + query).json()["results"]]

    assert dates("?member=A0002") == ["2025-02-15"]
    assert dates("?instrument=who5") == ["2025-03-15"]
    assert dates("?from=2025-01-01&to=2025-02-15") == ["2025-02-15", "2025-01-15"]
    assert dates("?member=B0001") == []


@pytest.mark.parametrize("query,parameter", [("?from=15/01/2025", "from"), ("?to=2025-02-30", "to"),
                                             ("?member=%00", "member")])
def test_a_bad_filter_is_a_400_naming_the_parameter(org_a, api_for, query, parameter):
    response = api_for("professional").get(RESPONSES + query)
    assert response.status_code == 400 and parameter in response.json()


def test_one_response_in_detail_and_another_organisations_is_not_found(org_a, org_b, api_for):
    mine, theirs = paper(org_a), paper(org_b)
    client = api_for("professional")
    assert client.get(f"{RESPONSES}{mine.pk}/").json()["id"] == mine.pk
    assert client.get(f"{RESPONSES}{theirs.pk}/").status_code == 404
    assert client.get(f"{RESPONSES}99999999999999999999/").status_code == 404


def test_scores_are_listed_and_filtered(org_a, api_for):
    paper(org_a, taken_on=dt.date(2025, 1, 15), value=2)
    paper(org_a, taken_on=dt.date(2025, 3, 15), instrument="who5")
    client = api_for("professional")
    rows = client.get(SCORES + "?instrument=phq9&score=total").json()["results"]
    assert [(r["member"], r["instrument"], r["score"], r["value"], r["taken_on"]) for r in rows] == [
        ("A0001", "phq9", "total", 18.0, "2025-01-15")]
    assert client.get(SCORES + "?from=2025-02-01").json()["count"] >= 1
    assert client.get(SCORES + "?to=2025-01-01").json()["count"] == 0


@pytest.mark.parametrize("path", [RESPONSES, SCORES, "/api/v1/instruments/"])
@pytest.mark.parametrize("role", ["peer_leader", "researcher"])
def test_questionnaire_results_are_clinical_staff_only(org_a, api_for, path, role):
    assert api_for(role).get(path).status_code == 403


def test_the_instruments_list_names_items_and_answer_options(org_a, api_for):
    body = api_for("professional").get("/api/v1/instruments/").json()
    phq = next(i for i in body if i["id"] == "phq9")
    assert [item["id"] for item in phq["items"]] == [str(i) for i in range(1, 10)]
    assert [o["value"] for o in phq["items"][0]["options"]] == [0, 1, 2, 3]
    assert "ips25" not in {i["id"] for i in body}


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", [RESPONSES + "?page_size=200", SCORES + "?page_size=200"])
def test_lists_make_the_same_number_of_queries_for_3_and_30_questionnaires(org_a, api_for, path):
    client = api_for("professional")
    for _ in range(3):
        paper(org_a)
    client.get(path)  # first use of the token is recorded on it
    few = _queries(client, path)
    for _ in range(27):
        paper(org_a)
    assert _queries(client, path) == few
    # token + membership, count + page (+ the scores of the page), the audit entry (5)
    assert few == 2 + 2 + (1 if path.startswith(RESPONSES) else 0) + 5
