"""``peerpath export``: run one export now, process the queue, or purge old files.

    peerpath export run --organisation SLUG --user USERNAME --kind research \\
        --project "Study 2026" --format dta --date-mode shift --tables jobs,scores
    peerpath export run --organisation SLUG --user ADMIN --kind identifiable --reason "…" --format csv
    peerpath export --loop [--interval 30]   run queued exports until SIGTERM / SIGINT
    peerpath export purge                    delete the files of expired exports

On SIGTERM or SIGINT the loop finishes the export it is building and exits with 0.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.alerts.management.commands.alerts import _fresh_connection, run_loop, stop_on_signals
from peerpath.exports import actions
from peerpath.exports.collect import OPTIONAL_TABLES
from peerpath.exports.models import ExportJob, ExportState, ResearchProject
from peerpath.tenancy.models import Membership


class Command(BaseCommand):
    help = "Run an export now (run), process queued exports (--loop), or delete expired export files (purge)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["run", "queue", "purge"], default="queue",
                            help="run: one export now; queue (default): process queued exports; purge")
        parser.add_argument("--organisation", "--organization", dest="organisation", metavar="SLUG")
        parser.add_argument("--user", help="the staff user (username) the export is made for")
        parser.add_argument("--kind", choices=["research", "identifiable"], default="research")
        parser.add_argument("--format", dest="fmt", choices=["csv", "xlsx", "sav", "dta", "parquet"], default="csv")
        parser.add_argument("--date-mode", choices=["shift", "days"], default="shift")
        parser.add_argument("--tables", default="", help=f"comma-separated, of: {', '.join(OPTIONAL_TABLES)}")
        parser.add_argument("--project", default="", help="research project name (created when new)")
        parser.add_argument("--reason", default="", help="why (identifiable exports)")
        parser.add_argument("--aggregates-only", action="store_true",
                            help="research exports: the summary counts alone, for sharing outside the research team")
        parser.add_argument("--loop", action="store_true", help="keep processing the queue until stopped")
        parser.add_argument("--interval", type=int, default=30, help="seconds between queue checks (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            self.stdout.write(f"Deleted {actions.purge_expired()} expired export file(s).")
            return
        if options["action"] == "run":
            self.run_one(options)
            return
        if options["interval"] < 1:
            raise CommandError("--interval must be at least 1 second.")
        if not options["loop"]:
            self.process(None)
            return
        stop = threading.Event()
        with stop_on_signals(stop):
            self.stdout.write(f"Processing exports every {options['interval']} seconds; stop with SIGTERM or Ctrl-C.")
            cycles = run_loop(stop, options["interval"], lambda: self.process(stop))
        self.stdout.write(f"Stopped cleanly after {cycles} cycle(s).")

    def process(self, stop: threading.Event | None) -> None:
        """Run every queued export, oldest first, until the queue is empty or a stop is asked."""
        _fresh_connection()
        while stop is None or not stop.is_set():
            job = ExportJob.objects.filter(state=ExportState.QUEUED).order_by("created_at", "pk").first()
            if job is None:
                return
            self.report(actions.run_job(job))

    def report(self, job: ExportJob) -> None:
        if job.state == ExportState.DONE:
            self.stdout.write(f"export {job.pk}: done, {job.n_members} members")
        else:
            self.stderr.write(f"export {job.pk}: {job.state} {job.error}")

    def run_one(self, options: dict[str, Any]) -> None:
        if not options["organisation"] or not options["user"]:
            raise CommandError("run needs --organisation and --user.")
        membership = Membership.objects.select_related("organization", "user").filter(
            organization__slug=options["organisation"], user__username=options["user"]).first()
        if membership is None:
            raise CommandError("No such user in that organisation.")
        tables = [t.strip() for t in options["tables"].split(",") if t.strip()]
        unknown = set(tables) - set(OPTIONAL_TABLES)
        if unknown:
            raise CommandError(f"Unknown tables: {', '.join(sorted(unknown))}.")
        try:
            if options["kind"] == "research":
                if not options["project"].strip():
                    raise CommandError("A research export needs --project.")
                project = ResearchProject.objects.for_org(membership.organization).filter(
                    name=options["project"].strip()).first()
                job = actions.request_research_export(
                    membership, tables=tables, fmt=options["fmt"], date_mode=options["date_mode"],
                    project=project, new_project="" if project else options["project"],
                    aggregates_only=options["aggregates_only"])
            else:
                if len(options["reason"].strip()) < 10:
                    raise CommandError("An identifiable export needs --reason (a full sentence).")
                job = actions.request_identifiable_export(
                    membership, tables=tables, fmt=options["fmt"], reason=options["reason"])
        except PermissionDenied as exc:
            raise CommandError(f"Not allowed: {exc}") from exc
        except ValueError as exc:  # e.g. --aggregates-only with --tables
            raise CommandError(f"Refused: {exc}.") from exc
        self.stdout.write(f"export {job.pk} requested; building …")
        job = actions.run_job(job, lambda done, total: self.stdout.write(f"progress {done}/{total}"))
        self.report(job)
        if job.state != ExportState.DONE:
            raise CommandError("The export failed.")
