"""``peerpath report programme --period 2026Q3 --format pdf``: a programme report as
a file, as exported (small cells hidden), for every organisation or those named.
``--queue``: instead, one background task per organisation stores its own report
PDF (listed on the report-files page, see ``peerpath.outcomes.files``).
``--audit-disclosure``: instead, audit its hidden figures (see
``peerpath.outcomes.disclosure``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peerpath.audit.models import Event
from peerpath.ops.dbrouter import replica_reads
from peerpath.outcomes import registry
from peerpath.outcomes.files import render_report
from peerpath.outcomes.forms import command_scope
from peerpath.outcomes.period import PeriodError, parse_period
from peerpath.outcomes.views import audit_report
from peerpath.tenancy.models import Organization


class Command(BaseCommand):
    help = "Write a programme report (PDF or HTML), small cells hidden."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", help="which report: " + ", ".join(registry.reports())
                            + " ('all' with --audit-disclosure)")
        parser.add_argument("--period", default="", help="2026Q3, 2026, 2026-07, or two joined by '..'")
        parser.add_argument("--org", action="append", default=[], metavar="SLUG",
                            help="an organisation's short name (repeat for several; default: all)")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--language", choices=["zh-hant", "en"], default="zh-hant")
        parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                            help="a report option, e.g. out_of_work_at_entry=1")
        parser.add_argument("--audit-disclosure", action="store_true",
                            help="instead of writing the report, check that no hidden figure can be narrowed "
                                 "below the small-cell threshold from the figures shown (linear programming); "
                                 "exit 1 when one can")
        parser.add_argument("--queue", action="store_true",
                            help="instead of writing a file here, queue one task per organisation that stores "
                                 "its report PDF for the organisation's staff (the report-files page)")
        parser.add_argument("--output", "-o", default="",
                            help="file to write (default peerpath-<report>-<period>.<format>; '-' for stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"] == "all" and options["audit_disclosure"]:
            if options["option"]:
                raise CommandError("--option: name one report to give it options")
            failed = []
            for slug in registry.reports():
                try:
                    self.handle(*args, **{**options, "report": slug})
                except CommandError:
                    failed.append(slug)
            if failed:
                raise CommandError(f"The disclosure audit failed for {', '.join(failed)}.")
            return
        report = registry.get(options["report"])
        if report is None:
            raise CommandError(f"No report {options['report']!r}; there are: {', '.join(registry.reports())}")
        orgs = list(Organization.objects.order_by("name"))
        if options["org"]:
            wanted = set(options["org"])
            orgs = [o for o in orgs if o.slug in wanted]
            missing = wanted - {o.slug for o in orgs}
            if missing:
                raise CommandError(f"--org: no organisation {', '.join(sorted(missing))}")
        if not orgs:
            raise CommandError("There is no organisation to report on.")
        known = {o.name: o for o in report.spec.options}
        values: dict[str, Any] = {}
        for item in options["option"]:
            name, sep, value = item.partition("=")
            if not sep or name not in known:
                raise CommandError(
                    f"--option {item!r}: expected NAME=VALUE with NAME one of {', '.join(known) or '(none)'}"
                )
            option = known[name]
            if option.kind == "int":
                try:
                    values[name] = option.number(value)
                except ValueError as exc:
                    raise CommandError(f"--option {name}: {exc}") from None
                continue
            if option.kind != "bool" and value not in {str(v) for v, _label in option.choices}:
                raise CommandError(
                    f"--option {name}: choose one of {', '.join(str(v) for v, _label in option.choices)}"
                )
            values[name] = value.lower() in {"1", "true", "yes", "on"} if option.kind == "bool" else value
        if options["queue"]:
            self._queue(report.slug, orgs, options, values)
            return
        try:
            scope = command_scope(organizations=orgs, period=options["period"],
                                  today=timezone.localdate(), options=values, language=options["language"])
        except PeriodError as exc:
            raise CommandError(f"--period: {exc}") from None
        if options["audit_disclosure"]:
            with replica_reads():  # on the read replica, if there is one (peerpath/ops/dbrouter.py)
                data = report.build(scope)
            audit_report(scope, report.slug, event=Event.REPORT_VIEW, via="command", check="disclosure")
            self._audit_disclosure(report.slug, scope, data)
            return
        content = render_report(report, scope, options["format"], via="command")
        target = options["output"] or f"peerpath-{report.slug}-{scope.period.label}.{options['format']}"
        if target == "-":
            sys.stdout.buffer.write(content)
            return
        Path(target).write_bytes(content)
        self.stderr.write(f"Wrote {target} ({len(content):,} bytes).")

    def _queue(self, slug: str, orgs: list[Organization], options: dict[str, Any], values: dict[str, Any]) -> None:
        """One task per organisation, its id and the report's options as arguments."""
        from peerpath.outcomes.tasks import render_report_file

        if options["audit_disclosure"] or options["format"] != "pdf" or options["output"]:
            raise CommandError("--queue stores PDFs: not with --audit-disclosure, --format html or --output")
        if options["period"]:
            try:
                parse_period(options["period"])
            except PeriodError as exc:
                raise CommandError(f"--period: {exc}") from None
        for org in orgs:
            render_report_file.enqueue(org.pk, slug, options["period"], options["language"], values)
        self.stderr.write(f"Queued {len(orgs)} report file(s) of {slug}: a worker stores them "
                          f"(Reports → Report files).")

    def _audit_disclosure(self, slug: str, scope: Any, data: Any) -> None:
        """Print every hidden count with the range it can be narrowed to; fail when a
        range is narrower than the threshold or a figure is not declared."""
        from peerpath.outcomes.disclosure import undeclared

        ledger = scope.disclosure
        missing = undeclared(data, ledger)
        ranges = ledger.ranges()
        threshold = scope.suppression.threshold
        narrow = [r for r in ranges if r.high - r.low < threshold - 1e-6]
        for r in ranges:
            high = "∞" if r.high == float("inf") else f"{r.high:g}"
            flag = "  NARROW" if r in narrow else ""
            self.stdout.write(f"{r.key}: hidden, between {r.low:g} and {high}{flag}")
        for path in missing:
            self.stdout.write(f"{path}: a figure not declared in the report's disclosure ledger")
        self.stdout.write(
            f"{slug} {scope.period.label}: {len(ledger.values)} counts, {len(ledger.statistics)} statistics, "
            f"{len(ranges)} hidden counts, {len(narrow)} narrower than {threshold}, {len(missing)} undeclared."
        )
        if narrow or missing:
            raise CommandError("The disclosure audit failed.")
