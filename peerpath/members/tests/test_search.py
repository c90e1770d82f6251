"""Searching the member list (/members/?q=) by code and, through the blind index,
by name — within the acting organisation only."""

from __future__ import annotations

import json

import pytest

from peerpath.audit.models import AccessLog, Event
from peerpath.members import actions
from tests.factories import MemberFactory


@pytest.fixture
def chen(org_a):
    return MemberFactory(organization=org_a.org, code="M0012", name="陳美玲")


@pytest.fixture
def watson(org_a):
    return MemberFactory(organization=org_a.org, code="M0020", name="Mary Jane Watson")


def codes(response) -> list[str]:
    assert response.status_code == 200
    return [m.code for m in response.context["page"].object_list]


def search(client, q: str, **extra: str):
    return client.get("/members/", {"q": q, **extra})


def test_it_finds_a_member_by_code_prefix(coordinator, chen, watson):
    assert codes(search(coordinator, "M001")) == ["M0012"]


def test_it_finds_a_member_by_code_prefix_in_lower_case(coordinator, chen, watson):
    assert codes(search(coordinator, "m001")) == ["M0012"]


def test_it_finds_a_member_by_full_chinese_name(coordinator, chen, watson):
    assert codes(search(coordinator, "陳美玲")) == ["M0012"]


def test_it_finds_a_member_by_chinese_given_name(coordinator, chen, watson):
    assert codes(search(coordinator, "美玲")) == ["M0012"]


def test_it_finds_a_member_by_one_word_of_an_english_name(coordinator, chen, watson):
    assert codes(search(coordinator, "watson")) == ["M0020"]


def test_it_finds_a_member_by_an_english_word_typed_in_full_width_capitals(coordinator, watson):
    assert codes(search(coordinator, "ＷＡＴＳＯＮ")) == ["M0020"]


def test_it_finds_a_member_by_full_english_name_with_extra_spaces(coordinator, watson):
    assert codes(search(coordinator, "  mary  jane   WATSON ")) == ["M0020"]


def test_it_finds_a_member_by_preferred_name(coordinator, org_a):
    MemberFactory(organization=org_a.org, code="M0030", name="張志豪", preferred_name="阿豪")
    assert codes(search(coordinator, "阿豪")) == ["M0030"]


def test_it_shows_the_found_member_by_name_in_the_results(coordinator, chen):
    assert "陳美玲" in search(coordinator, "美玲").content.decode()


@pytest.mark.parametrize("q", ["美", "陳美", "Wat", "jane watson x", "玲"])
def test_it_does_not_find_a_member_by_part_of_a_name(coordinator, chen, watson, q):
    assert codes(search(coordinator, q)) == []


def test_it_does_not_find_a_member_by_the_middle_of_a_code(coordinator, chen):
    assert codes(search(coordinator, "0012")) == []


def test_it_says_so_when_nothing_matches(coordinator, chen):
    assert "No member matches this search." in search(coordinator, "林").content.decode()


def test_it_never_returns_another_organisations_member_with_the_same_name(
    coordinator, chen, org_b
):
    MemberFactory(organization=org_b.org, code="M0012", name="陳美玲")
    response = search(coordinator, "陳美玲")
    assert [(m.code, m.organization_id) for m in response.context["page"].object_list] == [
        ("M0012", chen.organization_id)
    ]


def test_it_never_returns_another_organisations_member_by_code(coordinator, org_b):
    assert codes(search(coordinator, "B0001")) == []


def test_it_lists_only_the_acting_organisations_members_without_a_query(coordinator, org_b):
    assert codes(coordinator.get("/members/")) == ["A0001"]


def test_it_finds_a_member_by_a_new_name_after_a_rename(coordinator, coordinator_membership, chen):
    actions.update_member(coordinator_membership, chen, {"name": "陳美華"})
    assert codes(search(coordinator, "美華")) == ["M0012"]


def test_it_no_longer_finds_a_member_by_the_old_name_after_a_rename(
    coordinator, coordinator_membership, chen
):
    actions.update_member(coordinator_membership, chen, {"name": "陳美華"})
    assert codes(search(coordinator, "美玲")) == []


def test_it_filters_by_status(coordinator, org_a):
    MemberFactory(organization=org_a.org, code="M0040", name="李大同", status="closed")
    assert codes(coordinator.get("/members/", {"status": "closed"})) == ["M0040"]


def test_it_answers_an_htmx_search_with_only_the_results(coordinator, chen):
    response = coordinator.get("/members/", {"q": "美玲"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "陳美玲" in body
    assert "<html" not in body


def test_it_logs_a_search_without_the_query(coordinator, chen):
    search(coordinator, "陳美玲")
    entry = AccessLog.objects.get(event=Event.MEMBER_LIST)
    assert entry.extra == {"page": 1, "searched": True, "shown": 1}


def test_it_keeps_the_search_text_out_of_every_audit_entry(coordinator, chen):
    search(coordinator, "陳美玲")
    search(coordinator, "Watson")
    stored = json.dumps(
        [e.chained_fields() for e in AccessLog.objects.all()], ensure_ascii=False, default=str
    )
    assert "陳美玲" not in stored
    assert "watson" not in stored.lower()
