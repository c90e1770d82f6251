"""``peerpath alerts``: once, and the e-mail digest; and the same work as background tasks."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

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
    (["--digest"], "--digest needs --base-url"),
])
def test_bad_options_are_refused_with_a_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_peerpath_command_forwards_to_it(org_a, capsys):
    cli_main(["peerpath", "alerts", "--organisation", "assoc-a"])
    assert "assoc-a: 1 raised" in capsys.readouterr().out


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


# -- the same work as background tasks ---------------------------------------------------


def test_the_digest_task_computes_and_mails_with_the_configured_address(org_a, alerts, settings):
    from peerpath.alerts.tasks import send_alert_digests
    from peerpath.tasks.worker import run_pending

    settings.PEERPATH_BASE_URL = "https://peerpath.example.org"
    send_alert_digests.enqueue()
    assert not mail.outbox  # queued, not sent, until a worker runs it
    assert run_pending() == 1
    assert len(mail.outbox) == 4
    assert all("https://peerpath.example.org/alerts/" in m.body for m in mail.outbox)


def test_the_recompute_task_raises_the_alerts_of_every_organisation(org_a, org_b):
    from peerpath.alerts.tasks import recompute_alerts
    from peerpath.tasks.worker import run_pending

    recompute_alerts.enqueue()
    assert run_pending() == 1
    assert Alert.objects.filter(organization=org_a.org).exists() and Alert.objects.filter(organization=org_b.org).exists()
