"""``peerpath export``: run one export now, or purge old files.

    peerpath export run --organisation SLUG --user USERNAME --kind research \\
        --project "Study 2026" --format dta --date-mode shift --tables jobs,scores
    peerpath export run --organisation SLUG --user ADMIN --kind identifiable --reason "…" --format csv
    peerpath export purge                    delete the files of expired exports

Exports requested in the interface that are too large to build during the request
are built by a background worker (``peerpath worker``, see docs/exports.md); the
purge also runs nightly as a periodic task (``peerpath tasks enqueue-periodic``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.exports import actions
from peerpath.exports.collect import OPTIONAL_TABLES
from peerpath.exports.models import ExportJob, ExportState, ResearchProject
from peerpath.tenancy.models import Membership


class Command(BaseCommand):
    help = "Run an export now (run) or delete expired export files (purge)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run", "purge"], help="run: one export now; purge: expired files")
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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "purge":
            self.stdout.write(f"Deleted {actions.purge_expired()} expired export file(s).")
            return
        self.run_one(options)

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
