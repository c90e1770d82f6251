"""Referral and intake: received → first contact → intake meeting → enrolled, or
closed with a reason; dated steps that go forward; enrolment creates the member
and the service consent together with the referral's link to them."""

from __future__ import annotations

from unittest import mock

import pytest

from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions
from peerpath.employment.models import Referral
from peerpath.members.models import Consent, Member

from .conftest import assert_field_error, days_ago


def referral_data(**overrides: str) -> dict[str, str]:
    data = {"source": "hospital_ot", "received_on": days_ago(20).isoformat(), "person_name": "林美君",
            "person_phone": "0900-000-123", "referrer_name": "王職能治療師", "referrer_contact": "02-0000-0000",
            "note": "想找餐飲工作"}
    data.update(overrides)
    return data


def test_a_referral_goes_from_received_to_member(client_for, org_a):
    client = client_for("professional")
    response = client.post("/referrals/new/", referral_data())
    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert (referral.person_name, referral.referrer_name, referral.state) == ("林美君", "王職能治療師", "open")

    client.post(f"/referrals/{referral.pk}/step/", {"on": days_ago(18).isoformat()})
    client.post(f"/referrals/{referral.pk}/step/", {"on": days_ago(10).isoformat()})
    referral.refresh_from_db()
    assert (referral.contacted_on, referral.intake_on) == (days_ago(18), days_ago(10))
    assert client.get(f"/referrals/{referral.pk}/step/")["Location"] == f"/referrals/{referral.pk}/enrol/"

    response = client.post(f"/referrals/{referral.pk}/enrol/", {
        "name": "林美君", "preferred_name": "", "birth_year": "1992", "gender": "female",
        "preferred_language": "zh-hant", "phone": "0900-000-123", "enrolled_on": days_ago(7).isoformat(),
        "consent_version": "2026-1", "consent_given_on": days_ago(10).isoformat(),
    })
    member = Member.objects.filter(organization=org_a.org).exclude(pk=org_a.member.pk).get()
    assert member.name == "林美君"
    assert response["Location"] == f"/members/{member.code}/"
    assert (member.enrolment_date, member.referral_source, member.status) == (days_ago(7), "hospital_ot", "active")
    consent = Consent.objects.get(member=member)
    assert (consent.kind, consent.version, consent.given_on) == ("service", "2026-1", days_ago(10))
    referral.refresh_from_db()
    assert referral.member == member and referral.enrolled_on == days_ago(7) and referral.state == "enrolled"
    events = list(AccessLog.objects.values_list("event", flat=True))
    assert events.count(Event.REFERRAL_STEP) == 2
    assert {Event.REFERRAL_RECORDED, Event.REFERRAL_ENROLLED, Event.MEMBER_CREATE, Event.CONSENT_GIVEN} <= set(events)


def make_referral(org_a, **steps: int) -> Referral:
    fields = {f"{k}_on": days_ago(v) for k, v in steps.items()}
    return Referral.objects.create(organization=org_a.org, source="clinic", person_name="陳小安",
                                   recorded_by=org_a.users["professional"], **fields)


def test_a_step_dated_before_the_previous_one_is_refused(client_for, org_a):
    referral = make_referral(org_a, received=20, contacted=10)
    response = client_for("professional").post(f"/referrals/{referral.pk}/step/", {"on": days_ago(12).isoformat()})
    assert_field_error(response, "on", f"This is before the previous step ({days_ago(10).isoformat()}): "
                                       "steps go forward in time.")
    referral.refresh_from_db()
    assert referral.intake_on is None


def test_the_action_refuses_a_step_out_of_order_too(org_a, pro):
    referral = make_referral(org_a, received=20)
    with pytest.raises(ValueError):
        actions.record_referral_step(pro, referral, on=days_ago(21), today=days_ago(0))
    referral.refresh_from_db()
    assert referral.contacted_on is None


def test_enrolment_needs_the_intake_meeting_first(client_for, org_a):
    referral = make_referral(org_a, received=20, contacted=10)
    response = client_for("professional").get(f"/referrals/{referral.pk}/enrol/")
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"


def test_a_bad_enrolment_saves_nothing(client_for, org_a):
    referral = make_referral(org_a, received=20, contacted=10, intake=5)
    members_before = Member.objects.count()
    response = client_for("professional").post(f"/referrals/{referral.pk}/enrol/", {
        "name": "陳小安", "gender": "female", "preferred_language": "zh-hant", "phone": "",
        "enrolled_on": days_ago(6).isoformat(), "consent_version": "2026-1",
        "consent_given_on": days_ago(5).isoformat(),
    })
    assert_field_error(response, "enrolled_on",
                       f"This is before the previous step ({days_ago(5).isoformat()}): steps go forward in time.")
    assert Member.objects.count() == members_before and not Consent.objects.exists()


def test_enrolment_is_all_or_nothing(org_a, pro):
    """If recording the consent fails, there is no member and the referral stays open."""
    referral = make_referral(org_a, received=20, contacted=10, intake=5)
    members_before = Member.objects.count()
    with mock.patch("peerpath.members.actions.Consent.objects.create", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            actions.enrol_referral(
                pro, referral, member_data={"name": "陳小安", "gender": "female"}, enrolled_on=days_ago(1),
                consent_version="2026-1", consent_given_on=days_ago(5), today=days_ago(0),
            )
    referral.refresh_from_db()
    assert Member.objects.count() == members_before and referral.member is None and referral.state == "open"
    assert not AccessLog.objects.filter(event__in=[Event.MEMBER_CREATE, Event.REFERRAL_ENROLLED]).exists()


def test_a_referral_is_closed_with_a_reason(client_for, org_a):
    referral = make_referral(org_a, received=20, contacted=10)
    client = client_for("professional")
    missing = client.post(f"/referrals/{referral.pk}/close/", {"closed_on": days_ago(2).isoformat(), "reason": ""})
    assert_field_error(missing, "reason", "This field is required.")
    client.post(f"/referrals/{referral.pk}/close/", {"closed_on": days_ago(2).isoformat(), "reason": "unreachable"})
    referral.refresh_from_db()
    assert (referral.state, referral.close_reason, referral.closed_on) == ("closed", "unreachable", days_ago(2))
    # A closed referral takes no further step.
    assert client.get(f"/referrals/{referral.pk}/step/").status_code == 302
    with pytest.raises(ValueError):
        actions.close_referral(org_a.staff["professional"], referral, closed_on=days_ago(1), reason="other",
                               today=days_ago(0))


def test_closing_offers_no_reason_about_readiness_for_work(client_for, org_a):
    referral = make_referral(org_a, received=20)
    form = client_for("professional").get(f"/referrals/{referral.pk}/close/").context["form"]
    labels = " ".join(str(label).lower() for _, label in form.fields["reason"].choices)
    assert "ready" not in labels and "readiness" not in labels


def test_the_list_filters_and_shows_days_between_steps(client_for, org_a):
    make_referral(org_a, received=30, contacted=27, intake=20)
    closed = make_referral(org_a, received=40)
    Referral.objects.filter(pk=closed.pk).update(closed_on=days_ago(35), close_reason="declined")
    client = client_for("coordinator")
    response = client.get("/referrals/?state=open")
    [row] = response.context["rows"]
    cells = [s.days_since_previous if s else "—" for _, s in row["cells"]]
    assert cells == [None, 3, 7, "—"] and row["waiting"] == 20
    assert response.context["counts"] == {"open": 1, "enrolled": 0, "closed": 1}
    assert len(client.get("/referrals/?state=closed").context["rows"]) == 1
    assert len(client.get("/referrals/").context["rows"]) == 2
    assert AccessLog.objects.filter(event=Event.REFERRAL_VIEW).exists()


def test_bad_referral_input_names_the_field(client_for, org_a):
    client = client_for("professional")
    assert_field_error(client.post("/referrals/new/", referral_data(person_name="")), "person_name",
                       "Enter the name of the person referred.")
    future = days_ago(-5).isoformat()
    assert_field_error(client.post("/referrals/new/", referral_data(received_on=future)), "received_on",
                       "This date is in the future.")
    assert not Referral.objects.exists()


def test_names_are_encrypted_at_rest(org_a):
    from django.db import connection

    referral = make_referral(org_a, received=3)
    with connection.cursor() as cur:
        cur.execute("SELECT person_name FROM employment_referral WHERE id = %s", [referral.pk])
        stored = cur.fetchone()[0]
    assert "陳小安" not in stored


def test_peer_leaders_see_no_referrals(client_for, org_a):
    referral = make_referral(org_a, received=3)
    client = client_for("peer_leader")
    assert client.get("/referrals/").status_code == 403
    assert client.get(f"/referrals/{referral.pk}/").status_code == 403


def test_a_referral_of_another_organisation_is_not_found(client_for, org_b):
    theirs = Referral.objects.create(organization=org_b.org, source="clinic", person_name="x",
                                     received_on=days_ago(3), recorded_by=org_b.users["professional"])
    assert client_for("professional").get(f"/referrals/{theirs.pk}/").status_code == 404
