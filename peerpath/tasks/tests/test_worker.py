"""The worker's retries, the reaper of tasks whose worker died, and the counts
for health checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerpath.tasks import backlog, failures_recent
from peerpath.tasks.models import WorkerHeartbeat
from peerpath.tasks.tests.sample_tasks import always_fails
from peerpath.tasks.worker import WORKER_LOST, reap, run_pending

pytestmark = pytest.mark.django_db


def _row(result) -> DBTaskResult:  # type: ignore[no-untyped-def]
    return DBTaskResult.objects.get(pk=result.id)


def test_a_failing_task_is_tried_again_later_up_to_the_limit(settings):
    settings.PEERPATH_TASK_MAX_ATTEMPTS = 3
    result = always_fails.enqueue("x")
    assert backlog() == 1
    assert run_pending() == 1
    row = _row(result)
    assert row.status == "READY" and len(row.worker_ids) == 1
    assert row.run_after > timezone.now() + dt.timedelta(seconds=25)  # 30 s after the first attempt
    assert backlog() == 0 and run_pending() == 0  # not before its delay
    for attempt in (2, 3):
        DBTaskResult.objects.filter(pk=row.pk).update(run_after=timezone.now())
        assert run_pending() == 1
        assert len(_row(result).worker_ids) == attempt
    row = _row(result)
    assert row.status == "FAILED" and "failing on purpose (x)" in row.traceback
    assert failures_recent() == 1


def _running(worker: str, attempts: int, started: dt.datetime) -> DBTaskResult:
    result = always_fails.enqueue("y")
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=started, worker_ids=[f"w{i}" for i in range(attempts - 1)] + [worker])
    return DBTaskResult.objects.get(pk=result.id)


def test_the_reaper_queues_again_a_task_whose_worker_is_silent(settings):
    settings.PEERPATH_TASK_STALE_SECONDS = 60
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=1, started_at=now, last_seen=now)
    WorkerHeartbeat.objects.create(worker_id="dead", hostname="h", pid=2, started_at=now,
                                   last_seen=now - dt.timedelta(seconds=61))
    of_dead = _running("dead", 1, now - dt.timedelta(minutes=5))
    of_alive = _running("alive", 1, now - dt.timedelta(minutes=5))
    just_claimed = _running("unknown", 1, now - dt.timedelta(seconds=10))  # no heartbeat yet, started lately
    assert reap(now) == (1, 0)
    assert DBTaskResult.objects.get(pk=of_dead.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=of_alive.pk).status == "RUNNING"
    assert DBTaskResult.objects.get(pk=just_claimed.pk).status == "RUNNING"


def test_the_reaper_fails_a_task_that_had_its_attempts(settings):
    settings.PEERPATH_TASK_STALE_SECONDS = 60
    settings.PEERPATH_TASK_MAX_ATTEMPTS = 3
    now = timezone.now()
    row = _running("gone", 3, now - dt.timedelta(minutes=5))
    assert reap(now) == (0, 1)
    row.refresh_from_db()
    assert row.status == "FAILED" and row.exception_class_path == WORKER_LOST
    assert "stopped during attempt 3 of 3" in row.traceback


def test_counts_are_zero_when_tasks_run_immediately(settings):
    always_fails.enqueue("z")
    settings.TASKS_MODE = "immediate"
    assert backlog() == 0 and failures_recent() == 0


def test_the_reap_command_queues_again_the_tasks_of_dead_workers(settings):
    import io

    from django.core.management import call_command

    settings.PEERPATH_TASK_STALE_SECONDS = 60
    row = _running("gone", 1, timezone.now() - dt.timedelta(minutes=5))
    out = io.StringIO()
    call_command("tasks", "reap", stdout=out)
    assert "Queued again 1 task(s) of dead workers; failed 0." in out.getvalue()
    assert DBTaskResult.objects.get(pk=row.pk).status == "READY"
