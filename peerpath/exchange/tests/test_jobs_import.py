"""Importing jobs: checked by the employment app's own forms, written by its actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.employment.models import Employer, Job, JobEnding
from peerpath.exchange import actions
from peerpath.exchange.tests._helpers import problem_texts

HEADER = "會員編號,雇主,職稱,到職日,離職日,每週工時,時薪,社區職場,公開招募,基本工資以上,離職原因"


def day(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


def test_jobs_are_started_and_ended_with_their_employers_added_once(run_import, org_a):
    data = "\n".join([
        HEADER,
        f"A0001,全聯福利中心,門市人員,{day(200)},{day(100)},20,190,是,是,是,辭職",
        f"A0001,全聯福利中心,理貨員,{day(90)},,16,185,1,1,1,",
        f"A0001,Bakery Lin,baker,{day(60)},,12.5,,yes,no,yes,",
    ]) + "\n"
    batch, check = run_import("jobs", data)
    assert check.problems == [] and check.n_new == 3
    assert batch.result == {"jobs": 3, "endings": 1, "employers": 2}
    jobs = {j.title: j for j in Job.objects.filter(member=org_a.member)}
    clerk = jobs["門市人員"]
    assert (clerk.hours_per_week, clerk.hourly_wage, clerk.is_competitive) == (20, 190, True)
    assert clerk.end_date == timezone.localdate() - dt.timedelta(days=100)
    assert JobEnding.objects.get(job=clerk).reason == "quit"
    assert clerk.disclosure == "none"  # not disclosed unless a column says so
    assert not jobs["baker"].is_competitive and jobs["baker"].hourly_wage is None
    assert Employer.objects.filter(organization=org_a.org).count() == 2
    assert AccessLog.objects.filter(event=Event.JOB_STARTED).count() == 3
    again, check = run_import("jobs", data)
    assert (check.n_new, check.n_present) == (0, 3) and Job.objects.count() == 3


def test_every_bad_job_row_is_named_and_nothing_is_written(run_import, org_a):
    data = "\n".join([
        HEADER,
        f"A0001,全聯,,{day(10)},,20,,,,,",
        f"A0001,全聯,店員,{day(10)},,90,-5,,,,",
        "A0001,全聯,店員,2099-01-01,,20,,maybe,,,",
        f"A0001,全聯,店員,{day(10)},{day(20)},20,,,,,quit",
        f"A0001,全聯,店員,{day(10)},{day(5)},20,,,,,",
        f"Z9999,全聯,店員,{day(10)},,20,,,,,",
    ]) + "\n"
    batch, check = run_import("jobs", data, commit=False)
    assert problem_texts(check) == [
        "row 2, column '職稱': Enter the job title.",
        "row 3, column '每週工時': Hours per week cannot be more than 80.",
        "row 3, column '時薪': The hourly wage cannot be below zero.",
        "row 4, column '到職日': This date is in the future.",
        "row 4, column '社區職場': 'maybe' is not yes or no (write 1 or 0, yes or no, 是 or 否)",
        f"row 5, column '離職日': The job started on {day(10)}: it cannot end before that.",
        "row 6, column '離職日': an end date needs the ending reason",
        "row 7, column '會員編號': no member with code 'Z9999' in this organisation",
    ]
    with pytest.raises(actions.ImportRefused):
        actions.commit(org_a.staff["coordinator"], batch)
    assert not Job.objects.exists() and not Employer.objects.exists()
