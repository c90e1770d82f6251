from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.audit.verify import verify_all


class Command(BaseCommand):
    help = "Audit log tools: 'verify' checks the hash chain of every organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        reports = verify_all()
        failed = False
        for report in reports:
            if report.broken is None:
                self.stdout.write(f"{report.chain}: {report.entries} entries, chain intact")
            else:
                failed = True
                self.stdout.write(
                    f"{report.chain}: BROKEN at entry {report.broken.seq}: {report.broken.reason}"
                )
        if not reports:
            self.stdout.write("audit log is empty")
        if failed:
            raise CommandError("audit log verification failed")
        self.stdout.write(self.style.SUCCESS("audit log verified"))
