"""``peerpath tasks``: the periodic schedule and the queue's state.

    peerpath tasks enqueue-periodic   enqueue the periodic tasks that are due
                                      (from cron or a systemd timer, every 5 minutes)
    peerpath tasks reap               queue again (or fail) the tasks whose worker died
    peerpath tasks status             waiting and failed tasks, and the live workers

See peerpath/tasks/periodic.py for the schedule and docs/deployment.md,
"Background work".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from peerpath.tasks import backlog, failures_recent
from peerpath.tasks.models import WorkerHeartbeat
from peerpath.tasks.periodic import enqueue_periodic
from peerpath.tasks.worker import reap


class Command(BaseCommand):
    help = "Enqueue the periodic tasks that are due (enqueue-periodic), reap tasks of dead workers, or show status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["enqueue-periodic", "reap", "status"])

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "enqueue-periodic":
            names = enqueue_periodic()
            self.stdout.write("Enqueued: " + (", ".join(names) if names else "nothing due"))
        elif action == "reap":
            requeued, failed = reap()
            self.stdout.write(f"Queued again {requeued} task(s) of dead workers; failed {failed}.")
        else:
            since = timezone.now() - dt.timedelta(seconds=settings.PEERPATH_TASK_STALE_SECONDS)
            workers = WorkerHeartbeat.objects.filter(last_seen__gte=since).count()
            self.stdout.write(f"waiting: {backlog()}; failed in 24 h: {failures_recent()}; live workers: {workers}")
