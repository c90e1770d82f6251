from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.exchange import actions, storage
from peerpath.exchange.labels import field_label
from peerpath.exchange.models import Kind
from peerpath.exchange.tabular import FileError
from peerpath.tenancy.models import Membership


class Command(BaseCommand):
    help = (
        "Bulk imports from the command line, as on the imports pages: "
        "'members|responses|jobs FILE' and 'redcap FILE --instrument ID' check every row and print the "
        "problems; with --commit and no problem the file is imported, all or nothing. "
        "'purge' deletes uploaded files never imported that are older than a day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[*Kind.values, "purge"])
        parser.add_argument("file", nargs="?", help="the CSV or XLSX file")
        parser.add_argument("--organisation", "--organization", dest="organisation", help="the organisation's slug")
        parser.add_argument("--as", dest="username", help="the importing staff member's username (admin or coordinator)")
        parser.add_argument("--commit", action="store_true", help="import when there is no problem (else only check)")
        parser.add_argument("--encoding", choices=["auto", "big5"], default="auto")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                            help="map a column (its name) to a field, or to nothing with COLUMN= (repeatable)")
        parser.add_argument("--instrument", default="", help="responses/redcap: the questionnaire's id")
        parser.add_argument("--reason", default="ad_hoc", help="responses/redcap: the occasion when no column gives it")
        parser.add_argument("--form", default="", help="redcap: the REDCap form (default: the only one, or the instrument id)")
        parser.add_argument("--member-field", default="", help="redcap: the field holding the member code (default: the record ID)")
        parser.add_argument("--date-field", default="", help="redcap: the field holding the date answered")
        parser.add_argument("--events", default="", help="redcap: only these events (comma-separated unique names)")
        parser.add_argument("--skip-incomplete", action="store_true", help="redcap: skip forms marked Incomplete")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "purge":
            n = actions.purge()
            self.stdout.write(self.style.SUCCESS(f"purged the files of {n} imports never committed"))
            return
        membership = self._membership(options)
        data = self._read(options["file"])
        kind = options["kind"]
        try:
            batch = actions.upload(membership, kind=kind, file_name=Path(options["file"]).name, data=data,
                                   encoding=options["encoding"], options=self._options(options, kind))
        except FileError as exc:
            raise CommandError(f"{options['file']}: nothing imported.\n" + "\n".join(
                f"  {p}" for p in exc.problems)) from exc
        mapping = dict(batch.mapping)
        for item in options["map"]:
            column, _, field = item.partition("=")
            if column not in batch.header:
                raise CommandError(f"--map {item}: the file has no column {column!r}")
            mapping[str(batch.header.index(column))] = field.strip()
        if kind == Kind.REDCAP:
            self._redcap_defaults(batch, options)
        batch = actions.save_mapping(membership, batch, mapping=mapping, options=self._options(options, kind, batch))
        for index, key in sorted(mapping.items(), key=lambda kv: int(kv[0])):
            if key:
                self.stdout.write(f"  column {batch.header[int(index)]!r} → {field_label(kind, key)}")
        check = actions.preview(membership, batch)
        self.stdout.write(f"{batch.n_rows} rows: {check.n_new} to import, {check.n_present} already present, "
                          f"{check.problem_rows} with problems, {check.n_skipped} skipped")
        for note in check.notes:
            self.stdout.write(f"  note: {note.text}")
        for problem in check.problems:
            self.stdout.write(f"  {problem}")
        if not options["commit"] or check.problems:
            actions.discard(membership, batch)
            if check.problems:
                raise CommandError(f"{len(check.problems)} problems: nothing imported")
            self.stdout.write("checked only: nothing imported (add --commit to import)")
            return
        try:
            batch = actions.commit(membership, batch)
        except actions.ImportRefused as exc:
            raise CommandError(f"{len(exc.check.problems)} problems: nothing imported") from exc
        created = ", ".join(f"{n} {name}" for name, n in batch.result.items())
        self.stdout.write(self.style.SUCCESS(f"imported (import {batch.pk}): {created}"))

    def _membership(self, options: dict[str, Any]) -> Membership:
        if not options["file"] or not options["organisation"] or not options["username"]:
            raise CommandError("give the FILE, --organisation SLUG and --as USERNAME")
        try:
            return Membership.objects.select_related("organization", "user").get(
                organization__slug=options["organisation"], user__username=options["username"], is_active=True)
        except Membership.DoesNotExist:
            raise CommandError(f"{options['username']!r} is not active staff of {options['organisation']!r}") from None

    def _read(self, name: str) -> bytes:
        try:
            size = os.stat(name).st_size
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror}") from exc
        if size > storage.max_bytes():
            limit = storage.megabytes(storage.max_bytes())
            raise CommandError(f"{name}: the file is larger than {limit} (PEERPATH_IMPORT_MAX_MB): nothing imported")
        return Path(name).read_bytes()

    def _options(self, options: dict[str, Any], kind: str, batch: Any = None) -> dict[str, Any]:
        if kind == Kind.RESPONSES:
            return {"instrument": options["instrument"], "reason": options["reason"]}
        if kind != Kind.REDCAP:
            return {}
        found = {"instrument": options["instrument"], "reason": options["reason"], "form": options["form"],
                 "member_field": options["member_field"], "date_field": options["date_field"],
                 "events": [e.strip() for e in options["events"].split(",") if e.strip()],
                 "skip_incomplete": options["skip_incomplete"]}
        return found

    def _redcap_defaults(self, batch: Any, options: dict[str, Any]) -> None:
        if not options["instrument"]:
            raise CommandError("redcap needs --instrument, the questionnaire imported from the data dictionary")
        if not options["form"]:
            forms = [h[: -len("_complete")] for h in batch.header if h.endswith("_complete")]
            options["form"] = options["instrument"] if options["instrument"] in forms or not forms else (
                forms[0] if len(forms) == 1 else "")
            if not options["form"]:
                raise CommandError(f"the records hold several forms ({', '.join(forms)}): choose one with --form")
        if not options["date_field"]:
            raise CommandError("redcap needs --date-field, the field holding the date each form was answered")
