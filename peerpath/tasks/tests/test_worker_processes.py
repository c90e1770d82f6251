"""Real worker processes on the test database: an export whose worker is killed
with SIGKILL mid-way is finished by another worker, exactly once; a second worker
does not take a task whose worker is alive. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from peerpath.audit.models import AccessLog, Event
from peerpath.exports import actions
from peerpath.exports.models import ExportFile, ExportJob
from peerpath.exports.tasks import build_export
from tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db(transaction=True)

STALE = 2  # seconds without a heartbeat before a running task is taken for dead


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(tmp_path: Path, seconds: float, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": _database_url(), "PEERPATH_VAR_DIR": str(settings.VAR_DIR),
           "PEERPATH_TASK_STALE_SECONDS": str(STALE), "PEERPATH_TASK_HEARTBEAT_SECONDS": "1"}
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "peerpath.tasks.tests.slow_worker", str(tmp_path), str(seconds),
                             "--interval", "0.2", *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=settings.BASE_DIR)


def _wait_for(predicate, what: str, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


def test_an_export_whose_worker_is_killed_is_finished_once_by_another_worker(org_a, tmp_path):
    ConsentFactory(member=org_a.member, kind="research", recorded_by=org_a.users["coordinator"])
    job = actions.request_research_export(org_a.staff["researcher"], tables=["jobs"], fmt="csv",
                                          date_mode="shift", new_project="Study")
    result = build_export.enqueue(job.pk)

    first = _worker(tmp_path, 600)
    try:
        _wait_for(lambda: list(tmp_path.glob(f"zipping-{first.pid}")), "the first worker to reach the zip")
        assert ExportJob.objects.get().state == "running"
        # A second worker while the first is alive leaves its task alone.
        second = _worker(tmp_path, 0, "--batch")
        assert second.wait(timeout=60) == 0, _logs(tmp_path)
        assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"
        assert ExportJob.objects.get().state == "running"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    time.sleep(STALE + 1)  # the killed worker's heartbeat goes stale
    third = _worker(tmp_path, 0)
    try:
        # (up to 150 s: a transient database error would be retried 30 s later)
        _wait_for(lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL",
                  "another worker to finish the task", timeout=150)
    finally:
        third.send_signal(signal.SIGTERM)
        assert third.wait(timeout=60) == 0, _logs(tmp_path)

    job = ExportJob.objects.get()
    assert job.state == "done", (job.state, job.error, _logs(tmp_path))
    assert ExportFile.objects.filter(job=job).count() == 1
    assert AccessLog.objects.filter(event=Event.EXPORT, target_id=str(job.pk)).count() == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.worker_ids[0] != row.worker_ids[-1] and len(row.worker_ids) >= 2
    assert "queued again" in _logs(tmp_path)
    data = actions.export_bytes(org_a.staff["researcher"], job)
    assert data[:2] == b"PK"


def test_sigterm_lets_the_worker_finish_its_export_and_exit_cleanly(org_a, tmp_path):
    ConsentFactory(member=org_a.member, kind="research", recorded_by=org_a.users["coordinator"])
    job = actions.request_research_export(org_a.staff["researcher"], tables=[], fmt="csv",
                                          date_mode="shift", new_project="Study")
    build_export.enqueue(job.pk)
    worker = _worker(tmp_path, 2)
    _wait_for(lambda: list(tmp_path.glob(f"zipping-{worker.pid}")), "the worker to reach the zip")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, _logs(tmp_path)
    assert ExportJob.objects.get().state == "done"
    assert "stopped after 1 task(s)" in _logs(tmp_path)
