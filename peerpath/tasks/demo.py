"""The tasks app's part of the demo association (see peerpath/demo/generator.py):
a few finished background tasks of the last day, so that the administrators'
tasks page of ``make run`` is not empty — one of them run twice, its first
worker having stopped mid-way."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from peerpath.demo.generator import DemoPlan

# (task, hours ago it was queued, attempts)
FINISHED = [
    ("peerpath.tasks.housekeeping.nightly_purge", 20, 1),
    ("peerpath.alerts.tasks.send_alert_digests", 9, 1),
    ("peerpath.alerts.tasks.recompute_alerts", 3, 2),  # its first worker stopped
    ("peerpath.safety.tasks.escalate_safety", 2, 1),
    ("peerpath.alerts.tasks.recompute_alerts", 1, 1),
    ("peerpath.safety.tasks.escalate_safety", 1, 1),
]


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """The finished tasks, with a few minutes of run time each (plain data)."""
    plan.extras["tasks"] = [(path, hours, attempts, rng.randint(1, 40)) for path, hours, attempts in FINISHED]


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write the finished tasks (inside the demo's one transaction)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    for i, (path, hours, attempts, seconds) in enumerate(plan.extras["tasks"]):
        queued = now - dt.timedelta(hours=hours)
        started = queued + dt.timedelta(seconds=1 + (150 if attempts > 1 else 0))
        row = DBTaskResult.objects.create(
            status="SUCCESSFUL", args_kwargs={"args": [], "kwargs": {}}, task_path=path, backend_name="default",
            queue_name="default", worker_ids=[f"demo-worker-{(i + a) % 2 + 1}" for a in range(attempts)],
            started_at=started, finished_at=started + dt.timedelta(seconds=seconds), return_value=None,
            exception_class_path="", traceback="")
        DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=queued)  # auto_now_add on create
