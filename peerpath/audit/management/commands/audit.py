from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.audit.models import ChainHead
from peerpath.audit.verify import verify_all


class Command(BaseCommand):
    help = (
        "Audit log tools: 'verify' checks the hash chain of every organisation; 'heads' prints "
        "each chain's last entry number and hash, to keep off-site (a later verify against a "
        "kept head proves nothing was cut from the end or rewritten wholesale)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "heads"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "heads":
            for head in ChainHead.objects.order_by("chain"):
                self.stdout.write(f"{head.chain}\t{head.seq}\t{head.hash}")
            return
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
