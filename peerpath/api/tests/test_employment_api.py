"""Jobs and support contacts through the API: the employment app's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.employment.models import Employer, Job, JobEnding, SupportContact
from tests.factories import MemberFactory

JOBS = "/api/v1/jobs/"
CONTACTS = "/api/v1/support-contacts/"
CLINICAL_JOB = {"hourly_wage", "accommodations"}


def today() -> dt.date:
    return timezone.localdate()


def employer(tenant, name: str = "") -> Employer:
    name = name or f"示範餐飲{Employer.objects.count() + 1}號店"
    return Employer.objects.create(organization=tenant.org, name=name, sector="food_service",
                                   created_by=tenant.users["professional"])


def job(tenant, member=None, *, start: dt.date | None = None, employer_: Employer | None = None, **fields) -> Job:
    values = {"title": "廚房助手", "hours_per_week": Decimal("20"), "hourly_wage": Decimal("196"), "currency": "TWD",
              "in_community": True, "open_to_anyone": True, "minimum_wage_or_more": True, "disclosure": "partial",
              "accommodations": "較短的班", **fields}
    return Job.objects.create(organization=tenant.org, member=member or tenant.member,
                              employer=employer_ or employer(tenant),
                              start_date=start or today() - dt.timedelta(days=30),
                              created_by=tenant.users["professional"], **values)


def contact(tenant, **fields) -> SupportContact:
    values = {"contacted_on": today(), "track": "peer", "kind": "peer_checkin", "place": "phone", "minutes": 20,
              "note": "談到壓力", **fields}
    return SupportContact.objects.create(organization=tenant.org, member=tenant.member,
                                         by=tenant.users["peer_leader"], **values)


# ---- jobs ---------------------------------------------------------------------------------------


def test_clinical_staff_see_a_job_with_its_wage_accommodations_and_ending(org_a, api_for):
    ended = job(org_a)
    JobEnding.objects.create(organization=org_a.org, job=ended, ended_on=today(), reason="quit", lessons="太累",
                             recorded_by=org_a.users["professional"])
    Job.objects.filter(pk=ended.pk).update(end_date=today())
    row = api_for("professional").get(JOBS).json()["results"][0]
    assert row["member"] == "A0001" and row["competitive"] is True and row["hourly_wage"] == 196
    assert row["accommodations"] == "較短的班"
    assert row["ending"] == {"ended_on": today().isoformat(), "reason": "quit", "planned": False, "lessons": "太累"}


def test_peer_leaders_see_jobs_without_what_is_clinical(org_a, api_for):
    ended = job(org_a)
    JobEnding.objects.create(organization=org_a.org, job=ended, ended_on=today(), reason="quit", lessons="太累",
                             recorded_by=org_a.users["professional"])
    row = api_for("peer_leader").get(JOBS).json()["results"][0]
    assert row["disclosure"] == "partial"
    assert not CLINICAL_JOB & set(row) and "lessons" not in row["ending"]
    assert "較短的班" not in str(row) and "太累" not in str(row)


def test_jobs_filter_by_member_and_start_date_and_stay_in_the_organisation(org_a, org_b, api_for):
    other = MemberFactory(organization=org_a.org, code="A0002")
    job(org_a, start=dt.date(2025, 1, 10))
    job(org_a, other, start=dt.date(2025, 3, 10))
    job(org_b, start=dt.date(2025, 2, 10))
    client = api_for("coordinator")

    def starts(query: str = "") -> list[str]:
        return [r["start_date"] for r in client.get(JOBS + query).json()["results"]]

    assert starts() == ["2025-03-10", "2025-01-10"]
    assert starts("?member=A0002") == ["2025-03-10"]
    assert starts("?from=2025-01-01&to=2025-02-28") == ["2025-01-10"]
    assert client.get(JOBS + "?from=March").status_code == 400


def test_researchers_see_no_jobs(org_a, api_for):
    assert api_for("researcher").get(JOBS).status_code == 403


def job_start(**fields) -> dict:
    return {"title": " 外場服務員 ", "start_date": today().isoformat(), "hours_per_week": "15.5", "hourly_wage": 200,
            "in_community": True, "open_to_anyone": True, "minimum_wage_or_more": True, "disclosure": "none",
            **fields}


def test_a_job_start_with_an_employer_of_the_list_is_recorded_and_audited(org_a, api_for):
    known = employer(org_a)
    response = api_for("professional").post("/api/v1/members/A0001/jobs/", job_start(employer=known.pk),
                                            format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "外場服務員" and body["hours_per_week"] == 15.5 and body["employer"]["id"] == known.pk
    new = Job.objects.get()
    events = set(AccessLog.objects.filter(target_id=str(new.pk)).values_list("event", flat=True))
    assert {Event.JOB_STARTED, Event.API_WRITE} <= events


def test_a_job_start_with_a_new_employer_creates_both(org_a, api_for):
    response = api_for("professional").post(
        "/api/v1/members/A0001/jobs/",
        job_start(new_employer_name="新開咖啡店", new_employer_sector="food_service"), format="json",
    )
    assert response.status_code == 201, response.json()
    assert Employer.objects.get().name == "新開咖啡店" and Job.objects.get().employer.name == "新開咖啡店"


@pytest.mark.parametrize("fields,field", [
    ({}, "employer"),  # neither an employer nor a new one
    ({"new_employer_name": "新店"}, "new_employer_sector"),
    ({"hours_per_week": "0"}, "hours_per_week"),
    ({"hours_per_week": "81"}, "hours_per_week"),
    ({"hourly_wage": -1}, "hourly_wage"),
    ({"start_date": "2999-01-01"}, "start_date"),
    ({"disclosure": "undecided"}, "disclosure"),
    ({"title": ""}, "title"),
    ({"salary": 1}, "salary"),
])
def test_a_bad_job_start_names_the_field_and_saves_nothing(org_a, api_for, fields, field):
    response = api_for("professional").post("/api/v1/members/A0001/jobs/", job_start(**fields), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Job.objects.exists() and not Employer.objects.exists()


def test_another_organisations_employer_is_refused_and_nothing_is_saved(org_a, org_b, api_for):
    theirs = employer(org_b)
    response = api_for("professional").post("/api/v1/members/A0001/jobs/", job_start(employer=theirs.pk),
                                            format="json")
    assert response.status_code == 400 and "employer" in response.json()
    assert not Job.objects.exists()


def test_a_job_start_for_another_organisations_member_is_404(org_a, org_b, api_for):
    known = employer(org_a)
    response = api_for("admin").post("/api/v1/members/B0001/jobs/", job_start(employer=known.pk), format="json")
    assert response.status_code == 404 and not Job.objects.exists()


def test_peer_leaders_may_not_record_jobs(org_a, api_for):
    known = employer(org_a)
    response = api_for("peer_leader").post("/api/v1/members/A0001/jobs/", job_start(employer=known.pk),
                                           format="json")
    assert response.status_code == 403 and not Job.objects.exists()


def test_the_job_list_makes_the_same_number_of_queries_for_3_and_30_jobs(org_a, api_for):
    client = api_for("professional")
    shared = employer(org_a)
    for _ in range(3):
        job(org_a, employer_=shared)
    client.get(JOBS)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(JOBS + "?page_size=200").status_code == 200
        return len(queries)

    few = count()
    for i in range(27):
        job(org_a, MemberFactory(organization=org_a.org, code=f"A{i + 2:04d}"), employer_=employer(org_a, f"E{i}"))
    assert count() == few == 2 + 2 + 5


# ---- support contacts ---------------------------------------------------------------------------


def test_support_notes_are_for_clinical_roles_only(org_a, api_for):
    contact(org_a)
    assert api_for("professional").get(CONTACTS).json()["results"][0]["note"] == "談到壓力"
    row = api_for("peer_leader").get(CONTACTS).json()["results"][0]
    assert row["kind"] == "peer_checkin" and "note" not in row


def test_support_contacts_filter_by_track_and_date(org_a, api_for):
    contact(org_a, contacted_on=dt.date(2025, 1, 5))
    contact(org_a, contacted_on=dt.date(2025, 2, 5), track="professional", kind="job_coaching", place="workplace")
    client = api_for("professional")
    assert [r["contacted_on"] for r in client.get(CONTACTS + "?track=professional").json()["results"]] == [
        "2025-02-05"]
    assert [r["contacted_on"] for r in client.get(CONTACTS + "?to=2025-01-31").json()["results"]] == ["2025-01-05"]
    assert client.get(CONTACTS + "?track=both").status_code == 400


def support(**fields) -> dict:
    return {"contacted_on": today().isoformat(), "track": "peer", "kind": "peer_checkin", "place": "phone",
            "minutes": 30, **fields}


def test_a_peer_leader_logs_a_peer_track_contact(org_a, api_for):
    response = api_for("peer_leader").post("/api/v1/members/A0001/support-contacts/", support(note="聊工作"),
                                           format="json")
    assert response.status_code == 201, response.json()
    assert "note" not in response.json()  # written, but not read back by a peer leader
    saved = SupportContact.objects.get()
    assert (saved.track, saved.note, saved.by) == ("peer", "聊工作", org_a.users["peer_leader"])
    assert AccessLog.objects.filter(event=Event.SUPPORT_CONTACT).count() == 1


@pytest.mark.parametrize("role,fields,field", [
    ("peer_leader", {"track": "professional", "kind": "job_coaching"}, "track"),
    ("professional", {"track": "peer", "kind": "job_coaching"}, "kind"),
    ("professional", {"minutes": 0}, "minutes"),
    ("professional", {"minutes": 601}, "minutes"),
    ("professional", {"contacted_on": "2999-01-01"}, "contacted_on"),
    ("professional", {"place": "moon"}, "place"),
])
def test_a_bad_support_contact_names_the_field_and_saves_nothing(org_a, api_for, role, fields, field):
    response = api_for(role).post("/api/v1/members/A0001/support-contacts/", support(**fields), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not SupportContact.objects.exists()


def test_a_job_of_another_member_cannot_be_named(org_a, org_b, api_for):
    other = job(org_a, MemberFactory(organization=org_a.org, code="A0002"))
    theirs = job(org_b)
    client = api_for("professional")
    for pk in (other.pk, theirs.pk):
        response = client.post("/api/v1/members/A0001/support-contacts/", support(job=pk), format="json")
        assert response.status_code == 400 and "job" in response.json()
    assert not SupportContact.objects.exists()


def test_a_support_contact_for_another_organisations_member_is_404(org_a, org_b, api_for):
    response = api_for("admin").post("/api/v1/members/B0001/support-contacts/", support(), format="json")
    assert response.status_code == 404 and not SupportContact.objects.exists()
