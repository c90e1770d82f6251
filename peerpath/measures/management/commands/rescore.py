from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures import rescore
from peerpath.measures.library import library
from peerpath.measures.tasks import rescore_scores


class Command(BaseCommand):
    help = (
        "Recompute every stored score from its answers with the current instrument "
        "definitions (after a definition changed). Answers are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--instrument", action="append", help="only these instrument ids (repeatable)")
        parser.add_argument("--batch", type=int, default=rescore.CHUNK,
                            help=f"administrations per transaction (default {rescore.CHUNK})")
        parser.add_argument("--queue", action="store_true",
                            help="queue the rescoring for a background worker (peerpath worker) and return at once")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if options["queue"]:
            result = rescore_scores.enqueue(options["instrument"], options["batch"])
            self.stdout.write(f"Rescoring queued (task {result.id}); a worker runs it (see the tasks page).")
            return
        total = rescore.completed(options["instrument"]).count()
        try:
            done = rescore.rescore(library(), only=options["instrument"], chunk=options["batch"],
                                   progress=lambda n: self._progress(n, total))
        except rescore.RescoreError as exc:
            raise CommandError(f"{exc} (the batches before it stay rescored)") from exc
        audit.record(Event.RESCORED, actor=None, organization=None,
                     extra={"rescored": done.rescored, "skipped": done.skipped})
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"{done.rescored} administrations rescored, {done.skipped} skipped (unknown instrument)"))

    def _progress(self, n: int, total: int) -> None:
        width = 30
        filled = width * n // total if total else width
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {n}/{total}"
        if sys.stdout.isatty():
            self.stdout.write(line, ending="")
        else:
            self.stdout.write(line.strip())
