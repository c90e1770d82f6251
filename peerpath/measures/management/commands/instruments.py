from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.measures.definitions import DefinitionError, load_library
from peerpath.measures.scoring import check_definition


class Command(BaseCommand):
    help = "The instrument library: 'list' shows every definition; 'check' validates them all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "check"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            library = load_library()
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        for instrument in library.values():
            try:
                check_definition(instrument)
            except ValueError as exc:
                raise CommandError(f"{instrument.id}.yaml: {exc}") from exc
        if options["action"] == "check":
            self.stdout.write(self.style.SUCCESS(f"{len(library)} instrument definitions are valid"))
            return
        for instrument in library.values():
            wording = "wording" if any(i.text for i in instrument.items) else "scoring only"
            scores = ", ".join(s.id for s in instrument.scores)
            self.stdout.write(
                f"{instrument.id:<8} v{instrument.version}  {instrument.short_name:<10} "
                f"{len(instrument.items):>3} items  {wording:<12}  scores: {scores}"
            )
