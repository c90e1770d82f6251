"""The demo association has the shape the programme's seed describes (see
peerpath/demo/shape.py and docs/outcomes.md, "What you should see in the demo"):
enough jobs for the participation analysis, most working members in the peer
groups, some working without them, and jobs held longer after group attendance.

The demo is loaded once, as ``make run`` loads it (seed 2026, today), and rolled
back after the tests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

from peerpath.demo import shape
from peerpath.demo.generator import plan
from peerpath.demo.load import load
from peerpath.employment.models import Job, competitive_q
from peerpath.groups.models import ATTENDED, Attendance
from peerpath.outcomes import participation
from peerpath.tenancy.models import Organization


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load(plan(seed=2026, today=timezone.localdate()))
        yield
        transaction.set_rollback(True)


@pytest.fixture
def jobs(_loaded, db) -> list[tuple[int, dt.date, dt.date | None, bool]]:
    """The competitive jobs of the main organisation (those the process→outcome report
    models): member, start, end, and whether the member attended a group session
    (present or late) in the window before the job, as the report counts it."""
    main = Organization.objects.get(slug="dawn-demo")
    attended: dict[int, list[dt.date]] = {}
    for member_id, day in Attendance.objects.filter(organization=main, status__in=ATTENDED).values_list(
            "member_id", "session__date"):
        attended.setdefault(member_id, []).append(day)
    window = dt.timedelta(days=participation.WINDOW_DAYS)
    return [
        (member_id, start, end, any(start - window <= d < start for d in attended.get(member_id, [])))
        for member_id, start, end in Job.objects.filter(competitive_q(), organization=main).values_list(
            "member_id", "start_date", "end_date")
    ]


def test_the_rule_uses_the_reports_window():
    assert shape.WINDOW_DAYS == participation.WINDOW_DAYS


def test_the_main_organisation_has_enough_jobs_and_members_with_several(jobs):
    assert len(jobs) >= 150
    per_member = Counter(member_id for member_id, *_rest in jobs)
    assert sum(1 for n in per_member.values() if n in (2, 3)) >= 10
    assert sum(1 for *_rest, before in jobs if before) >= 50  # jobs after group attendance, and …
    assert sum(1 for *_rest, before in jobs if not before) >= 50  # … without: both sides of the comparison


def test_most_working_members_attend_groups_and_some_work_without(jobs):
    workers = {member_id for member_id, *_rest in jobs}
    in_groups = set(Attendance.objects.filter(member_id__in=workers, status__in=ATTENDED).values_list(
        "member_id", flat=True))
    assert len(in_groups) > len(workers) / 2
    assert len(workers - in_groups) >= 5


def test_jobs_after_group_attendance_are_held_longer(jobs):
    """Kaplan–Meier median tenure (lifelines) of the jobs with a group session in the
    window before them is longer than that of the jobs without."""
    from lifelines import KaplanMeierFitter

    today = timezone.localdate()
    medians = {}
    for before in (True, False):
        rows = [(((end or today) - start).days, end is not None) for _m, start, end, b in jobs if b == before]
        durations, observed = np.array(rows).T
        medians[before] = KaplanMeierFitter().fit(durations, observed.astype(bool)).median_survival_time_
    assert np.isfinite(medians[False])
    assert medians[True] > medians[False]


def test_the_process_outcome_report_shows_attending_groups_with_an_interval_below_one(_loaded, db):
    """What the page shows (issue 15, "Done when"): in the fixed Cox model of the
    process→outcome report of the main organisation, default filters, the hazard
    ratio of "attended groups" has a cluster-robust 95 % interval that excludes 1."""
    from peerpath.outcomes.cells import Suppression
    from peerpath.outcomes.period import default_period
    from peerpath.outcomes.reports import process_outcome
    from peerpath.outcomes.scope import ReportScope

    today = timezone.localdate()
    main = Organization.objects.get(slug="dawn-demo")
    report = process_outcome.build(ReportScope(organizations=(main,), period=default_period(today), today=today,
                                               suppression=Suppression(False, 5)))
    cox = report["cox"]
    assert cox["fitted"]
    [attended] = [row for row in cox["rows"] if row["name"] == "attended"]
    assert attended["low"].value < attended["hr"].value < attended["high"].value < 1
