from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peerpath.demo.generator import STAFF, plan
from peerpath.demo.load import demo_exists, load
from peerpath.tasks.worker import start_in_thread


class Command(BaseCommand):
    help = "Migrate, load the demo association on first run, and serve on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "'peerpath run' is the development server with demo data and needs DEBUG=true. "
                "In production run gunicorn (see docs/deployment.md)."
            )
        call_command("migrate", interactive=False, verbosity=0)
        if not demo_exists():
            load(plan(today=timezone.localdate()))
            self.stdout.write(self.style.SUCCESS("Demo association loaded (first run)."))
        url = "http://" + options["addrport"]
        self.stdout.write("")
        self.stdout.write(f"Peerpath is starting on {url}/")
        self.stdout.write(f"Sign in with one of these demo users, password: {settings.DEMO_PASSWORD}")
        for s in STAFF:
            self.stdout.write(f"  {s.username:<14} {s.role}")
        self.stdout.write(f"  {'member':<14} a member's own portal, on a phone (http://{options['addrport']}/me/)")
        if settings.PEERPATH_REQUIRE_2FA:
            self.stdout.write("Two-factor sign-in is on: the first login shows a QR code for an authenticator app.")
        else:
            self.stdout.write("Two-factor sign-in is off for this demo (PEERPATH_REQUIRE_2FA=false).")
        if start_in_thread() is not None:
            self.stdout.write("A background worker runs in this process (large exports, alerts, e-mails).")
        self.stdout.write("")
        call_command("runserver", options["addrport"], use_reloader=False)
