"""The disclosure audit over every report and export summary of the demo
association: for every role that sees suppressed figures (researchers; everyone's
exported reports), no hidden count can be narrowed below the threshold from the
figures shown, and every figure a report shows is declared in its run's ledger."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.outcomes import registry
from peerpath.outcomes.cells import Cell, Suppression
from peerpath.outcomes.disclosure import Ledger, undeclared
from peerpath.outcomes.period import default_period, parse_period
from peerpath.outcomes.scope import ReportScope
from peerpath.tenancy.models import Organization

THRESHOLD = 5


def test_a_figure_made_outside_the_ledger_is_reported_as_undeclared():
    ledger = Ledger(active=True, threshold=THRESHOLD)
    content = {"rows": [{"n": ledger.count("n", 7), "mean": Cell(3.2, 7)}]}
    assert undeclared(content, ledger) == ["rows[0].mean"]


def _scopes(today, spec):
    orgs = list(Organization.objects.order_by("pk"))
    periods = [default_period(today), parse_period(f"{today.year - 1}..{today.year}")]
    for period in periods:
        for chosen in [*([o] for o in orgs), orgs]:
            for research_only in (True, False):  # researchers; exported reports of any role
                yield ReportScope(organizations=tuple(chosen), period=period, today=today,
                                  suppression=Suppression(True, THRESHOLD), research_only=research_only)
    for option in spec.options:  # each option of the report, once
        values = ([True] if option.kind == "bool" else [option.min_value, option.max_value] if option.kind == "int"
                  else [v for v, _label in option.choices])
        for value in values:
            yield ReportScope(organizations=tuple(orgs), period=periods[1], today=today,
                              suppression=Suppression(True, THRESHOLD), research_only=True,
                              options={option.name: value})


def test_no_hidden_figure_of_any_report_of_the_demo_can_be_narrowed_below_the_threshold(db, settings):
    settings.DEBUG = True  # the demo is for development machines
    call_command("demo", "--seed", "2026")
    today = timezone.localdate()
    problems, hidden = [], 0
    for slug, report in registry.reports().items():
        for scope in _scopes(today, report.spec):
            data = report.build(scope)
            where = f"{slug} {scope.period.label} {[o.slug for o in scope.organizations]} " \
                    f"{'research' if scope.research_only else 'exported'}"
            problems += [f"{where}: {path} undeclared" for path in undeclared(data, scope.disclosure)]
            problems += [f"{where}: {f.key}={f.value} narrowed to [{f.low:g}, {f.high:g}]"
                         for f in scope.disclosure.audit()]
            hidden += len(scope.disclosure.ranges())
    # and the summary table of every export of the demo association
    from peerpath.exports.collect import summary_ledger
    from peerpath.members.models import Member
    from peerpath.members.selectors import current_stage_subquery, research_consent_in_force

    for org in Organization.objects.order_by("pk"):
        everyone = Member.objects.filter(organization=org)
        for members, kind in ((research_consent_in_force(everyone), "research"), (everyone, "identifiable")):
            rows = list(members.annotate(stage_now=current_stage_subquery()).values("gender", "status", "stage_now"))
            ledger, _printed = summary_ledger(rows, THRESHOLD)
            problems += [f"{kind} export of {org.slug}: summary {f.key}={f.value} narrowed to [{f.low:g}, {f.high:g}]"
                         for f in ledger.audit()]
            hidden += len(ledger.ranges())
    assert problems == []
    assert hidden > 0  # the demo's research views do hide figures


def test_the_report_command_audits_disclosure(db, settings, capsys):
    settings.DEBUG = True
    call_command("demo", "--seed", "2026", "--size", "20")
    call_command("report", "change", "--audit-disclosure", "--period", str(timezone.localdate().year))
    out = capsys.readouterr().out
    assert "0 narrower than 5, 0 undeclared." in out
    assert AccessLog.objects.filter(event=Event.REPORT_VIEW, extra__check="disclosure").exists()
    call_command("report", "all", "--audit-disclosure")
    out = capsys.readouterr().out
    assert all(f"\n{slug} " in "\n" + out for slug in registry.reports())


def test_the_report_command_fails_when_a_report_shows_an_undeclared_figure(db, settings, capsys, monkeypatch):
    settings.DEBUG = True
    call_command("demo", "--seed", "2026", "--size", "20")

    def careless(scope: ReportScope) -> dict:
        return {"n": scope.count(30, key="n"), "a": Cell(2, 2)}  # "a" made outside the ledger

    report = registry.get("programme")
    monkeypatch.setitem(registry.reports(), "programme", registry.Report(report.spec, careless))
    with pytest.raises(CommandError, match="disclosure audit failed"):
        call_command("report", "programme", "--audit-disclosure")
    assert "a: a figure not declared" in capsys.readouterr().out
