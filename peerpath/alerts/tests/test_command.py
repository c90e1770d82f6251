"""``peerpath alerts``: once, in a loop stopped by a signal, and the e-mail digest."""

from __future__ import annotations

import io
import os
import signal
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from peerpath.alerts.management.commands.alerts import run_loop, stop_on_signals
from peerpath.alerts.models import Alert
from peerpath.audit.models import AccessLog, Event
from peerpath.cli import main as cli_main
from tests.factories import MemberFactory

from .conftest import days_ago, end_job, helped, professional_for, safety_flag, start_job


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("alerts", *args, stdout=out)
    return out.getvalue()


def test_it_computes_every_organisation_once(org_a, org_b):
    out = run()
    assert "assoc-a: 1 raised, 0 cleared, 1 open" in out and "assoc-b: 1 raised" in out
    assert Alert.objects.filter(organization=org_a.org).exists() and Alert.objects.filter(organization=org_b.org).exists()
    assert AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count() == 2


def test_it_computes_one_organisation(org_a, org_b):
    out = run("--organisation", "assoc-b")
    assert "assoc-b" in out and "assoc-a" not in out
    assert not Alert.objects.filter(organization=org_a.org).exists()


@pytest.mark.parametrize("args,message", [
    (["--organisation", "nowhere"], "No organisation with the short name 'nowhere'"),
    (["--loop", "--interval", "5"], "--interval must be at least 10 seconds"),
    (["--digest"], "--digest needs --base-url"),
    (["--digest", "--loop", "--base-url", "https://p.example.org"], "--digest runs once"),
])
def test_bad_options_are_refused_with_a_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_peerpath_command_forwards_to_it(org_a, capsys):
    cli_main(["peerpath", "alerts", "--organisation", "assoc-a"])
    assert "assoc-a: 1 raised" in capsys.readouterr().out


# -- the loop ----------------------------------------------------------------------------


def test_the_loop_runs_until_the_stop_event_is_set():
    stop = threading.Event()
    calls = []

    def cycle() -> None:
        calls.append(1)
        if len(calls) == 3:
            stop.set()

    assert run_loop(stop, 0.01, cycle) == 3


def test_a_failing_cycle_does_not_end_the_loop():
    stop = threading.Event()
    calls = []

    def cycle() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        stop.set()

    assert run_loop(stop, 0.01, cycle) == 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_set_the_stop_event_and_the_handlers_are_restored(sig):
    before = signal.getsignal(sig)
    stop = threading.Event()
    with stop_on_signals(stop):
        os.kill(os.getpid(), sig)
        assert stop.wait(5)
    assert signal.getsignal(sig) is before


def test_sigterm_stops_the_command_loop_cleanly(org_a, monkeypatch):
    """A real SIGTERM to this process, sent as the first cycle ends: the loop does
    not start another and the command returns normally (exit status 0)."""
    from peerpath.alerts.management.commands.alerts import Command

    real = Command.cycle

    def cycle_then_sigterm(self, slug, stop):
        real(self, slug, stop)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(Command, "cycle", cycle_then_sigterm)
    out = run("--loop", "--interval", "600")  # would wait ten minutes without the signal
    assert "Computing alerts every 600 seconds" in out
    assert "assoc-a: 1 raised" in out
    assert out.strip().endswith("Stopped cleanly after 1 cycle(s).")


def test_a_stop_during_a_cycle_finishes_the_organisation_and_skips_the_rest(org_a, org_b):
    from peerpath.alerts.management.commands.alerts import Command

    stop = threading.Event()
    command = Command(stdout=io.StringIO())
    real = command.organisations

    def orgs_then_stop(slug):
        found = real(slug)
        stop.set()  # the signal arrives as the cycle starts
        return found

    command.organisations = orgs_then_stop
    command.cycle(None, stop)
    out = command.stdout.getvalue()
    assert "left for the next run" in out
    assert not Alert.objects.exists()


# -- the digest --------------------------------------------------------------------------


@pytest.fixture
def alerts(org_a, settled):
    """On the professional's caseload: A0001, whose job ended 10 days ago with no
    contact since and who gave a safety answer (clinical); off it, A0002, new and
    without a peer mentor."""
    professional_for(org_a, settled)
    end_job(org_a, start_job(org_a, settled, days=100), days=10)
    safety_flag(org_a, settled)
    other = MemberFactory(organization=org_a.org, code="A0002", name="陳秘密", enrolment_date=days_ago(20))
    helped(org_a, other, days=2)


def _digest(org_a) -> dict[str, mail.EmailMessage]:
    run("--digest", "--organisation", "assoc-a", "--base-url", "https://peerpath.example.org/")
    return {m.to[0]: m for m in mail.outbox}


def test_the_digest_gives_counts_codes_and_a_link_never_names_or_clinical_reasons(org_a, alerts):
    sent = _digest(org_a)
    professional = sent[org_a.users["professional"].email]
    assert professional.subject.endswith("open alerts") and "2 open alerts" in professional.subject
    body = professional.body
    assert "A0001" in body and "A0002" not in body  # the professional's caseload
    assert "Job ended, no contact since: 1" in body
    assert "Clinical alerts (details in Peerpath only): 1" in body
    assert "https://peerpath.example.org/alerts/" in body
    for secret in (org_a.member.name, "陳秘密", "Safety", "PHQ", "Quit"):
        assert secret not in body and secret not in professional.subject


def test_coordinators_get_every_alert_and_peer_leaders_only_what_they_see(org_a, alerts):
    sent = _digest(org_a)
    coordinator = sent[org_a.users["coordinator"].email].body
    assert "A0001, A0002" in coordinator and "Clinical alerts (details in Peerpath only): 1" in coordinator
    peer_leader = sent[org_a.users["peer_leader"].email].body
    assert "Clinical" not in peer_leader and "A0001, A0002" in peer_leader
    assert org_a.users["researcher"].email not in sent


def test_each_digest_is_audited_without_content(org_a, alerts):
    _digest(org_a)
    entries = AccessLog.objects.filter(event=Event.ALERT_DIGEST_SENT)
    assert entries.count() == len(mail.outbox) == 4  # admin, coordinator, professional, peer leader
    professional = entries.get(target_id=str(org_a.users["professional"].pk))
    assert professional.extra == {"to": org_a.users["professional"].pk, "alerts": 2, "members": 1}


def test_no_open_alert_no_digest(org_a):
    run("--digest", "--organisation", "assoc-a", "--base-url", "https://peerpath.example.org")
    # the computation raises A0001's isolation alert: only those who see it get a digest
    assert {m.to[0] for m in mail.outbox} == {org_a.users[r].email for r in ("admin", "coordinator", "peer_leader")}
