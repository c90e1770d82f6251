"""``peerpath worker``: the database queue's worker, with a heartbeat, a reaper of
tasks whose worker died, and retries with a limit.

The worker is django-tasks-db's (``manage.py db_worker``): it claims the next
ready task with ``SELECT … FOR UPDATE SKIP LOCKED`` (on SQLite, an exclusive
transaction), marks it running and runs it. That worker alone leaves a task
"running" for ever when its process is killed (``kill -9``, a lost machine), and
never runs a failed task again. Peerpath's worker adds:

- a **heartbeat**: a row per worker (:class:`~peerpath.tasks.models.WorkerHeartbeat`)
  refreshed every ``PEERPATH_TASK_HEARTBEAT_SECONDS`` (10) by a thread of its own;
- a **reaper**, run by every worker's heartbeat thread: a task still "running"
  whose worker has not been heard of for ``PEERPATH_TASK_STALE_SECONDS`` (120) is
  made ready again, or failed once it has been tried ``PEERPATH_TASK_MAX_ATTEMPTS``
  (3) times;
- **retries**: a task that raised is queued again after 30 s × its attempts, up to
  the same limit, then stays failed.

So a task may run more than once: every task is written to be safe to run again
(an export that was already finished is not built a second time, see
``peerpath.exports.tasks``). Run ``peerpath worker``, never ``db_worker``: the
plain worker sends no heartbeat, so the reaper would take its long tasks for dead.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from peerpath.tasks.models import WorkerHeartbeat

log = logging.getLogger(__name__)

RETRY_DELAY = dt.timedelta(seconds=30)  # times the number of attempts so far
WORKER_LOST = "peerpath.tasks.worker.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (recorded as the
    task's error when it has no attempt left)."""


def attempts(row: DBTaskResult) -> int:
    """How many times the task has been claimed by a worker."""
    return len(row.worker_ids or [])


def reap(now: dt.datetime | None = None) -> tuple[int, int]:
    """Find the running tasks whose worker is gone (no heartbeat for
    ``PEERPATH_TASK_STALE_SECONDS``, and started at least that long ago): make
    each ready again, or failed when it has had its attempts. Returns
    (requeued, failed). Safe to run in several workers at once: each change is a
    conditional update of the task as it was read."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.PEERPATH_TASK_STALE_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(last_seen__gte=stale_before).values_list("worker_id", flat=True))
    requeued = failed = 0
    running = DBTaskResult.objects.running().filter(started_at__lt=stale_before).only(
        "id", "worker_ids", "started_at", "task_path")
    for row in running:
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if worker in alive:
            continue
        same = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        if attempts(row) < settings.PEERPATH_TASK_MAX_ATTEMPTS:
            if same.update(status=TaskResultStatus.READY, run_after=now):
                requeued += 1
                log.warning("task %s (%s): worker %s is gone; queued again", row.pk, row.task_path, worker)
        else:
            message = f"{WORKER_LOST}: worker {worker} stopped during attempt {attempts(row)} of {attempts(row)}\n"
            if same.update(status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=WORKER_LOST,
                           traceback=message, return_value=None):
                failed += 1
                log.error("task %s (%s): worker %s is gone and no attempt is left; failed",
                          row.pk, row.task_path, worker)
    WorkerHeartbeat.objects.filter(last_seen__lt=now - 10 * dt.timedelta(
        seconds=settings.PEERPATH_TASK_STALE_SECONDS)).delete()
    return requeued, failed


class PeerpathWorker(Worker):
    """django-tasks-db's worker with a heartbeat thread (which also reaps) and
    retries of failed tasks."""

    def __init__(self, *, heartbeat: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat = heartbeat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None  # the heartbeat's
        self.thread: threading.Thread | None = None  # the worker's own, when started by start_in_thread

    # -- heartbeat -----------------------------------------------------------
    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"last_seen": now, "hostname": socket.gethostname()[:255], "pid": os.getpid()},
            create_defaults={"last_seen": now, "started_at": now, "hostname": socket.gethostname()[:255],
                             "pid": os.getpid()},
        )

    def _beat_loop(self) -> None:
        interval = settings.PEERPATH_TASK_HEARTBEAT_SECONDS
        reap_every = max(interval, settings.PEERPATH_TASK_STALE_SECONDS // 4)
        last_reap: dt.datetime | None = None
        try:
            while not self._stop.wait(interval):
                try:
                    self.beat()
                    now = timezone.now()
                    if last_reap is None or (now - last_reap).total_seconds() >= reap_every:
                        reap(now)
                        last_reap = now
                except Exception:  # the database may be back at the next beat
                    log.exception("worker %s: heartbeat failed", self.worker_id)
        finally:
            connection.close()

    def run(self) -> None:
        if self.heartbeat:
            self.beat()
            reap()
            self._thread = threading.Thread(target=self._beat_loop, name="peerpath-heartbeat", daemon=True)
            self._thread.start()
        try:
            super().run()
        finally:
            self._stop.set()
            if self._thread is not None:
                self._thread.join(timeout=5)
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    # -- retries -------------------------------------------------------------
    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        if db_task_result.status != TaskResultStatus.FAILED:
            return
        tried = attempts(db_task_result)
        if tried >= settings.PEERPATH_TASK_MAX_ATTEMPTS:
            log.error("task %s (%s) failed on attempt %s, the last", db_task_result.pk,
                      db_task_result.task_path, tried)
            return
        with transaction.atomic():
            DBTaskResult.objects.filter(pk=db_task_result.pk, status=TaskResultStatus.FAILED).update(
                status=TaskResultStatus.READY, finished_at=None, run_after=timezone.now() + tried * RETRY_DELAY)
        log.warning("task %s (%s) failed on attempt %s; trying again in %s", db_task_result.pk,
                    db_task_result.task_path, tried, tried * RETRY_DELAY)


def make_worker(*, batch: bool = False, heartbeat: bool = True, interval: float = 1.0,
                max_tasks: int | None = None, worker_id: str | None = None,
                queues: str = "default") -> PeerpathWorker:
    from django.utils.crypto import get_random_string

    return PeerpathWorker(
        heartbeat=heartbeat, queue_names=queues.split(","), interval=interval, batch=batch,
        backend_name="default", startup_delay=False, max_tasks=max_tasks,
        worker_id=worker_id or get_random_string(32), excluded_queue_names=[],
    )


def run_pending(max_tasks: int | None = None) -> int:
    """Run the tasks that are ready now in this process, then return how many ran
    (for tests and one-off use; no heartbeat). Retried tasks wait for their delay."""
    if settings.TASKS_MODE != "database":
        return 0
    worker = make_worker(batch=True, heartbeat=False, interval=0)
    ran = 0
    while max_tasks is None or ran < max_tasks:
        # The worker's own loop, less its closing of old connections (which would
        # close a test's connection inside its transaction).
        with exclusive_transaction():
            row = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if row is None:
                break
            row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    return ran


def start_in_thread() -> PeerpathWorker | None:
    """A worker in a daemon thread of this process (``peerpath run``: the laptop
    needs no second process). None when tasks run immediately."""
    if settings.TASKS_MODE != "database":
        return None
    worker = make_worker(interval=2.0)

    def run() -> None:
        try:
            worker.run()
        finally:
            connections.close_all()  # this thread's own connections

    worker.thread = threading.Thread(target=run, name="peerpath-worker", daemon=True)
    worker.thread.start()
    return worker
