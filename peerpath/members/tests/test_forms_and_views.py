"""Member forms through their views: bad input is sent back with the error next
to the field and nothing is written; good input is saved through the action."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from peerpath.audit.models import AccessLog, Event
from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory

WRITE_EVENTS = [
    Event.MEMBER_CREATE,
    Event.MEMBER_UPDATE,
    Event.CONSENT_GIVEN,
    Event.CONSENT_WITHDRAWN,
    Event.STAGE_CHANGED,
    Event.CARE_TEAM_CHANGED,
]


def today() -> dt.date:
    return timezone.localdate()


def snapshot() -> dict[str, int]:
    return {
        "members": Member.objects.count(),
        "member_history": Member.history.count(),
        "consents": Consent.objects.count(),
        "withdrawn": Consent.objects.filter(withdrawn_on__isnull=False).count(),
        "stage_changes": StageChange.objects.count(),
        "care_team": CareTeamAssignment.objects.count(),
        "ended_care_team": CareTeamAssignment.objects.filter(ended_on__isnull=False).count(),
        "write_audit": AccessLog.objects.filter(event__in=WRITE_EVENTS).count(),
    }


def assert_field_error(response, field: str, message: str) -> None:
    """Re-rendered (200) with ``message`` in the form's errors for ``field`` and in
    the error list the page shows beside that field."""
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors.get(field, []), form.errors
    shown = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    assert shown is not None, f"no error list beside {field}"
    assert escape(message) in shown.group(1)


def new_member_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "陳美玲",
        "preferred_name": "",
        "birth_year": "1990",
        "gender": "female",
        "preferred_language": "zh-hant",
        "enrolment_date": (today() - dt.timedelta(days=3)).isoformat(),
        "status": "active",
        "referral_source": "clinic",
        "phone": "0912-345-678",
        "email": "",
        "address": "",
        "emergency_contact": "",
        "national_id": "",
        "diagnosis": "",
        "clinical_notes": "",
        "stage": "",
    }
    data.update(overrides)
    return data


def edit_data(member: Member, **overrides: str) -> dict[str, str]:
    data = {
        "name": member.name,
        "preferred_name": member.preferred_name,
        "birth_year": str(member.birth_year or ""),
        "gender": member.gender,
        "preferred_language": member.preferred_language,
        "enrolment_date": member.enrolment_date.isoformat(),
        "status": member.status,
        "referral_source": member.referral_source,
        "phone": member.phone,
        "email": member.email,
        "address": member.address,
        "emergency_contact": member.emergency_contact,
        "national_id": member.national_id,
        "diagnosis": member.diagnosis,
        "clinical_notes": member.clinical_notes,
    }
    data.update(overrides)
    return data


# -- member create -----------------------------------------------------------


def test_it_adds_a_member_from_valid_input(coordinator, org_a):
    response = coordinator.post("/members/new/", new_member_data())
    member = Member.objects.get(organization=org_a.org, code="M0001")
    assert response.status_code == 302
    assert response["Location"] == "/members/M0001/"
    assert member.name == "陳美玲"


def test_it_stores_a_lower_case_national_id_in_upper_case(coordinator, org_a):
    coordinator.post("/members/new/", new_member_data(national_id="a123456789"))
    assert Member.objects.get(organization=org_a.org, code="M0001").national_id == "A123456789"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_year", "1800", "Enter a birth year between"),
        ("national_id", "A123456788", "This is not a valid national ID number"),
        ("phone", "call me", "Enter a phone number of digits"),
        ("name", "   ", "Enter the member's name."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_it_rejects_a_new_member_with_a_bad_field(coordinator, org_a, field, value, message):
    before = snapshot()
    response = coordinator.post("/members/new/", new_member_data(**{field: value}))
    [error] = response.context["form"].errors[field]
    assert error.startswith(message)
    assert_field_error(response, field, error)
    assert snapshot() == before


def test_it_rejects_a_new_member_enrolled_in_the_future(coordinator, org_a):
    before = snapshot()
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = coordinator.post("/members/new/", new_member_data(enrolment_date=tomorrow))
    assert_field_error(response, "enrolment_date", "This date is in the future.")
    assert snapshot() == before


def test_it_keeps_the_typed_values_when_rejecting_a_new_member(coordinator, org_a):
    response = coordinator.post("/members/new/", new_member_data(birth_year="1800"))
    assert 'value="陳美玲"' in response.content.decode()


def test_it_tells_the_user_that_nothing_was_saved(coordinator, org_a):
    response = coordinator.post("/members/new/", new_member_data(birth_year="1800"))
    assert "Nothing was saved." in response.content.decode()


# -- member edit -------------------------------------------------------------


def test_it_saves_a_changed_phone_number(coordinator, org_a):
    response = coordinator.post("/members/A0001/edit/", edit_data(org_a.member, phone="0933-111-222"))
    assert response.status_code == 302
    assert Member.objects.get(pk=org_a.member.pk).phone == "0933-111-222"


def test_it_saves_clinical_notes_that_start_with_the_cipher_prefix(coordinator, org_a):
    response = coordinator.post(
        "/members/A0001/edit/", edit_data(org_a.member, clinical_notes="enc1: see referral letter")
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=org_a.member.pk).clinical_notes == "enc1: see referral letter"


def test_it_writes_nothing_when_an_edit_changes_nothing(coordinator, org_a):
    before = snapshot()
    response = coordinator.post("/members/A0001/edit/", edit_data(org_a.member))
    assert response.status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_year", "1800", "Enter a birth year between"),
        ("national_id", "A123456788", "This is not a valid national ID number"),
        ("phone", "call me", "Enter a phone number of digits"),
    ],
)
def test_it_rejects_an_edit_with_a_bad_field(coordinator, org_a, field, value, message):
    before = snapshot()
    response = coordinator.post("/members/A0001/edit/", edit_data(org_a.member, **{field: value}))
    [error] = response.context["form"].errors[field]
    assert error.startswith(message)
    assert_field_error(response, field, error)
    assert snapshot() == before


def test_it_keeps_the_stored_values_when_rejecting_an_edit(coordinator, org_a):
    coordinator.post(
        "/members/A0001/edit/", edit_data(org_a.member, phone="0933-111-222", birth_year="1800")
    )
    member = Member.objects.get(pk=org_a.member.pk)
    assert (member.phone, member.birth_year) == ("0900-000-001", 1985)


def test_it_rejects_an_edit_moving_enrolment_into_the_future(coordinator, org_a):
    before = snapshot()
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = coordinator.post("/members/A0001/edit/", edit_data(org_a.member, enrolment_date=tomorrow))
    assert_field_error(response, "enrolment_date", "This date is in the future.")
    assert snapshot() == before


def test_it_answers_404_for_editing_another_organisations_member(coordinator, org_b):
    response = coordinator.post("/members/B0001/edit/", edit_data(org_b.member, phone="0933-111-222"))
    assert response.status_code == 404
    assert Member.objects.get(pk=org_b.member.pk).phone == "0900-000-001"


# -- consent -----------------------------------------------------------------


def consent_data(**overrides: str) -> dict[str, str]:
    return {"kind": "service", "version": "2026-1", "given_on": today().isoformat(), "note": "", **overrides}


def test_it_records_a_consent_from_valid_input(coordinator, org_a):
    response = coordinator.post("/members/A0001/consents/new/", consent_data())
    assert response.status_code == 302
    assert list(Consent.objects.values_list("member__code", "kind", "version")) == [
        ("A0001", "service", "2026-1")
    ]


@pytest.mark.parametrize("version", ["", "   "])
def test_it_rejects_a_consent_without_a_version(coordinator, org_a, version):
    before = snapshot()
    response = coordinator.post("/members/A0001/consents/new/", consent_data(version=version))
    assert_field_error(response, "version", "This field is required.")
    assert snapshot() == before


def test_it_rejects_a_consent_signed_in_the_future(coordinator, org_a):
    before = snapshot()
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = coordinator.post("/members/A0001/consents/new/", consent_data(given_on=tomorrow))
    assert_field_error(response, "given_on", "This date is in the future.")
    assert snapshot() == before


def test_it_rejects_a_consent_of_an_unknown_kind(coordinator, org_a):
    before = snapshot()
    response = coordinator.post("/members/A0001/consents/new/", consent_data(kind="marketing"))
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert snapshot() == before


@pytest.fixture
def consent(org_a):
    return ConsentFactory(member=org_a.member, given_on=today() - dt.timedelta(days=10))


def withdraw_url(consent: Consent) -> str:
    return f"/members/{consent.member.code}/consents/{consent.pk}/withdraw/"


def test_it_records_a_withdrawal_from_valid_input(coordinator, consent):
    response = coordinator.post(withdraw_url(consent), {"withdrawn_on": today().isoformat()})
    assert response.status_code == 302
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == today()


def test_it_rejects_a_withdrawal_dated_before_the_consent_was_given(coordinator, consent):
    before = snapshot()
    too_early = (consent.given_on - dt.timedelta(days=1)).isoformat()
    response = coordinator.post(withdraw_url(consent), {"withdrawn_on": too_early})
    assert_field_error(response, "withdrawn_on", "Consent cannot be withdrawn before the date it was given.")
    assert snapshot() == before


def test_it_rejects_a_withdrawal_dated_in_the_future(coordinator, consent):
    before = snapshot()
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = coordinator.post(withdraw_url(consent), {"withdrawn_on": tomorrow})
    assert_field_error(response, "withdrawn_on", "This date is in the future.")
    assert snapshot() == before


def test_it_does_not_withdraw_a_consent_twice(coordinator, consent):
    coordinator.post(withdraw_url(consent), {"withdrawn_on": today().isoformat()})
    before = snapshot()
    response = coordinator.post(withdraw_url(consent), {"withdrawn_on": today().isoformat()})
    assert response.status_code == 302
    assert snapshot() == before


def test_it_answers_404_for_withdrawing_another_organisations_consent(coordinator, org_b):
    theirs = ConsentFactory(member=org_b.member)
    response = coordinator.post(
        f"/members/A0001/consents/{theirs.pk}/withdraw/", {"withdrawn_on": today().isoformat()}
    )
    assert response.status_code == 404
    assert Consent.objects.get(pk=theirs.pk).withdrawn_on is None


# -- stage -------------------------------------------------------------------


def test_it_records_a_stage_change_from_valid_input(coordinator, org_a):
    response = coordinator.post(
        "/members/A0001/stage/", {"stage": "preparation", "changed_on": today().isoformat(), "note": ""}
    )
    assert response.status_code == 302
    assert list(StageChange.objects.values_list("stage", flat=True)) == ["preparation"]


def test_it_rejects_a_stage_change_dated_before_enrolment(coordinator, org_a):
    before = snapshot()
    too_early = (org_a.member.enrolment_date - dt.timedelta(days=1)).isoformat()
    response = coordinator.post(
        "/members/A0001/stage/", {"stage": "preparation", "changed_on": too_early, "note": ""}
    )
    assert_field_error(response, "changed_on", "The date is before the member's enrolment.")
    assert snapshot() == before


def test_it_rejects_an_unknown_stage(coordinator, org_a):
    before = snapshot()
    response = coordinator.post(
        "/members/A0001/stage/", {"stage": "finished", "changed_on": today().isoformat(), "note": ""}
    )
    assert response.status_code == 200
    assert "stage" in response.context["form"].errors
    assert snapshot() == before


# -- care team ---------------------------------------------------------------


@pytest.fixture
def current_professional(org_a):
    return CareTeamFactory(
        member=org_a.member,
        professional=org_a.users["professional"],
        started_on=today() - dt.timedelta(days=10),
    )


def test_it_changes_the_professional_from_valid_input(coordinator, org_a, current_professional):
    response = coordinator.post(
        "/members/A0001/care-team/",
        {"professional": org_a.users["coordinator"].pk, "mentor": "", "started_on": today().isoformat()},
    )
    assert response.status_code == 302
    current = CareTeamAssignment.objects.get(member=org_a.member, ended_on__isnull=True)
    assert current.professional == org_a.users["coordinator"]


def test_it_rejects_a_care_team_change_dated_before_the_current_assignment(
    coordinator, org_a, current_professional
):
    before = snapshot()
    too_early = (current_professional.started_on - dt.timedelta(days=1)).isoformat()
    response = coordinator.post(
        "/members/A0001/care-team/",
        {"professional": org_a.users["coordinator"].pk, "mentor": "", "started_on": too_early},
    )
    assert_field_error(
        response,
        "started_on",
        f"The date is before the current assignment started ({current_professional.started_on.isoformat()}).",
    )
    assert snapshot() == before


def test_it_rejects_a_care_team_change_dated_before_enrolment(coordinator, org_a):
    before = snapshot()
    too_early = (org_a.member.enrolment_date - dt.timedelta(days=1)).isoformat()
    response = coordinator.post(
        "/members/A0001/care-team/",
        {"professional": org_a.users["professional"].pk, "mentor": "", "started_on": too_early},
    )
    assert_field_error(response, "started_on", "The date is before the member's enrolment.")
    assert snapshot() == before


def test_it_rejects_a_professional_from_another_organisation(coordinator, org_a, org_b):
    before = snapshot()
    response = coordinator.post(
        "/members/A0001/care-team/",
        {"professional": org_b.users["professional"].pk, "mentor": "", "started_on": today().isoformat()},
    )
    assert response.status_code == 200
    assert "professional" in response.context["form"].errors
    assert snapshot() == before


def test_it_rejects_another_organisations_member_as_peer_mentor(coordinator, org_a, org_b):
    before = snapshot()
    response = coordinator.post(
        "/members/A0001/care-team/",
        {"professional": "", "mentor": org_b.member.pk, "started_on": today().isoformat()},
    )
    assert response.status_code == 200
    assert "mentor" in response.context["form"].errors
    assert snapshot() == before


def test_it_rejects_a_member_as_their_own_peer_mentor(coordinator, org_a):
    before = snapshot()
    response = coordinator.post(
        "/members/A0001/care-team/",
        {"professional": "", "mentor": org_a.member.pk, "started_on": today().isoformat()},
    )
    assert response.status_code == 200
    assert "mentor" in response.context["form"].errors
    assert snapshot() == before


def test_it_assigns_an_active_member_of_the_organisation_as_peer_mentor(coordinator, org_a):
    mentor = MemberFactory(organization=org_a.org, code="A0002")
    coordinator.post(
        "/members/A0001/care-team/",
        {"professional": "", "mentor": mentor.pk, "started_on": today().isoformat()},
    )
    assert CareTeamAssignment.objects.get(member=org_a.member).mentor == mentor


# -- roles -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/members/new/", "/members/A0001/edit/", "/members/A0001/stage/", "/members/A0001/care-team/",
            "/members/A0001/consents/new/"],
)
def test_it_refuses_write_forms_to_a_peer_leader(client_for, url):
    assert client_for("peer_leader").get(url).status_code == 403
