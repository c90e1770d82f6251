"""PEERPATH_TASKS=rq: a real Peerpath task queued in a real Redis (DB 13) and run
by an RQ worker in burst mode, in-process. Skipped without Redis, except under CI."""

from __future__ import annotations

import os

import pytest
import redis

from peerpath.exports import actions
from peerpath.exports.models import ExportFile, ExportJob
from peerpath.tasks import backlog, failures_recent
from peerpath.tasks.tests.sample_tasks import always_fails
from tests.factories import ConsentFactory

RQ_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def rq(settings):
    conn = redis.Redis.from_url(RQ_URL)
    try:
        conn.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    conn.flushdb()
    settings.TASKS_MODE = "rq"
    settings.RQ_QUEUES = {"default": {"URL": RQ_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    yield conn
    conn.flushdb()


def _run_burst() -> None:
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job)
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)


@pytest.mark.django_db
def test_an_export_queued_in_redis_is_built_by_an_rq_worker_once(org_a, rq):
    from peerpath.exports.tasks import build_export

    ConsentFactory(member=org_a.member, kind="research", recorded_by=org_a.users["coordinator"])
    job = actions.request_research_export(org_a.staff["researcher"], tables=["jobs"], fmt="csv",
                                          date_mode="shift", new_project="Study")
    result = build_export.enqueue(job.pk)
    assert backlog() == 1
    _run_burst()
    assert backlog() == 0
    assert ExportJob.objects.get().state == "done"
    assert ExportFile.objects.count() == 1
    assert build_export.get_result(result.id).status == "SUCCESSFUL"
    # The same job run again (a second delivery) leaves the finished export alone.
    build_export.enqueue(job.pk)
    _run_burst()
    assert ExportFile.objects.count() == 1
    assert failures_recent() == 0


@pytest.mark.django_db
def test_a_failed_rq_job_is_counted_and_the_tasks_page_shows_rq_counts(rq, org_a, client_for):
    from peerpath.alerts.tasks import recompute_alerts

    always_fails.enqueue("x")
    _run_burst()
    recompute_alerts.enqueue()  # left waiting
    assert failures_recent() == 1
    assert backlog() == 1
    html = client_for("admin").get("/tasks/").content.decode()
    assert "1 task waiting" in html and "1 failed in the last 24 hours" in html
    assert "there is no queue" not in html and "No worker is running" not in html
    ready = client_for("admin").get("/readyz/").json()
    assert ready["checks"]["tasks"] == {"ok": True, "detail": "1 waiting"}  # the Redis queue's count
    _run_burst()
    assert backlog() == 0


def test_peerpath_worker_refuses_under_rq(settings):
    from django.core.management import CommandError, call_command

    settings.TASKS_MODE = "rq"
    with pytest.raises(CommandError, match="rqworker --job-class django_tasks_rq.Job"):
        call_command("worker", "--batch")


def test_rq_without_its_redis_address_refuses_to_start():
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "DEBUG": "true", "PEERPATH_TASKS": "rq", "PEERPATH_RQ_URL": ""}
    done = subprocess.run([sys.executable, "manage.py", "check"], env=env, cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PEERPATH_TASKS=rq needs PEERPATH_RQ_URL" in done.stderr
