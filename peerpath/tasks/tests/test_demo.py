"""The demo association shows finished background tasks on the tasks page."""

from __future__ import annotations

from django.core.management import call_command

from peerpath.tasks.selectors import recent_tasks


def test_the_demo_has_finished_tasks_one_of_them_run_again_after_its_worker_stopped(db, settings):
    settings.DEBUG = True
    call_command("demo", "--size", "8")
    rows = recent_tasks()
    assert len(rows) == 6 and {r.state for r in rows} == {"SUCCESSFUL"}
    assert {str(r.label) for r in rows} == {"Nightly purge", "E-mail the alert digest", "Recompute alerts",
                                           "Escalate overdue safety follow-ups"}
    assert [r.attempts for r in rows if r.attempts > 1] == [2]
    assert all(r.finished_at and r.finished_at > r.enqueued_at for r in rows)
