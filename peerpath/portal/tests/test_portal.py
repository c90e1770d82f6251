"""The member portal: a member's own questionnaires and progress, nothing else."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from peerpath.measures import actions as measure_actions
from peerpath.measures.models import Administration, PlanRule, StoredScore
from peerpath.portal.models import MemberAccount
from tests.factories import MemberFactory

PASSWORD = "a long member passphrase 9"


def open_account(org_a, client_for) -> tuple[MemberAccount, Client]:
    staff = client_for("professional")
    page = staff.post(f"/members/{org_a.member.code}/portal/")
    link = re.search(r"http://testserver(/account/reset/\S+?/)<", page.content.decode()).group(1)
    member = Client()
    form = member.get(link, follow=True)
    member.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    account = MemberAccount.objects.get(member=org_a.member)
    response = member.post("/account/login/", {"username": account.user.username, "password": PASSWORD})
    assert response["Location"] == "/me/"
    return account, member


def test_staff_open_an_account_and_the_member_signs_in_to_their_page(org_a, client_for):
    account, member = open_account(org_a, client_for)
    assert account.user.username == f"{org_a.org.slug}-{org_a.member.code}".lower()
    page = member.get("/me/")
    assert page.status_code == 200 and org_a.member.name in page.content.decode()


def test_a_member_answers_a_due_questionnaire_from_the_portal(org_a, client_for):
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
    _, member = open_account(org_a, client_for)
    assert "phq9" in member.get("/me/").content.decode()
    start = member.post("/me/answer/phq9/")
    path = start["Location"]
    assert path.startswith("/r/")
    for item in range(1, 10):
        member.post(path, {"item": str(item), "value": "1"})
    member.post(path, {"action": "finish"})
    administration = Administration.objects.get(member=org_a.member)
    assert administration.mode == "portal" and administration.status == "completed"
    assert StoredScore.objects.get(administration=administration, score_id="total").value == 9
    assert "/me/answer/phq9/" not in member.get("/me/").content.decode()  # no longer due


def test_a_member_cannot_start_what_is_not_due(org_a, client_for):
    _, member = open_account(org_a, client_for)
    assert member.post("/me/answer/phq9/").status_code == 404
    assert not Administration.objects.exists()


def test_the_progress_page_shows_only_the_members_own_results(org_a, client_for):
    other = MemberFactory(organization=org_a.org, code="A0002")
    today = timezone.localdate()
    measure_actions.record_paper_form(org_a.staff["professional"], other, "who5",
                                      answers={str(i): 5 for i in range(1, 6)}, taken_on=today, reason="periodic")
    measure_actions.record_paper_form(org_a.staff["professional"], org_a.member, "gses",
                                      answers={str(i): 2 for i in range(1, 11)}, taken_on=today, reason="periodic")
    _, member = open_account(org_a, client_for)
    page = member.get("/me/progress/")
    instruments = [r.instrument.id for r in page.context["results"]]
    assert instruments == ["gses"]
    assert member.get("/me/progress/gses/total.svg").status_code == 200


def test_a_member_reaches_no_staff_page_and_staff_reach_no_portal(org_a, client_for):
    _, member = open_account(org_a, client_for)
    for url in ("/dashboard/", "/members/", f"/members/{org_a.member.code}/", "/audit/"):
        assert member.get(url).status_code == 403, url
    assert client_for("coordinator").get("/me/").status_code == 403


def test_a_disabled_account_or_a_closed_case_closes_the_portal(org_a, client_for):
    account, member = open_account(org_a, client_for)
    account.is_active = False
    account.save()
    assert member.get("/me/").status_code == 403
    account.is_active = True
    account.save()
    org_a.member.status = "closed"
    org_a.member.save()
    assert member.get("/me/").status_code == 403
