"""Kiosk mode: the tablet passed around after a session, and the self-report pages
returning to it."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from peerpath.groups import actions
from peerpath.groups.actions import SessionInput
from peerpath.groups.tests.conftest import days_ago
from peerpath.measures.models import Administration, LocalWording, StoredScore
from peerpath.measures.selfreport import _return_path, set_return_path


@pytest.fixture
def session_a(org_a, group_a):
    """Yesterday's session: everyone present except the last member (absent);
    GCQ-S wording entered by the organisation."""
    attendance = {m.pk: "present" for m in group_a.members}
    attendance[group_a.members[-1].pk] = "absent"
    for i in range(1, 13):
        LocalWording.objects.create(organization=org_a.org, instrument_id="gcqs", item_id=str(i), language="zh-hant",
                                    text=f"題目 {i}", updated_by=org_a.users["admin"])
    return actions.record_session(org_a.staff["peer_leader"], group_a.group, SessionInput(
        date=days_ago(1), theme="", facilitators=[], attendance=attendance, observations=[], feedback=[], incidents=[],
    ))


def start(client: Client, group_a, session) -> None:
    response = client.post(f"/groups/{group_a.group.pk}/sessions/{session.pk}/kiosk/")
    assert response.status_code == 302 and response["Location"] == "/kiosk/"


def test_starting_the_kiosk_signs_the_staff_member_out(client_for, group_a, session_a):
    client = client_for("peer_leader")
    start(client, group_a, session_a)
    assert client.get("/groups/")["Location"].startswith("/account/login/")
    assert client.get(f"/members/{group_a.members[0].code}/")["Location"].startswith("/account/login/")
    page = client.get("/kiosk/")
    assert page.status_code == 200
    members = page.context["members"]
    # Only those present or late, with code and preferred name, nothing else.
    assert [m["code"] for m in members] == sorted(m.code for m in group_a.members[:-1])
    assert set(members[0]) == {"code", "name", "done"}
    assert group_a.members[1].name not in page.content.decode()


def test_a_member_answers_and_is_shown_as_done(client_for, group_a, session_a):
    client = client_for("peer_leader")
    start(client, group_a, session_a)
    member = group_a.members[1]
    response = client.post(f"/kiosk/{member.code}/")
    assert response.status_code == 302 and response["Location"].startswith("/r/")
    token_url = response["Location"]
    administration = Administration.objects.get(member=member)
    assert (administration.instrument_id, administration.mode, administration.reason, administration.language) == (
        "gcqs", "kiosk", "group_session", member.preferred_language)
    for i in range(1, 13):
        client.post(token_url, {"item": str(i), "value": "4"})
    done = client.post(token_url, {"action": "finish"})
    assert done["Location"] == "/kiosk/next/"
    assert client.get("/kiosk/next/")["Location"] == "/kiosk/"
    assert StoredScore.objects.filter(member=member, instrument_id="gcqs", score_id="engaged").get().value == 4
    assert {m["code"]: m["done"] for m in client.get("/kiosk/").context["members"]}[member.code] is True
    assert client.post(f"/kiosk/{member.code}/")["Location"] == "/kiosk/"  # already answered


def test_a_member_who_was_absent_cannot_answer(client_for, group_a, session_a):
    client = client_for("peer_leader")
    start(client, group_a, session_a)
    assert client.post(f"/kiosk/{group_a.members[-1].code}/").status_code == 403
    assert not Administration.objects.exists()


def test_leaving_the_kiosk_needs_a_staff_sign_in(client_for, group_a, session_a):
    client = client_for("peer_leader")
    start(client, group_a, session_a)
    response = client.post("/kiosk/leave/")
    assert response["Location"].startswith("/account/login/?next=/groups/")
    assert client.get("/kiosk/").status_code == 403


def test_a_grant_copied_to_another_browser_session_is_refused(client_for, group_a, session_a):
    client = client_for("peer_leader")
    start(client, group_a, session_a)
    grant = client.session["peerpath_groups_kiosk"]
    other = Client()
    session = other.session
    session["peerpath_groups_kiosk"] = grant
    session.save()
    assert other.get("/kiosk/").status_code == 403


def test_researchers_cannot_start_a_kiosk(client_for, group_a, session_a):
    assert client_for("researcher").post(f"/groups/{group_a.group.pk}/sessions/{session_a.pk}/kiosk/").status_code == 403


def test_without_wording_the_kiosk_says_so(client_for, group_a, session_a):
    LocalWording.objects.all().delete()
    client = client_for("peer_leader")
    start(client, group_a, session_a)
    assert client.get("/kiosk/").context["instruments"] == []


class _Session(dict):
    modified = False


@pytest.mark.parametrize("path,expected", [
    ("/kiosk/next/", "/kiosk/next/"),
    ("https://evil.example/", None),
    ("//evil.example/x", None),
    ("kiosk/next/", None),
])
def test_the_self_report_return_path_is_bound_to_its_link_and_same_site(path, expected):
    request = RequestFactory().get("/r/x/")
    request.session = _Session()
    set_return_path(request, "token-1", path)
    assert _return_path(request, "token-2") is None  # another link
    assert _return_path(request, "token-1") == expected
    assert _return_path(request, "token-1") is None  # used once
