"""Job starts, changes and endings through their pages: good input is saved by the
action with its audit entry; bad input is sent back with the error beside the
field, and nothing is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions
from peerpath.employment.models import Employer, Job, JobEnding

from .conftest import assert_field_error, days_ago, make_employer, make_job

URL = "/members/A0001/employment/jobs/new/"


def job_data(**overrides: str) -> dict[str, str]:
    data = {
        "employer": "", "new_employer_name": "晨光烘焙坊", "new_employer_sector": "food_service",
        "title": "包裝助理", "start_date": days_ago(3).isoformat(), "hours_per_week": "20", "hourly_wage": "200",
        "in_community": "on", "open_to_anyone": "on", "minimum_wage_or_more": "on", "disclosure": "partial",
        "accommodations": "每兩小時休息十分鐘",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int, int]:
    return (Job.objects.count(), Employer.objects.count(), JobEnding.objects.count(),
            AccessLog.objects.filter(event__in=[Event.JOB_STARTED, Event.JOB_CHANGED, Event.JOB_ENDED,
                                                Event.EMPLOYER_CHANGED]).count())


def test_a_job_start_with_a_new_employer_saves_both(client_for, org_a):
    response = client_for("professional").post(URL, job_data())
    assert response.status_code == 302 and response["Location"] == "/members/A0001/employment/"
    job = Job.objects.get()
    assert (job.title, job.employer.name, job.employer.sector) == ("包裝助理", "晨光烘焙坊", "food_service")
    assert (job.hours_per_week, job.hourly_wage, job.currency) == (Decimal(20), Decimal(200), "TWD")
    assert job.is_competitive and job.end_date is None and job.accommodations == "每兩小時休息十分鐘"
    assert job.employer.organization == org_a.org and job.member == org_a.member
    events = set(AccessLog.objects.values_list("event", flat=True))
    assert {Event.JOB_STARTED, Event.EMPLOYER_CHANGED} <= events


def test_a_job_start_at_an_employer_on_the_list(client_for, org_a):
    employer = make_employer(org_a.org, org_a.users["professional"])
    data = job_data(employer=str(employer.pk), new_employer_name="", new_employer_sector="")
    assert client_for("professional").post(URL, data).status_code == 302
    assert Job.objects.get().employer == employer and Employer.objects.count() == 1


def test_the_currency_comes_from_the_setting(client_for, org_a, settings):
    settings.PEERPATH_CURRENCY = "USD"
    client_for("professional").post(URL, job_data())
    assert Job.objects.get().currency == "USD"


def test_the_three_criteria_are_recorded_and_a_job_missing_one_is_not_competitive(client_for, org_a):
    data = job_data()
    del data["open_to_anyone"]
    client_for("professional").post(URL, data)
    job = Job.objects.get()
    assert (job.in_community, job.open_to_anyone, job.minimum_wage_or_more) == (True, False, True)
    assert not job.is_competitive
    assert job.missing_criteria() == ["open to anyone"]


@pytest.mark.parametrize("field,value,message", [
    ("hours_per_week", "0", "Hours per week must be more than 0."),
    ("hours_per_week", "-4", "Hours per week must be more than 0."),
    ("hours_per_week", "81", "Hours per week cannot be more than 80."),
    ("hourly_wage", "-1", "The hourly wage cannot be below zero."),
    ("start_date", days_ago(-3).isoformat(), "This date is in the future."),
    ("title", "   ", "Enter the job title."),
    ("disclosure", "", "This field is required."),
])
def test_bad_job_input_is_refused_by_the_field_and_saves_nothing(client_for, org_a, field, value, message):
    before = counts()
    response = client_for("professional").post(URL, job_data(**{field: value}))
    assert_field_error(response, field, message)
    assert counts() == before  # not even the new employer typed into the form


def test_a_job_needs_one_employer(client_for, org_a):
    employer = make_employer(org_a.org, org_a.users["professional"], name="晨光烘焙坊")
    client = client_for("professional")
    none = client.post(URL, job_data(new_employer_name=""))
    assert_field_error(none, "employer", "Choose the employer, or type a new employer's name below.")
    both = client.post(URL, job_data(employer=str(employer.pk)))
    assert_field_error(both, "new_employer_name", "Choose an employer from the list or type a new one, not both.")
    again = client.post(URL, job_data(new_employer_name="晨光烘焙坊"))
    assert_field_error(again, "new_employer_name", "This employer is already on the list: choose it above.")
    no_sector = client.post(URL, job_data(new_employer_sector=""))
    assert_field_error(no_sector, "new_employer_sector", "Choose the new employer's sector.")
    assert not Job.objects.exists() and Employer.objects.count() == 1


def test_an_employer_of_another_organisation_cannot_be_chosen(client_for, org_a, org_b):
    theirs = make_employer(org_b.org, org_b.users["professional"])
    response = client_for("professional").post(URL, job_data(employer=str(theirs.pk), new_employer_name=""))
    assert response.status_code == 200 and "employer" in response.context["form"].errors
    assert not Job.objects.exists()


def test_the_action_refuses_an_employer_of_another_organisation(pro, org_a, org_b):
    theirs = make_employer(org_b.org, org_b.users["professional"])
    with pytest.raises(PermissionDenied):
        actions.start_job(pro, org_a.member, employer=theirs, title="x", start_date=days_ago(1),
                          hours_per_week=Decimal(10), hourly_wage=None, in_community=True, open_to_anyone=True,
                          minimum_wage_or_more=True, disclosure="none", accommodations="")
    assert not Job.objects.exists()


def test_the_action_refuses_a_member_of_another_organisation(pro, org_b):
    with pytest.raises(PermissionDenied):
        actions.start_job(pro, org_b.member, new_employer={"name": "x", "sector": "retail"}, title="x",
                          start_date=days_ago(1), hours_per_week=Decimal(10))
    assert not Job.objects.exists() and not Employer.objects.exists()


def test_peer_leaders_may_not_record_jobs(client_for, org_a):
    client = client_for("peer_leader")
    assert client.get(URL).status_code == 403
    assert client.post(URL, job_data()).status_code == 403
    assert not Job.objects.exists() and not Employer.objects.exists()


def test_a_job_is_changed_without_touching_its_end(client_for, org_a):
    job = make_job(org_a.member, org_a.users["professional"], start=100, ended=10)
    data = job_data(employer=str(job.employer_id), new_employer_name="", new_employer_sector="",
                    start_date=days_ago(120).isoformat(), hours_per_week="25", disclosure="none")
    response = client_for("professional").post(f"/members/A0001/employment/jobs/{job.pk}/edit/", data)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.start_date, job.hours_per_week, job.end_date) == (days_ago(120), Decimal(25), days_ago(10))
    log = AccessLog.objects.get(event=Event.JOB_CHANGED)
    assert "hours_per_week" in log.extra["fields"] and "start_date" in log.extra["fields"]


def test_a_job_cannot_be_moved_to_start_after_it_ended(client_for, org_a):
    job = make_job(org_a.member, org_a.users["professional"], start=100, ended=10)
    data = job_data(employer=str(job.employer_id), new_employer_name="", new_employer_sector="",
                    start_date=days_ago(5).isoformat())
    response = client_for("professional").post(f"/members/A0001/employment/jobs/{job.pk}/edit/", data)
    assert_field_error(response, "start_date",
                       f"The job ended on {days_ago(10).isoformat()}: it cannot start after that.")
    job.refresh_from_db()
    assert job.start_date == days_ago(100)


def end_url(job: Job) -> str:
    return f"/members/A0001/employment/jobs/{job.pk}/end/"


def test_recording_an_ending_sets_the_end_date(client_for, org_a):
    job = make_job(org_a.member, org_a.users["professional"], start=100)
    response = client_for("professional").post(end_url(job), {
        "ended_on": days_ago(2).isoformat(), "reason": "better_job", "planned": "on", "lessons": "找到離家近的工作",
    })
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.end_date == days_ago(2)
    assert (job.ending.reason, job.ending.planned, job.ending.lessons) == ("better_job", True, "找到離家近的工作")
    assert AccessLog.objects.filter(event=Event.JOB_ENDED, extra__reason="better_job").exists()


def test_an_ending_before_the_start_is_refused_and_saves_nothing(client_for, org_a):
    job = make_job(org_a.member, org_a.users["professional"], start=10)
    response = client_for("professional").post(end_url(job), {"ended_on": days_ago(11).isoformat(), "reason": "quit"})
    assert_field_error(response, "ended_on",
                       f"The job started on {days_ago(10).isoformat()}: it cannot end before that.")
    job.refresh_from_db()
    assert job.end_date is None and not JobEnding.objects.exists()


def test_an_ending_needs_a_reason(client_for, org_a):
    job = make_job(org_a.member, org_a.users["professional"], start=10)
    response = client_for("professional").post(end_url(job), {"ended_on": days_ago(1).isoformat(), "reason": ""})
    assert_field_error(response, "reason", "This field is required.")
    assert not JobEnding.objects.exists()


def test_a_job_ends_once(client_for, org_a, pro):
    job = make_job(org_a.member, org_a.users["professional"], start=100, ended=5)
    response = client_for("professional").get(end_url(job))
    assert response.status_code == 302
    with pytest.raises(ValueError, match="already"):
        actions.end_job(pro, Job.objects.get(pk=job.pk), ended_on=days_ago(1), reason="quit")
    assert JobEnding.objects.count() == 1


def test_another_members_job_is_not_found(client_for, org_a):
    from tests.factories import MemberFactory

    other = MemberFactory(organization=org_a.org, code="A0002")
    job = make_job(other, org_a.users["professional"])
    assert client_for("professional").get(end_url(job)).status_code == 404


@pytest.mark.parametrize("changes", [
    {"hourly_wage": Decimal("-1")},
    {"hours_per_week": Decimal("0")},
    {"hours_per_week": Decimal("80.5")},
    {"end_date": "past"},
])
def test_the_database_refuses_what_the_form_refuses(org_a, changes):
    job = make_job(org_a.member, org_a.users["professional"], start=10)
    if changes.get("end_date") == "past":
        changes = {"end_date": days_ago(11)}
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(**changes)


def test_overlapping_jobs_are_allowed(client_for, org_a):
    make_job(org_a.member, org_a.users["professional"], start=100, competitive=False, title="庇護性作業員")
    assert client_for("professional").post(URL, job_data()).status_code == 302
    page = client_for("professional").get("/members/A0001/employment/")
    assert [row.current for row in page.context["jobs"]] == [True, True]
    assert page.context["status_label"] == "Working in a competitive job"


def test_a_new_employer_is_not_left_behind_when_the_job_fails(pro, org_a):
    from unittest import mock

    with mock.patch("peerpath.employment.actions.Job.objects.create", side_effect=IntegrityError("boom")):
        with pytest.raises(IntegrityError):
            actions.start_job(pro, org_a.member, new_employer={"name": "晨光烘焙坊", "sector": "food_service"},
                              title="x", start_date=days_ago(1), hours_per_week=Decimal(10))
    assert not Employer.objects.exists() and not AccessLog.objects.filter(event=Event.EMPLOYER_CHANGED).exists()
