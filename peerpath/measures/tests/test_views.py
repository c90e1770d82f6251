"""Questionnaires through the pages: paper entry, self-report links, results."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.measures.models import Administration, ResultFlag, StoredScore

PHQ9 = [str(i) for i in range(1, 10)]


def paper(client, code, instrument="phq9", answers=None, taken_on=None, **extra):
    data = {"taken_on": (taken_on or timezone.localdate()).isoformat(), "reason": "periodic", **extra}
    for item, value in (answers or {}).items():
        data[f"item_{item}"] = str(value)
    return client.post(f"/members/{code}/questionnaires/enter/{instrument}/", data)


def test_a_paper_phq9_is_scored_banded_and_audited(org_a, coordinator):
    response = paper(coordinator, org_a.member.code, answers=dict.fromkeys(PHQ9, 2))
    assert response.status_code == 302
    score = StoredScore.objects.get(member=org_a.member, instrument_id="phq9", score_id="total")
    assert (score.value, score.band_index, score.flag, score.definition_version) == (18.0, 3, True, 1)
    assert AccessLog.objects.filter(event=Event.MEASURE_RECORDED).exists()
    page = coordinator.get(f"/members/{org_a.member.code}/questionnaires/").content.decode()
    assert "Moderately severe" in page and "18" in page


def test_one_missing_phq9_answer_is_prorated_two_are_not_scored(org_a, coordinator):
    answers = dict.fromkeys(PHQ9[:8], 1)
    paper(coordinator, org_a.member.code, answers=answers)
    first = StoredScore.objects.get(score_id="total")
    assert first.value == 9.0 and first.prorated  # 8 × 9/8 = 9
    paper(coordinator, org_a.member.code, answers=dict.fromkeys(PHQ9[:7], 1))
    assert StoredScore.objects.filter(score_id="total", value__isnull=True).count() == 1


def test_a_safety_answer_raises_a_flag_until_followed_up(org_a, coordinator):
    paper(coordinator, org_a.member.code, answers={**dict.fromkeys(PHQ9, 0), "9": 1})
    flag = ResultFlag.objects.get(member=org_a.member)
    assert flag.item_id == "9"
    page = coordinator.get(f"/members/{org_a.member.code}/questionnaires/").content.decode()
    assert "Results to follow up" in page
    # A safety answer is not followed up with one click: the button leads to its
    # safety follow-up, where the contact (when, how, outcome) is recorded.
    follow_up = flag.administration.safety_follow_up
    response = coordinator.post(f"/members/{org_a.member.code}/questionnaires/flags/{flag.pk}/")
    assert response["Location"] == f"/members/{org_a.member.code}/safety/{follow_up.pk}/"
    flag.refresh_from_db()
    assert flag.followed_up_at is None
    coordinator.post(response["Location"], {
        "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "method": "phone", "outcome": "safe",
        "plan": "reviewed",
    })
    flag.refresh_from_db()
    assert flag.followed_up_at is not None
    assert "Results to follow up" not in coordinator.get(
        f"/members/{org_a.member.code}/questionnaires/").content.decode()


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"taken_on": "2999-01-01"}, "taken_on"),
        ({"taken_on": "1990-01-01"}, "taken_on"),
        ({"item_1": "7"}, "item_1"),
    ],
)
def test_bad_paper_input_names_the_field_and_writes_nothing(org_a, coordinator, extra, field):
    answers = dict.fromkeys(PHQ9, 1)
    data = {"reason": "periodic", "taken_on": timezone.localdate().isoformat(),
            **{f"item_{k}": str(v) for k, v in answers.items()}, **extra}
    response = coordinator.post(f"/members/{org_a.member.code}/questionnaires/enter/phq9/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Administration.objects.exists() and not StoredScore.objects.exists()


def test_an_unknown_questionnaire_is_404(org_a, coordinator):
    assert coordinator.get(f"/members/{org_a.member.code}/questionnaires/enter/nope/").status_code == 404


def test_reliable_change_is_shown_between_two_results(org_a, coordinator):
    member = org_a.member
    low = dict.fromkeys(["1", "2", "3", "4", "5"], 1)  # raw 5
    high = dict.fromkeys(["1", "2", "3", "4", "5"], 4)  # raw 20
    paper(coordinator, member.code, "who5", low, taken_on=timezone.localdate() - dt.timedelta(days=90))
    paper(coordinator, member.code, "who5", high)
    page = coordinator.get(f"/members/{member.code}/questionnaires/").content.decode()
    assert "reliably improved" in page


def test_peer_leaders_never_see_questionnaires(org_a, coordinator, client_for):
    paper(coordinator, org_a.member.code, answers=dict.fromkeys(PHQ9, 1))
    peer = client_for("peer_leader")
    assert peer.get(f"/members/{org_a.member.code}/questionnaires/").status_code == 403
    timeline = peer.get(f"/members/{org_a.member.code}/").context["timeline"]
    assert not [e for e in timeline if e.kind == "questionnaire.completed"]
    staff_timeline = coordinator.get(f"/members/{org_a.member.code}/").context["timeline"]
    [entry] = [e for e in staff_timeline if e.kind == "questionnaire.completed"]
    assert entry.title == "Questionnaire: PHQ-9" and "Total 9" in entry.detail


# -- self-report links -------------------------------------------------------


def make_link(client, code, instrument="phq9"):
    response = client.post(f"/members/{code}/questionnaires/link/", {"instrument": instrument, "reason": "periodic"})
    assert response.status_code == 200
    return re.search(r"http://testserver(/r/[^/]+/)", response.content.decode()).group(1)


def test_a_member_answers_by_link_one_question_at_a_time(org_a, coordinator, client):
    path = make_link(coordinator, org_a.member.code)
    first = client.get(path)
    assert first.status_code == 200 and first.context["number"] == 1
    assert "做事時提不起勁或沒有樂趣" in first.content.decode()  # the member's language (zh-hant)
    for item in PHQ9:
        client.post(path, {"item": item, "value": "1"})
    assert client.get(path).context["answered"] == 9  # the finish screen
    done = client.post(path, {"action": "finish"})
    assert done.status_code == 200
    score = StoredScore.objects.get(member=org_a.member, score_id="total")
    assert score.value == 9.0
    assert AccessLog.objects.filter(event=Event.MEASURE_LINK_COMPLETED).exists()


def test_a_link_resumes_where_the_member_stopped(org_a, coordinator, client):
    path = make_link(coordinator, org_a.member.code)
    for item in PHQ9[:3]:
        client.post(path, {"item": item, "value": "2"})
    assert client.get(path).context["number"] == 4


def test_a_used_link_says_so_and_stores_nothing(org_a, coordinator, client):
    path = make_link(coordinator, org_a.member.code)
    for item in PHQ9:
        client.post(path, {"item": item, "value": "0"})
    client.post(path, {"action": "finish"})
    before = Administration.objects.get().answers
    again = client.post(path, {"item": "1", "value": "3"})
    assert again.status_code == 410
    assert "already sent" in again.content.decode()
    assert Administration.objects.get().answers == before


def test_an_expired_link_says_so_and_stores_nothing(org_a, coordinator, client):
    path = make_link(coordinator, org_a.member.code)
    Administration.objects.update(link_expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(path, {"item": "1", "value": "3"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert Administration.objects.get().answers == {}


def test_a_made_up_link_is_not_found(db, client):
    assert client.get("/r/not-a-real-token/").status_code == 404


def test_an_out_of_range_answer_by_link_is_refused(org_a, coordinator, client):
    path = make_link(coordinator, org_a.member.code)
    client.post(path, {"item": "1", "value": "9"})
    assert Administration.objects.get().answers == {}


def test_the_link_token_is_not_stored(org_a, coordinator):
    path = make_link(coordinator, org_a.member.code)
    token = path.split("/")[2]
    administration = Administration.objects.get()
    assert token not in administration.link_token_hash and len(administration.link_token_hash) == 64


def test_only_questionnaires_with_shipped_wording_can_be_sent_as_links(org_a, coordinator):
    response = coordinator.post(
        f"/members/{org_a.member.code}/questionnaires/link/", {"instrument": "ismi29", "reason": "periodic"}
    )
    assert response.status_code == 302
    assert not Administration.objects.exists()


def test_a_reliable_deterioration_raises_a_flag_for_the_professional(org_a, coordinator):
    from peerpath.measures.models import ResultFlag

    member = org_a.member
    paper(coordinator, member.code, "who5", dict.fromkeys(["1", "2", "3", "4", "5"], 4),
          taken_on=timezone.localdate() - dt.timedelta(days=90))  # raw 20
    paper(coordinator, member.code, "who5", dict.fromkeys(["1", "2", "3", "4", "5"], 1))  # raw 5
    flag = ResultFlag.objects.get(kind="deterioration")
    assert (flag.score_id, flag.previous_value, flag.value) == ("raw", 20.0, 5.0) and flag.rci < -1.96
    page = coordinator.get(f"/members/{member.code}/questionnaires/").content.decode()
    assert "reliably deteriorated: 20 → 5" in page


def test_a_small_change_raises_no_flag(org_a, coordinator):
    from peerpath.measures.models import ResultFlag

    paper(coordinator, org_a.member.code, "who5", dict.fromkeys(["1", "2", "3", "4", "5"], 3),
          taken_on=timezone.localdate() - dt.timedelta(days=90))
    paper(coordinator, org_a.member.code, "who5", {**dict.fromkeys(["1", "2", "3", "4"], 3), "5": 2})
    assert not ResultFlag.objects.exists()


def test_programme_level_scales_cannot_be_entered_for_a_member(org_a, coordinator):
    assert coordinator.get(f"/members/{org_a.member.code}/questionnaires/enter/ips25/").status_code == 404


def test_the_unvalidated_chinese_translation_is_said_so(org_a, coordinator, client):
    path = make_link(coordinator, org_a.member.code)
    assert "尚未經過驗證" in client.get(path).content.decode()  # in the member's language


def test_expired_links_are_not_counted_as_waiting(org_a, coordinator):
    make_link(coordinator, org_a.member.code)
    Administration.objects.update(link_expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert not coordinator.get(f"/members/{org_a.member.code}/questionnaires/").context["links"]


def test_the_stori_stage_is_shown_with_ties(org_a, coordinator):
    # 50 items in groups of 5: position in the group is the stage. Answer so that
    # "rebuilding" (4th) and "growth" (5th) tie at the top.
    answers = {str(i): (5 if (i - 1) % 5 in (3, 4) else 1) for i in range(1, 51)}
    paper(coordinator, org_a.member.code, "stori", answers)
    [stori] = [r for r in coordinator.get(f"/members/{org_a.member.code}/questionnaires/").context["results"]
               if r.instrument.id == "stori"]
    [(day, names)] = stori.stages
    assert names == ["Rebuilding", "Growth"]


def test_crossing_into_the_non_clinical_range_is_called_recovered(org_a, coordinator):
    member = org_a.member
    paper(coordinator, member.code, "who5", dict.fromkeys(["1", "2", "3", "4", "5"], 1),
          taken_on=timezone.localdate() - dt.timedelta(days=90))  # raw 5: poor well-being
    paper(coordinator, member.code, "who5", dict.fromkeys(["1", "2", "3", "4", "5"], 4))  # raw 20
    page = coordinator.get(f"/members/{member.code}/questionnaires/").content.decode()
    assert "recovered: crossed into the non-clinical range" in page
