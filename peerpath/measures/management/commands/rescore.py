from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.actions import store_scores
from peerpath.measures.library import library
from peerpath.measures.models import Administration, AdministrationStatus


class Command(BaseCommand):
    help = (
        "Recompute every stored score from its answers with the current instrument "
        "definitions (after a definition changed). Answers are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--instrument", action="append", help="only these instrument ids (repeatable)")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        instruments = library()
        completed = Administration.objects.filter(status=AdministrationStatus.COMPLETED)
        if options["instrument"]:
            completed = completed.filter(instrument_id__in=options["instrument"])
        total = completed.count()
        done = skipped = 0
        ids = list(completed.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), options["batch"]):
            with transaction.atomic():
                for administration in Administration.objects.filter(pk__in=ids[start : start + options["batch"]]):
                    instrument = instruments.get(administration.instrument_id)
                    if instrument is None:
                        skipped += 1
                        continue
                    store_scores(administration, instrument, new=False)
                    done += 1
            self._progress(done + skipped, total)
        audit.record(Event.RESCORED, actor=None, organization=None, extra={"rescored": done, "skipped": skipped})
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{done} administrations rescored, {skipped} skipped (unknown instrument)"))

    def _progress(self, n: int, total: int) -> None:
        width = 30
        filled = width * n // total if total else width
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {n}/{total}"
        if sys.stdout.isatty():
            self.stdout.write(line, ending="")
        elif n == total or n % 5000 < 500:
            self.stdout.write(line.strip())
