from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.measures.definitions import (
    DefinitionError,
    Direction,
    Licence,
    load_file,
    load_library,
    local_library_dir,
    to_yaml,
)
from peerpath.measures.redcap import not_imported, to_instrument
from peerpath.measures.redcap_import import DictionaryError, parse_data_dictionary
from peerpath.measures.scoring import check_definition


class Command(BaseCommand):
    help = (
        "The instrument library: 'list' shows every definition; 'check' validates them all; "
        "'import-redcap FILE' turns a form of a REDCap data dictionary into a local definition."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "check", "import-redcap", "import_redcap"])
        parser.add_argument("file", nargs="?", help="import-redcap: the data dictionary (CSV)")
        parser.add_argument("--form", help="import-redcap: the form to import (needed when the file has several)")
        parser.add_argument("--id", dest="instrument_id", help="import-redcap: the new instrument's id (a-z, 0-9, _)")
        parser.add_argument("--direction", choices=[d.value for d in Direction], default=Direction.HIGHER_IS_BETTER.value)
        parser.add_argument("--method", choices=["sum", "mean"], default="sum")
        parser.add_argument("--reverse", default="", help="import-redcap: comma-separated items to reverse-key")
        parser.add_argument("--licence", default="", help="import-redcap: the licence terms in a sentence")
        parser.add_argument(
            "--wording-redistributable", action="store_true",
            help="import-redcap: the licence allows keeping the item wording (otherwise scoring rules only)",
        )
        parser.add_argument("--citation", default="", help="import-redcap: the instrument's citation")
        parser.add_argument("--name-en", default=None)
        parser.add_argument("--name-zh", default=None)
        parser.add_argument(
            "--out", default=None,
            help="import-redcap: the directory to write to (default: PEERPATH_LOCAL_INSTRUMENTS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] in ("import-redcap", "import_redcap"):
            self.import_redcap(options)
            return
        try:
            library = load_library(local=local_library_dir())
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

    def import_redcap(self, options: dict[str, Any]) -> None:
        """Parse, convert, validate, and only then write one definition file."""
        if not options["file"]:
            raise CommandError("import-redcap needs the data dictionary file")
        if not options["instrument_id"]:
            raise CommandError("import-redcap needs --id, the new instrument's id")
        if not options["citation"] or not options["licence"]:
            raise CommandError("import-redcap needs --citation and --licence (the terms in a sentence)")
        out = Path(options["out"]) if options["out"] else local_library_dir()
        if out is None:
            raise CommandError("set PEERPATH_LOCAL_INSTRUMENTS or pass --out: where the definition is written")
        if not out.is_dir():
            raise CommandError(f"{out}: no such directory")
        try:
            source = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc
        try:
            forms = parse_data_dictionary(source, form=options["form"])
        except DictionaryError as exc:
            raise CommandError(str(exc)) from exc
        if len(forms) != 1:
            names = ", ".join(f.name for f in forms)
            raise CommandError(f"the dictionary has several forms ({names}): choose one with --form")
        [form] = forms
        try:
            instrument = to_instrument(
                form,
                instrument_id=options["instrument_id"],
                licence=Licence(wording_redistributable=options["wording_redistributable"], text=options["licence"]),
                citation=options["citation"],
                direction=options["direction"],
                method=options["method"],
                reverse=[r.strip() for r in options["reverse"].split(",") if r.strip()],
                name_en=options["name_en"],
                name_zh=options["name_zh"],
            )
        except (DictionaryError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        shipped = load_library()
        if instrument.id in shipped:
            raise CommandError(f"the id {instrument.id!r} is already used by a shipped instrument; choose another")
        target = out / f"{instrument.id}.yaml"
        if target.exists():
            raise CommandError(f"{target} exists; remove it first to replace the definition")
        target.write_text(to_yaml(instrument), encoding="utf-8")
        try:
            if load_file(target) != instrument:
                raise DefinitionError(f"{target.name}: does not load back to the imported instrument")
        except DefinitionError as exc:
            target.unlink()
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"wrote {target}: {len(instrument.items)} items, score 'total'"))
        for skipped in not_imported(form):
            self.stdout.write(f"  not imported: {skipped.name} ({skipped.reason})")
        self.stdout.write("Restart the application to load it; then add it to the measurement plan.")
