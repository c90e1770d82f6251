"""Employers and job development: contact details encrypted, contacts and openings
dated, names unique in an organisation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions
from peerpath.employment.models import Employer, EmployerContact, JobOpening

from .conftest import assert_field_error, days_ago, make_employer, make_job


def employer_data(**overrides: str) -> dict[str, str]:
    data = {"name": "示範物流股份有限公司", "sector": "logistics", "size": "medium", "contact_person": "李經理",
            "phone": "02-0000-1234", "email": "hr@example.org", "address": "新北市示範路1號", "note": ""}
    data.update(overrides)
    return data


def test_an_employer_is_added_with_encrypted_contact_details(client_for, org_a):
    from django.db import connection

    response = client_for("professional").post("/employers/new/", employer_data())
    employer = Employer.objects.get()
    assert response["Location"] == f"/employers/{employer.pk}/"
    assert (employer.contact_person, employer.email, employer.organization) == ("李經理", "hr@example.org", org_a.org)
    with connection.cursor() as cur:
        cur.execute("SELECT contact_person, phone FROM employment_employer WHERE id = %s", [employer.pk])
        stored = cur.fetchone()
    assert "李經理" not in stored[0] and "1234" not in stored[1]
    assert AccessLog.objects.filter(event=Event.EMPLOYER_CHANGED).exists()


def test_an_employer_name_is_used_once_per_organisation(client_for, org_a, org_b):
    make_employer(org_b.org, org_b.users["professional"], name="示範物流股份有限公司")  # another organisation's
    client = client_for("professional")
    assert client.post("/employers/new/", employer_data()).status_code == 302
    response = client.post("/employers/new/", employer_data(name=" 示範物流股份有限公司 "))
    assert_field_error(response, "name", "An employer of this name is already on the list.")
    assert Employer.objects.filter(organization=org_a.org).count() == 1


def test_bad_employer_input_names_the_field(client_for, org_a):
    client = client_for("professional")
    assert_field_error(client.post("/employers/new/", employer_data(email="not-an-address")), "email",
                       "Enter a valid email address.")
    assert_field_error(client.post("/employers/new/", employer_data(sector="")), "sector", "This field is required.")
    assert not Employer.objects.exists()


def test_an_employer_is_changed(client_for, org_a):
    employer = make_employer(org_a.org, org_a.users["professional"])
    response = client_for("coordinator").post(f"/employers/{employer.pk}/edit/",
                                              employer_data(name=employer.name, sector="food_service"))
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.contact_person == "李經理"
    assert "contact_person" in AccessLog.objects.get(event=Event.EMPLOYER_CHANGED).extra["fields"]


def test_a_job_development_contact_for_a_member(client_for, org_a):
    employer = make_employer(org_a.org, org_a.users["professional"])
    response = client_for("professional").post(f"/employers/{employer.pk}/contacts/new/", {
        "contacted_on": days_ago(1).isoformat(), "kind": "visit", "member": str(org_a.member.pk),
        "outcome": "可安排試做",
    })
    assert response.status_code == 302
    contact = EmployerContact.objects.get()
    assert (contact.member, contact.outcome, contact.by) == (org_a.member, "可安排試做", org_a.users["professional"])
    page = client_for("professional").get(f"/employers/{employer.pk}/")
    assert "可安排試做" in page.content.decode()


def test_a_contact_for_a_member_of_another_organisation_is_refused(client_for, org_a, org_b):
    employer = make_employer(org_a.org, org_a.users["professional"])
    response = client_for("professional").post(f"/employers/{employer.pk}/contacts/new/", {
        "contacted_on": days_ago(1).isoformat(), "kind": "visit", "member": str(org_b.member.pk),
    })
    assert response.status_code == 200 and "member" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        actions.record_employer_contact(org_a.staff["professional"], employer, contacted_on=days_ago(1),
                                        kind="visit", member=org_b.member)
    assert not EmployerContact.objects.exists()


def test_openings_are_dated_and_closed_with_a_date(client_for, org_a):
    employer = make_employer(org_a.org, org_a.users["professional"])
    client = client_for("professional")
    data = {"title": "理貨員", "hours_per_week": "30", "posted_on": days_ago(10).isoformat(), "status": "open",
            "closed_on": ""}
    assert client.post(f"/employers/{employer.pk}/openings/new/", data).status_code == 302
    opening = JobOpening.objects.get()
    no_date = client.post(f"/employers/openings/{opening.pk}/", {**data, "status": "filled"})
    assert_field_error(no_date, "closed_on", "Enter the date it was filled or closed.")
    too_early = client.post(f"/employers/openings/{opening.pk}/",
                            {**data, "status": "filled", "closed_on": days_ago(11).isoformat()})
    assert_field_error(too_early, "closed_on", "The opening cannot close before it was posted.")
    assert client.post(f"/employers/openings/{opening.pk}/",
                       {**data, "status": "filled", "closed_on": days_ago(2).isoformat()}).status_code == 302
    opening.refresh_from_db()
    assert (opening.status, opening.closed_on) == ("filled", days_ago(2))
    hours = client.post(f"/employers/{employer.pk}/openings/new/", {**data, "hours_per_week": "90"})
    assert_field_error(hours, "hours_per_week", "Hours per week cannot be more than 80.")
    assert JobOpening.objects.count() == 1


def test_the_list_shows_contacts_openings_and_members_at_work(client_for, org_a):
    employer = make_employer(org_a.org, org_a.users["professional"])
    make_job(org_a.member, org_a.users["professional"], employer=employer)
    EmployerContact.objects.create(organization=org_a.org, employer=employer, contacted_on=days_ago(4), kind="phone",
                                   by=org_a.users["professional"])
    JobOpening.objects.create(organization=org_a.org, employer=employer, title="x", posted_on=days_ago(3),
                              created_by=org_a.users["professional"])
    [row] = client_for("professional").get("/employers/").context["page"].object_list
    assert (row.last_contact, row.open_openings, row.current_jobs, row.all_jobs) == (days_ago(4), 1, 1, 1)


def test_peer_leaders_do_not_manage_employers(client_for, org_a):
    client = client_for("peer_leader")
    assert client.get("/employers/").status_code == 403
    assert client.post("/employers/new/", employer_data()).status_code == 403
    assert not Employer.objects.exists()
