"""``peerpath worker``: run queued background tasks until SIGTERM / SIGINT.

    peerpath worker                 run tasks as they are queued (a systemd service)
    peerpath worker --batch         run every task ready now, then exit
    peerpath worker --max-tasks 50  exit after 50 tasks (systemd restarts it)

Run one or more on any machine that reaches the database: each task is claimed by
one worker (``SELECT … FOR UPDATE SKIP LOCKED``). On SIGTERM the worker finishes
the task it is running and exits with 0; a second SIGTERM abandons it (it is then
run again by another worker once this one's heartbeat is stale). See
peerpath/tasks/worker.py and docs/deployment.md, "Background work".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.tasks.worker import make_worker


class Command(BaseCommand):
    help = "Run queued background tasks (exports, alerts, digests, purges…) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default", help="queue names, comma-separated (default: default)")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="seconds to wait when the queue is empty (default 1)")
        parser.add_argument("--batch", action="store_true", help="run the tasks ready now, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
        parser.add_argument("--worker-id", default=None, help="a unique name (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASKS_MODE == "rq":
            raise CommandError("PEERPATH_TASKS is 'rq': run the RQ worker instead: "
                               "peerpath rqworker --job-class django_tasks_rq.Job default")
        if settings.TASKS_MODE != "database":
            raise CommandError("PEERPATH_TASKS is 'immediate': tasks run where they are queued, there is no queue.")
        if options["interval"] < 0:
            raise CommandError("--interval must be 0 or more seconds.")
        if options["max_tasks"] is not None and options["max_tasks"] < 1:
            raise CommandError("--max-tasks must be at least 1.")
        if options["worker_id"] is not None and not 0 < len(options["worker_id"]) <= 64:
            raise CommandError("--worker-id must be 1 to 64 characters.")
        worker = make_worker(batch=options["batch"], interval=options["interval"], max_tasks=options["max_tasks"],
                             worker_id=options["worker_id"], queues=options["queue"])
        worker.configure_signals()
        self.stdout.write(f"Worker {worker.worker_id} running tasks of queue(s) {options['queue']}; "
                          "stop with SIGTERM or Ctrl-C.")
        self.stdout.flush()
        worker.run()
        self.stdout.write(f"Worker {worker.worker_id} stopped after {worker._run_tasks} task(s).")
