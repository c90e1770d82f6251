"""The periodic schedule: what is due when (times in Asia/Taipei, UTC+8), and the
enqueueing command run by a timer."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from peerpath.tasks.periodic import SCHEDULE, enqueue_periodic, is_due
from peerpath.tasks.worker import run_pending

TPE = ZoneInfo("Asia/Taipei")
MONDAY_8 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=TPE)  # a Monday
ENTRY = {e.name: e for e in SCHEDULE}


@pytest.fixture(autouse=True)
def _taipei(settings):
    settings.TIME_ZONE = "Asia/Taipei"


@pytest.mark.parametrize("minutes_since,due", [(None, True), (10, False), (13.5, False), (14, True), (20, True)])
def test_alerts_are_due_every_15_minutes_with_a_minute_of_slack(minutes_since, due):
    last = None if minutes_since is None else MONDAY_8 - dt.timedelta(minutes=minutes_since)
    assert is_due(ENTRY["alerts"], last, MONDAY_8) is due


@pytest.mark.parametrize("now,last,due", [
    (dt.datetime(2026, 12, 7, 7, 29, tzinfo=TPE), None, False),  # before 07:30
    (dt.datetime(2026, 12, 7, 7, 30, tzinfo=TPE), None, True),
    (dt.datetime(2026, 12, 7, 7, 35, tzinfo=TPE), dt.datetime(2026, 12, 7, 7, 30, tzinfo=TPE), False),  # sent today
    (dt.datetime(2026, 12, 8, 7, 30, tzinfo=TPE), dt.datetime(2026, 12, 7, 7, 30, tzinfo=TPE), True),  # Tuesday
    (dt.datetime(2026, 12, 12, 9, 0, tzinfo=TPE), dt.datetime(2026, 12, 11, 7, 30, tzinfo=TPE), False),  # Saturday
    # 07:30 in Taipei is 23:30 UTC the day before: the local date counts
    (dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC), dt.datetime(2026, 12, 7, 7, 30, tzinfo=TPE), True),
])
def test_the_digest_is_due_once_on_weekday_mornings(now, last, due):
    assert is_due(ENTRY["alert-digest"], last, now) is due


def test_each_task_is_enqueued_once_per_period_however_often_the_timer_runs(db):
    assert enqueue_periodic(MONDAY_8) == ["safety-escalation", "alerts", "alert-digest", "purge"]
    assert enqueue_periodic(MONDAY_8) == []  # a second server's timer at the same time
    assert enqueue_periodic(MONDAY_8 + dt.timedelta(minutes=5)) == ["safety-escalation"]
    assert enqueue_periodic(MONDAY_8 + dt.timedelta(minutes=15)) == ["safety-escalation", "alerts"]
    assert enqueue_periodic(MONDAY_8 + dt.timedelta(hours=3)) == ["safety-escalation", "alerts"]
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count("peerpath.alerts.tasks.recompute_alerts") == 3
    assert paths.count("peerpath.alerts.tasks.send_alert_digests") == 1
    assert paths.count("peerpath.tasks.housekeeping.nightly_purge") == 1


def test_the_timer_command_enqueues_and_a_worker_runs_every_task(org_a):
    out = io.StringIO()
    call_command("tasks", "enqueue-periodic", stdout=out)
    assert "safety-escalation, alerts" in out.getvalue()
    ran = run_pending()
    assert ran == DBTaskResult.objects.count() >= 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    out = io.StringIO()
    call_command("tasks", "status", stdout=out)
    assert "waiting: 0; failed in 24 h: 0; live workers: 0" in out.getvalue()
