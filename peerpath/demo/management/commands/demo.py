from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peerpath.demo.generator import DEFAULT_SIZE, plan
from peerpath.demo.load import demo_exists, load


def print_logins(cmd: BaseCommand, result: dict[str, Any]) -> None:
    cmd.stdout.write(f"Demo logins (password for all: {result['password']}):")
    for username, role, orgs in result["logins"]:
        cmd.stdout.write(f"  {username:<14} {role:<13} {', '.join(orgs)}")


class Command(BaseCommand):
    help = "Build the synthetic demo association deterministically from a seed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="members in the main organisation")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any organisation exists"
        )
        parser.add_argument(
            "--scale", choices=["association", "national"], default="association",
            help="national: the benchmark network (50 organisations, 20,000 members; PostgreSQL)",
        )
        parser.add_argument(
            "--factor", type=float, default=1.0, help="with --scale national: scale every count (0 < factor ≤ 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo creates users with a published password: it only runs with DEBUG=true."
            )
        if demo_exists():
            if options["if_empty"]:
                self.stdout.write("Data already present: demo not loaded.")
                return
            raise CommandError(
                "The database already holds organisations; the demo is only loaded into an empty "
                "database (delete var/peerpath.sqlite3 to start over)."
            )
        if options["scale"] == "national":
            self._national(options)
            return
        result = load(plan(seed=options["seed"], today=timezone.localdate(), size=options["size"]))
        self.stdout.write(self.style.SUCCESS("Demo association loaded."))
        print_logins(self, result)

    def _national(self, options: dict[str, Any]) -> None:
        from django.db import connection

        from peerpath.demo import national

        try:
            total = national.sizes(options["factor"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        problem = national.backend_problem(connection.vendor, total["members"])
        if problem:
            raise CommandError(problem)
        counts = national.build(
            seed=options["seed"], today=timezone.localdate(), factor=options["factor"], progress=self.stdout.write
        )
        self.stdout.write(self.style.SUCCESS("National data set loaded (staff cannot log in)."))
        for table, n in sorted(counts.items()):
            self.stdout.write(f"  {table:<32} {n:>10,}")
