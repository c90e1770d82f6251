"""The demo association: deterministic, plausible, and loadable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from peerpath.demo.generator import DEFAULT_SIZE, plan
from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
from peerpath.tenancy.models import Membership, Organization

DAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # the demo is for development machines only


def test_the_same_seed_gives_the_same_association():
    assert plan(seed=7, today=DAY) == plan(seed=7, today=DAY)
    assert plan(seed=7, today=DAY) != plan(seed=8, today=DAY)


def test_the_plan_is_plausible():
    p = plan(seed=2026, today=DAY)
    main = [m for m in p.members if m.org == "main"]
    assert len(main) == DEFAULT_SIZE
    assert len({m.name for m in p.members}) == len(p.members)
    for m in p.members:
        assert m.enrolment_date < DAY
        assert [d for d, _ in m.stages] == sorted(d for d, _ in m.stages)
        assert m.stages[0][0] == m.enrolment_date
        assert all(c.given_on >= m.enrolment_date for c in m.consents)
        assert all(c.withdrawn_on is None or c.withdrawn_on > c.given_on for c in m.consents)
        assert m.email == "" or m.email.endswith("@example.org")
        assert m.phone.startswith("0900-000-")
        if m.mentor_code:
            assert m.mentor_code != m.code
    assert {m.status for m in main} >= {"active", "inactive"}
    assert sum(1 for m in main if m.mentor_code) > 20
    for m in p.members:
        assert m.questionnaires and m.questionnaires[0].reason == "intake"
        assert all(m.enrolment_date <= q.taken_on <= DAY for q in m.questionnaires)
    roles = {s.role for s in p.staff}
    assert roles == {"admin", "coordinator", "professional", "peer_leader", "researcher"}


def test_loading_the_demo_creates_records_that_verify(db, capsys):
    call_command("demo", "--seed", "3", "--size", "20")
    out = capsys.readouterr().out
    assert "coordinator" in out and "peerpath-demo" in out
    assert Organization.objects.count() == 2
    assert Member.objects.count() == 20 + 4
    assert Consent.objects.exists() and StageChange.objects.exists()
    assert CareTeamAssignment.objects.filter(role="peer_mentor").exists()
    assert Membership.objects.filter(role="researcher").exists()
    from peerpath.measures.models import StoredScore

    phq9 = StoredScore.objects.filter(instrument_id="phq9", score_id="total", value__isnull=False)
    assert phq9.count() >= 24 and phq9.filter(value__gte=10).exists() and phq9.filter(value__lt=5).exists()
    call_command("audit", "verify")


def test_the_demo_refuses_a_database_that_holds_data(db):
    call_command("demo", "--size", "8")
    with pytest.raises(CommandError, match="already holds"):
        call_command("demo")
    call_command("demo", "--if-empty")  # a no-op, not an error
    assert Organization.objects.count() == 2


def test_demo_users_can_sign_in(db, client):
    call_command("demo", "--size", "8")
    response = client.post("/account/login/", {"username": "coordinator", "password": "peerpath-demo"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_demo_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("demo")
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("serve_demo")
    assert not Organization.objects.exists()


def test_most_members_feel_better_over_a_year_in_the_demo():
    p = plan(seed=2026, today=DAY)
    from peerpath.measures.definitions import load_library
    from peerpath.measures.scoring import score_one

    who5 = load_library()["who5"]
    better = worse = 0
    for m in p.members:
        scores = [score_one(who5, q.answers)["scores"]["raw"]["value"]
                  for q in m.questionnaires if q.instrument_id == "who5"]
        if len(scores) >= 5:
            better += scores[-1] > scores[0]
            worse += scores[-1] < scores[0]
    assert better > worse > 0  # realistic: most improve, some do not
