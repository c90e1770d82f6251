"""The administrators' page of background tasks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from peerpath.alerts.tasks import recompute_alerts
from peerpath.exports.tasks import build_export
from peerpath.tasks.tests.sample_tasks import always_fails
from peerpath.tasks.worker import run_pending


def test_it_lists_recent_tasks_with_their_state_attempts_and_kind_of_error(org_a, client_for, settings):
    settings.PEERPATH_TASK_MAX_ATTEMPTS = 1
    recompute_alerts.enqueue()
    always_fails.enqueue("A0001 secret")
    run_pending()
    build_export.enqueue(424242)  # waiting
    page = client_for("admin").get("/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Recompute alerts" in html and "Build an export" in html and "always_fails" in html
    assert html.count("<td>Done</td>") == 1 and html.count("<td>Failed</td>") == 1
    assert html.count("<td>Waiting</td>") == 1
    assert "RuntimeError" in html
    assert "A0001 secret" not in html and "424242" not in html  # no argument, no message
    assert "1 task waiting" in html and "1 failed in the last 24 hours" in html
    assert "No worker is running" in html


def test_the_page_reads_in_a_fixed_number_of_queries(org_a, client_for):
    client = client_for("admin")
    client.get("/tasks/")
    for _ in range(30):
        recompute_alerts.enqueue()
    with CaptureQueriesContext(connection) as few:
        client.get("/tasks/")
    for _ in range(30):
        recompute_alerts.enqueue()
    with CaptureQueriesContext(connection) as many:
        client.get("/tasks/")
    assert len(few) == len(many)
    assert DBTaskResult.objects.count() == 60


@pytest.mark.parametrize("role", ["coordinator", "professional", "peer_leader", "researcher"])
def test_only_administrators_see_it_and_its_menu_entry(org_a, client_for, role):
    assert client_for(role).get("/tasks/").status_code == 403
    assert b'href="/tasks/"' not in client_for(role).get("/dashboard/").content
    assert b'href="/tasks/"' in client_for("admin").get("/dashboard/").content
