"""Support contacts from both tracks; peer leaders log peer-track support only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions
from peerpath.employment.models import SupportContact

from .conftest import assert_field_error, days_ago, make_job

URL = "/members/A0001/employment/support/new/"


def contact_data(**overrides: str) -> dict[str, str]:
    data = {"contacted_on": days_ago(1).isoformat(), "track": "professional", "kind": "follow_along",
            "place": "workplace", "minutes": "45", "job": "", "note": "主管反映表現穩定"}
    data.update(overrides)
    return data


def test_a_professional_logs_professional_support(client_for, org_a):
    job = make_job(org_a.member, org_a.users["professional"])
    response = client_for("professional").post(URL, contact_data(job=str(job.pk)))
    assert response.status_code == 302
    contact = SupportContact.objects.get()
    assert (contact.track, contact.kind, contact.place, contact.minutes, contact.job) == (
        "professional", "follow_along", "workplace", 45, job)
    assert contact.by == org_a.users["professional"] and contact.note == "主管反映表現穩定"
    assert AccessLog.objects.filter(event=Event.SUPPORT_CONTACT, extra__track="professional").exists()


def test_a_professional_may_log_peer_track_support_given_by_a_peer(client_for, org_a):
    client_for("professional").post(URL, contact_data(track="peer", kind="peer_checkin", place="phone"))
    assert SupportContact.objects.get().track == "peer"


def test_a_peer_leader_logs_a_peer_check_in(client_for, org_a):
    client = client_for("peer_leader")
    form = client.get(URL).context["form"]
    assert [value for value, _ in form.fields["track"].choices] == ["peer"]
    assert "job_coaching" not in [value for value, _ in form.fields["kind"].choices]
    response = client.post(URL, contact_data(track="peer", kind="peer_checkin", place="community"))
    assert response.status_code == 302
    assert SupportContact.objects.get().track == "peer"


def test_a_peer_leader_cannot_log_professional_support_through_the_form(client_for, org_a):
    response = client_for("peer_leader").post(URL, contact_data())
    assert response.status_code == 200 and "track" in response.context["form"].errors
    assert not SupportContact.objects.exists()


def test_the_action_refuses_professional_support_from_a_peer_leader(org_a):
    with pytest.raises(PermissionDenied):
        actions.log_support_contact(
            org_a.staff["peer_leader"], org_a.member, contacted_on=days_ago(1), track="professional",
            kind="follow_along", place="phone", minutes=20,
        )
    assert not SupportContact.objects.exists()


def test_a_kind_from_the_other_track_is_refused_by_the_kind_field(client_for, org_a):
    response = client_for("professional").post(URL, contact_data(track="peer", kind="job_coaching"))
    assert_field_error(response, "kind", "Job coaching is not support of the peer track.")
    assert not SupportContact.objects.exists()


@pytest.mark.parametrize("minutes", ["0", "601", "-5"])
def test_minutes_must_be_between_1_and_600(client_for, org_a, minutes):
    response = client_for("professional").post(URL, contact_data(minutes=minutes))
    assert_field_error(response, "minutes", "Enter between 1 and 600 minutes.")
    assert not SupportContact.objects.exists()


def test_a_contact_before_enrolment_is_refused(client_for, org_a):
    before = (org_a.member.enrolment_date.toordinal() - 1)
    import datetime as dt

    response = client_for("professional").post(URL, contact_data(contacted_on=dt.date.fromordinal(before).isoformat()))
    assert_field_error(response, "contacted_on", "The date is before the member's enrolment.")


def test_another_members_job_cannot_be_attached(org_a, pro):
    from tests.factories import MemberFactory

    other = MemberFactory(organization=org_a.org, code="A0002")
    job = make_job(other, org_a.users["professional"])
    with pytest.raises(PermissionDenied):
        actions.log_support_contact(pro, org_a.member, contacted_on=days_ago(1), track="professional",
                                    kind="follow_along", place="phone", minutes=20, job=job)
    assert not SupportContact.objects.exists()


def test_researchers_log_nothing(client_for, org_a):
    assert client_for("researcher").post(URL, contact_data()).status_code == 403
    assert not SupportContact.objects.exists()


# -- from the caseload and back ------------------------------------------------------


def test_the_form_preselects_the_current_job_and_shows_every_jobs_dates(client_for, org_a):
    old = make_job(org_a.member, org_a.users["professional"], start=300, ended=200, title="舊工作")
    current = make_job(org_a.member, org_a.users["professional"], start=100, title="新工作")
    response = client_for("professional").get(URL)
    form = response.context["form"]
    assert form["job"].value() == current.pk
    page = response.content.decode()
    assert f"新工作, {current.employer.name} ({days_ago(100).isoformat()} –)" in page
    assert f"舊工作, {old.employer.name} ({days_ago(300).isoformat()} – {days_ago(200).isoformat()})" in page


def test_saving_from_the_caseload_returns_to_its_row(client_for, org_a):
    back = "/caseload/?sort=due&dir=asc#row-A0001"
    client = client_for("professional")
    page = client.get(URL, {"next": back}).content.decode()
    assert 'name="next" value="/caseload/?sort=due&amp;dir=asc#row-A0001"' in page
    response = client.post(URL, {**contact_data(), "next": back})
    assert response.status_code == 302 and response["Location"] == back


def test_a_next_to_another_site_is_ignored(client_for, org_a):
    response = client_for("professional").post(URL, {**contact_data(), "next": "https://evil.example.org/"})
    assert response["Location"] == "/members/A0001/employment/"
