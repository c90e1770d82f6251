"""``peerpath run`` (``make run``) needs no second process: a worker thread in the
development server builds a queued export."""

from __future__ import annotations

import time

import pytest

from peerpath.exports import actions
from peerpath.exports.models import ExportJob
from peerpath.exports.tasks import build_export
from peerpath.tasks.models import WorkerHeartbeat
from peerpath.tasks.worker import start_in_thread
from tests.factories import ConsentFactory


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_of_the_development_server_builds_a_queued_export(org_a):
    ConsentFactory(member=org_a.member, kind="research", recorded_by=org_a.users["coordinator"])
    job = actions.request_research_export(org_a.staff["researcher"], tables=[], fmt="csv",
                                          date_mode="shift", new_project="Study")
    build_export.enqueue(job.pk)
    worker = start_in_thread()
    assert worker is not None and worker.thread is not None
    try:
        deadline = time.monotonic() + 60
        while ExportJob.objects.get().state != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ExportJob.objects.get().state == "done"
        assert WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists()
    finally:
        worker.running = False
        worker.thread.join(timeout=30)
    assert not worker.thread.is_alive()
    assert not WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists()  # a clean stop


def test_peerpath_run_starts_the_worker_thread_before_serving(db, monkeypatch, settings):
    settings.DEBUG = True
    from django.core.management import call_command

    from peerpath.demo.management.commands import serve_demo

    calls = []
    monkeypatch.setattr(serve_demo, "demo_exists", lambda: True)
    monkeypatch.setattr(serve_demo, "start_in_thread", lambda: calls.append("worker") or object())
    monkeypatch.setattr(serve_demo, "call_command",
                        lambda name, *a, **k: calls.append(name) if name == "runserver" else call_command(name, *a, **k))
    serve_demo.Command().run_from_argv(["peerpath", "serve_demo"])
    assert calls == ["worker", "runserver"]
