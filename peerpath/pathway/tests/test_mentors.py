"""Mentor suggestions on a member's page, and a coordinator confirming one."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog
from peerpath.members.models import CareTeamAssignment
from peerpath.pathway import actions
from peerpath.pathway.models import MenteePreferences, MentorPreferences
from peerpath.pathway.tests.conftest import days_ago
from tests.factories import CareTeamFactory, MemberFactory, StageChangeFactory


def profile(tenant, member, sectors: list[str]) -> None:
    from peerpath.employment.models import VocationalProfile

    VocationalProfile.objects.create(organization=tenant.org, member=member, recorded_on=days_ago(30),
                                     sectors=sectors, recorded_by=tenant.users["professional"])


def offering(tenant, code: str, stage: str, *, gender: str = "female", sectors: list[str] | None = None,
             **prefs):
    member = MemberFactory(organization=tenant.org, code=code, gender=gender)
    StageChangeFactory(member=member, stage=stage, recorded_by=tenant.users["coordinator"])
    MentorPreferences.objects.create(organization=tenant.org, member=member,
                                     **{"available": True, "max_mentees": 2, "languages": ["mandarin"], **prefs})
    if sectors:
        profile(tenant, member, sectors)
    return member


@pytest.fixture
def mentors(org_a):
    StageChangeFactory(member=org_a.member, stage="awareness", recorded_by=org_a.users["coordinator"])
    profile(org_a, org_a.member, ["food_service"])
    return {
        "A0010": offering(org_a, "A0010", "rebuilding", sectors=["food_service"]),
        "A0011": offering(org_a, "A0011", "growth", available=False),
        "A0012": offering(org_a, "A0012", "preparation", gender="male"),
        "A0013": offering(org_a, "A0013", "awareness"),
    }


def test_the_coordinator_sees_ranked_explained_suggestions(coordinator, mentors):
    page = coordinator.get("/members/A0001/mentors/")
    assert page.status_code == 200
    eligible = [(r["mentor"].code, r["rank"], r["reasons"]) for r in page.context["eligible"]]
    # A0010: 2 stages (2) + food service (3) + mandarin (1) + 2 of 2 free (1) = 7
    # A0012: 1 stage (1.5) + mandarin (1) + 2 of 2 free (1) = 3.5
    assert eligible == [
        ("A0010", 1, ["2 stages further in recovery", "Same job sector: Food service", "Speaks Mandarin",
                      "Has 2 of 2 places free"]),
        ("A0012", 2, ["1 stage further in recovery", "Speaks Mandarin", "Has 2 of 2 places free"]),
    ]
    assert [r["suggestion"].score for r in page.context["eligible"]] == [7.0, 3.5]
    excluded = {r["mentor"].code: r["exclusions"] for r in page.context["excluded"]}
    assert excluded == {"A0011": ["Not available to mentor at present"],
                        "A0013": ["Not further in recovery (Awareness)"]}


def test_a_required_gender_excludes_the_others(coordinator, org_a, mentors):
    MenteePreferences.objects.create(organization=org_a.org, member=org_a.member, gender="female",
                                     gender_required=True)
    page = coordinator.get("/members/A0001/mentors/")
    assert [r["mentor"].code for r in page.context["eligible"]] == ["A0010"]
    assert "Gender as preferred" in page.context["eligible"][0]["reasons"]
    assert {r["mentor"].code for r in page.context["excluded"]} == {"A0011", "A0012", "A0013"}


def test_a_full_mentor_is_not_suggested(coordinator, org_a, mentors):
    for code in ("A0020", "A0021"):
        CareTeamFactory(member=MemberFactory(organization=org_a.org, code=code), role="peer_mentor",
                        professional=None, mentor=mentors["A0010"], assigned_by=org_a.users["coordinator"])
    page = coordinator.get("/members/A0001/mentors/")
    assert [r["mentor"].code for r in page.context["eligible"]] == ["A0012"]


def test_confirming_assigns_the_peer_mentor_and_records_the_match(coordinator, org_a, mentors):
    response = coordinator.post("/members/A0001/mentors/confirm/",
                                {"mentor": "A0010", "started_on": days_ago(1).isoformat()})
    assert response.status_code == 302
    assignment = CareTeamAssignment.objects.get(member=org_a.member, role="peer_mentor", ended_on__isnull=True)
    assert (assignment.mentor, assignment.started_on) == (mentors["A0010"], days_ago(1))
    log = AccessLog.objects.get(event="pathway.mentor_confirmed")
    assert log.extra == {"mentor": mentors["A0010"].pk, "rank": 1, "score": 7.0, "on": days_ago(1).isoformat()}
    assert AccessLog.objects.filter(event="member.care_team_changed", target_id=str(org_a.member.pk)).exists()
    # now the current mentor, so no longer suggested
    page = coordinator.get("/members/A0001/mentors/")
    assert "A0010" not in [r["mentor"].code for r in page.context["eligible"]]


@pytest.mark.parametrize("data,field", [
    ({"mentor": "A0011", "started_on": days_ago(1).isoformat()}, "mentor"),  # excluded: not available
    ({"mentor": "B0001", "started_on": days_ago(1).isoformat()}, "mentor"),  # another organisation
    ({"mentor": "A0010", "started_on": days_ago(-2).isoformat()}, "started_on"),
    ({"mentor": "A0010", "started_on": days_ago(500).isoformat()}, "started_on"),  # before enrolment
])
def test_only_a_suggested_mentor_can_be_confirmed(coordinator, org_a, org_b, mentors, data, field):
    response = coordinator.post("/members/A0001/mentors/confirm/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not CareTeamAssignment.objects.filter(role="peer_mentor").exists()
    assert not AccessLog.objects.filter(event="pathway.mentor_confirmed").exists()


def test_the_action_refuses_a_mentor_of_another_organisation_and_writes_nothing(org_a, org_b):
    with pytest.raises(PermissionDenied):
        actions.confirm_mentor(org_a.staff["coordinator"], org_a.member, org_b.member, started_on=days_ago(1))
    assert not CareTeamAssignment.objects.exists()
    assert not AccessLog.objects.filter(event__in=["pathway.mentor_confirmed", "member.care_team_changed"]).exists()


def test_professionals_cannot_match(client_for, org_a, mentors):
    assert client_for("professional").get("/members/A0001/mentors/").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.confirm_mentor(org_a.staff["professional"], org_a.member, mentors["A0010"], started_on=days_ago(1))


def test_mentoring_preferences_are_saved_from_the_member_page(client_for, org_a):
    client = client_for("professional")
    response = client.post("/members/A0001/pathway/mentoring/", {
        "offers_to_mentor": "on", "available": "on", "max_mentees": "3", "languages": ["taiwanese", "mandarin"],
        "gender": "female", "gender_required": "",
    })
    assert response.status_code == 302
    prefs = MentorPreferences.objects.get(member=org_a.member)
    assert (prefs.available, prefs.max_mentees, prefs.languages) == (True, 3, ["taiwanese", "mandarin"])
    assert MenteePreferences.objects.get(member=org_a.member).gender == "female"
    client.post("/members/A0001/pathway/mentoring/", {"max_mentees": "3"})
    assert not MentorPreferences.objects.exists()


@pytest.mark.parametrize("data,field", [
    ({"offers_to_mentor": "on", "max_mentees": ""}, "max_mentees"),
    ({"offers_to_mentor": "on", "max_mentees": "11"}, "max_mentees"),
    ({"gender_required": "on", "gender": ""}, "gender"),
])
def test_bad_mentoring_preferences_name_the_field(client_for, org_a, data, field):
    response = client_for("coordinator").post("/members/A0001/pathway/mentoring/", data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not MentorPreferences.objects.exists() and not MenteePreferences.objects.exists()
