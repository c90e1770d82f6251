"""A questionnaire left part-way in the portal is resumed, not started again: the same
administration, at the first unanswered question, with a fresh link (the old one no
longer works), audited; the portal says "continue"; every question page leads back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.measures import actions as measure_actions
from peerpath.measures.models import Administration, AdministrationStatus, PlanRule
from peerpath.portal.tests.test_portal import open_account


@pytest.fixture
def member(org_a, client_for):
    org_a.member.preferred_language = "en"
    org_a.member.save(update_fields=["preferred_language"])
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
    _account, client = open_account(org_a, client_for)
    return client


def start(member) -> str:
    response = member.post("/me/answer/phq9/")
    assert response.status_code == 302 and response["Location"].startswith("/r/")
    return response["Location"]


def test_opening_a_questionnaire_again_resumes_at_the_first_unanswered_question(org_a, member):
    first = start(member)
    for item in ("1", "2", "3"):
        member.post(first, {"item": item, "value": "2"})

    again = start(member)

    assert again != first
    assert Administration.objects.filter(member=org_a.member).count() == 1
    page = member.get(again)
    assert page.status_code == 200 and page.context["number"] == 4
    assert member.get(first).status_code == 404  # the old link no longer opens it
    administration = Administration.objects.get()
    assert administration.answers == {"1": 2.0, "2": 2.0, "3": 2.0}
    assert administration.link_token_hash == measure_actions.token_hash(again.split("/")[2])
    resumed = AccessLog.objects.filter(event=Event.PORTAL_ANSWER_STARTED).order_by("pk").last()
    assert resumed.extra.get("resumed") == administration.pk


def test_a_question_skipped_is_where_the_member_resumes(org_a, member):
    path = start(member)
    member.post(path, {"item": "1", "value": "1"})
    member.post(path, {"item": "2", "action": "skip"})
    member.post(path, {"item": "3", "value": "1"})
    assert member.get(start(member)).context["number"] == 2


def test_an_expired_or_finished_questionnaire_is_not_resumed(org_a, member):
    path = start(member)
    member.post(path, {"item": "1", "value": "1"})
    Administration.objects.update(link_expires_at=timezone.now() - dt.timedelta(minutes=1))
    fresh = start(member)
    assert Administration.objects.count() == 2
    assert member.get(fresh).context["number"] == 1


def test_another_members_or_a_staff_link_is_never_taken_over(org_a, member):
    _staff_link, _token = measure_actions.create_link(org_a.staff["professional"], org_a.member, "phq9",
                                                       reason="periodic")
    start(member)
    assert Administration.objects.filter(mode="portal").count() == 1
    assert Administration.objects.filter(mode="link", status=AdministrationStatus.PENDING).count() == 1


def test_the_portal_says_continue_for_a_questionnaire_in_progress(org_a, member):
    assert "Continue" not in member.get("/me/").content.decode()
    path = start(member)
    assert "Continue" not in member.get("/me/").content.decode()  # opened, nothing answered yet
    member.post(path, {"item": "1", "value": "1"})
    home = member.get("/me/").content.decode()
    assert "Continue" in home and "/me/answer/phq9/" in home


def test_every_portal_question_page_leads_back_to_the_portal(org_a, member):
    path = start(member)
    question = member.get(path).content.decode()
    assert 'href="/me/"' in question and "continue later from your page" in question
    for item in range(1, 10):
        member.post(path, {"item": str(item), "value": "0"})
    assert 'href="/me/"' in member.get(path).content.decode()  # the page before sending


def test_a_link_page_says_it_can_be_continued_and_a_kiosk_page_does_not(org_a, client):
    org_a.member.preferred_language = "en"
    org_a.member.save(update_fields=["preferred_language"])
    _administration, token = measure_actions.create_link(org_a.staff["professional"], org_a.member, "phq9",
                                                         reason="periodic")
    page = client.get(f"/r/{token}/").content.decode()
    assert "continue later with the same link" in page and 'href="/me/"' not in page
    kiosk = Administration.objects.create(
        organization=org_a.org, member=org_a.member, instrument_id="gcqs", instrument_version=1, mode="kiosk",
        language="en", link_token_hash=measure_actions.token_hash("kiosk-token"),
        link_expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    page = client.get("/r/kiosk-token/").content.decode()
    assert kiosk.pk and "continue later" not in page and 'href="/me/"' not in page


def test_a_page_left_open_on_the_old_link_leads_back_to_the_portal(org_a, member):
    first = start(member)
    start(member)  # resumed elsewhere: the first link stops working
    closed = member.post(first, {"item": "1", "value": "1"})
    assert closed.status_code == 404 and 'href="/me/"' in closed.content.decode()
    assert Administration.objects.get().answers == {}
