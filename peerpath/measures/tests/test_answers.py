"""Answers that are not finite numbers (``nan``, ``inf``, ``1e999``) are refused with
the item named, wherever they come in, and never stored; answer buttons show the
numbers when the instructions speak of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.measures import actions
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.library import library
from peerpath.measures.models import Administration, AdministrationStatus, StoredScore

NON_FINITE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999"]


@pytest.fixture
def link(org_a):
    org_a.member.preferred_language = "en"
    org_a.member.save(update_fields=["preferred_language"])

    def make(instrument: str = "phq9") -> tuple[Administration, str]:
        administration, token = actions.create_link(
            org_a.staff["professional"], org_a.member, instrument, reason="periodic"
        )
        return administration, f"/r/{token}/"

    return make


@pytest.mark.parametrize("value", NON_FINITE)
def test_clean_answers_refuses_a_non_finite_answer_naming_the_item(value):
    with pytest.raises(actions.AnswerError, match=r"Item 9: .* is not an answer") as refused:
        actions.clean_answers(get_instrument("phq9"), {"1": 1, "9": value})
    assert refused.value.item_id == "9"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_clean_answers_refuses_non_finite_floats_too(value):
    with pytest.raises(actions.AnswerError) as refused:
        actions.clean_answers(get_instrument("phq9"), {"4": value})
    assert refused.value.item_id == "4"


def test_clean_answers_names_an_answer_that_is_not_an_option():
    with pytest.raises(actions.AnswerError, match=r"Item 3: 7 is not one of its answers") as refused:
        actions.clean_answers(get_instrument("phq9"), {"1": 0, "3": "7"})
    assert refused.value.item_id == "3"


@pytest.mark.parametrize("value", NON_FINITE)
def test_a_non_finite_answer_on_the_self_report_page_is_a_400_naming_the_question(link, client, value):
    administration, path = link()
    client.post(path, {"item": "1", "value": "2"})

    response = client.post(path, {"item": "9", "value": value})

    assert response.status_code == 400
    assert "Item 9:" in response.content.decode() and response.context["number"] == 9
    administration.refresh_from_db()
    assert administration.answers == {"1": 2.0}  # nothing of it stored


def test_an_answer_that_is_not_an_option_on_the_self_report_page_is_a_400(link, client):
    administration, path = link()
    response = client.post(path, {"item": "2", "value": "9"})
    assert response.status_code == 400 and "Item 2: 9 is not one of its answers" in response.content.decode()
    administration.refresh_from_db()
    assert administration.answers == {} and administration.status == AdministrationStatus.PENDING


@pytest.mark.parametrize("value", ["nan", "inf", "1e999"])
def test_a_non_finite_answer_on_the_paper_form_names_the_item_and_stores_nothing(org_a, coordinator, value):
    data = {"reason": "periodic", "taken_on": timezone.localdate().isoformat(),
            **{f"item_{i}": "1" for i in range(1, 10)}, "item_9": value}
    response = coordinator.post(f"/members/{org_a.member.code}/questionnaires/enter/phq9/", data)
    assert response.status_code == 200  # the form again, with the item's message
    assert "item_9" in response.context["form"].errors
    assert not Administration.objects.exists() and not StoredScore.objects.exists()


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_non_finite_answer_entered_by_staff_is_refused_by_the_action(org_a, value):
    with pytest.raises(actions.AnswerError):
        actions.record_paper_form(org_a.staff["professional"], org_a.member, "phq9",
                                  answers={"9": value}, taken_on=timezone.localdate(), reason="periodic")
    assert not Administration.objects.exists()


# --- numbers on the answer buttons ------------------------------------------------------


def test_who5_shows_the_number_beside_each_answer(link, client):
    _administration, path = link("who5")
    page = client.get(path).content.decode()
    assert '<b class="answer-value">0</b>&nbsp;—&nbsp;At no time' in page
    assert '<b class="answer-value">5</b>&nbsp;—&nbsp;All of the time' in page


def test_phq9_answers_show_their_labels_only(link, client):
    _administration, path = link("phq9")
    page = client.get(path).content.decode()
    assert "answer-value" not in page and "Not at all" in page


def test_every_instrument_whose_instructions_speak_of_numbers_shows_them():
    words = ("number", "數字")
    for instrument in library().values():
        texts = [instrument.instructions.get(lang) for lang in ("en", "zh-hant")] if instrument.instructions else []
        if any(w in (t or "").lower() for t in texts for w in words):
            assert instrument.show_values, f"{instrument.id}: the instructions speak of numbers"


def test_the_kiosk_pages_show_the_numbers_too(org_a, client):
    org_a.member.preferred_language = "zh-hant"
    org_a.member.save(update_fields=["preferred_language"])
    Administration.objects.create(
        organization=org_a.org, member=org_a.member, instrument_id="who5", instrument_version=1, mode="kiosk",
        language="zh-hant", link_token_hash=actions.token_hash("kiosk-who5"),
        link_expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    page = client.get("/r/kiosk-who5/").content.decode()
    assert '<b class="answer-value">3</b>&nbsp;—&nbsp;超過一半的時間' in page
