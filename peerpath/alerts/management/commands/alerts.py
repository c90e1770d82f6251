"""``peerpath alerts``: compute alerts once, or in a loop as a service, and e-mail
the digest.

    peerpath alerts                         every organisation, once
    peerpath alerts --organisation SLUG     one organisation
    peerpath alerts --loop --interval 900   again every 15 minutes until SIGTERM / SIGINT
    peerpath alerts --digest --base-url https://peerpath.example.org
                                            compute, then e-mail each staff member a digest

On SIGTERM or SIGINT the loop finishes the organisation it is computing (each
organisation is one transaction), skips the rest of the cycle and exits with 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone

from peerpath.alerts.compute import compute_alerts
from peerpath.alerts.digest import send_digests
from peerpath.tenancy.models import Organization

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT set ``stop`` instead of killing the
    process; the previous handlers are restored afterwards."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_loop(stop: threading.Event, interval: float, cycle: Callable[[], None]) -> int:
    """Run ``cycle`` now and then every ``interval`` seconds until ``stop`` is set;
    returns the number of cycles run. A failing cycle is logged and the loop goes
    on (the database may be back by the next one)."""
    cycles = 0
    while not stop.is_set():
        try:
            cycle()
        except Exception:
            log.exception("alert computation failed; trying again in %s seconds", interval)
        cycles += 1
        stop.wait(interval)
    return cycles


def _fresh_connection() -> None:
    """A long-running loop must not keep a broken or too old connection (outside
    a transaction only: a test runs the command inside one)."""
    if not connection.in_atomic_block:
        close_old_connections()


class Command(BaseCommand):
    help = "Compute alerts for every organisation (or one), once or in a loop; optionally e-mail a digest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", "--organization", dest="organisation", metavar="SLUG",
                            help="only this organisation (its short name)")
        parser.add_argument("--loop", action="store_true", help="run again every --interval seconds until stopped")
        parser.add_argument("--interval", type=int, default=900, help="seconds between runs with --loop (default 900)")
        parser.add_argument("--digest", action="store_true",
                            help="after computing, e-mail each staff member a digest of their open alerts")
        parser.add_argument("--base-url", default="", help="the site's address, for the link in the digest")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organisation"]
        if slug and not Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"No organisation with the short name {slug!r}.")
        if options["interval"] < 10:
            raise CommandError("--interval must be at least 10 seconds.")
        if options["digest"] and options["loop"]:
            raise CommandError("--digest runs once: schedule it separately (e.g. daily), not with --loop.")
        if options["digest"] and not options["base_url"].startswith(("https://", "http://")):
            raise CommandError("--digest needs --base-url, the address staff open Peerpath at (https://…).")
        if not options["loop"]:
            self.cycle(slug, None)
            if options["digest"]:
                self.digest(slug, options["base_url"])
            return
        stop = threading.Event()
        with stop_on_signals(stop):
            self.stdout.write(f"Computing alerts every {options['interval']} seconds; stop with SIGTERM or Ctrl-C.")
            cycles = run_loop(stop, options["interval"], lambda: self.cycle(slug, stop))
        self.stdout.write(f"Stopped cleanly after {cycles} cycle(s).")

    def organisations(self, slug: str | None) -> list[Organization]:
        orgs = Organization.objects.order_by("pk")
        return list(orgs.filter(slug=slug) if slug else orgs)

    def cycle(self, slug: str | None, stop: threading.Event | None) -> None:
        """Compute every organisation's alerts, each in its own transaction; with a
        stop event set, abandon the organisations not yet started."""
        _fresh_connection()
        today = timezone.localdate()
        for org in self.organisations(slug):
            if stop is not None and stop.is_set():
                self.stdout.write("Stop requested: the remaining organisations are left for the next run.")
                return
            result = compute_alerts(org, today)
            self.stdout.write(
                f"{org.slug}: {result.raised} raised, {result.cleared} cleared, {result.open} open ({today})"
            )

    def digest(self, slug: str | None, base_url: str) -> None:
        for org in self.organisations(slug):
            sent, failed = send_digests(org, base_url, settings.LANGUAGE_CODE)
            self.stdout.write(f"{org.slug}: digest sent to {sent} staff" + (f", {failed} failed" if failed else ""))
            if failed:
                self.stderr.write(f"{org.slug}: {failed} digest e-mail(s) could not be sent (see the log).")
