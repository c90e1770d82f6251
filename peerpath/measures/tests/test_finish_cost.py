"""What a phone's answers and its finish cost: an answer is one UPDATE (no
transaction around it), and the deterioration check reads the programme's baseline
SD only for a score that got worse, with the same flags as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from peerpath.measures import actions
from peerpath.measures.change import ReliableChangeClass, reliable_change
from peerpath.measures.library import instrument
from peerpath.measures.models import Administration, FlagKind, ResultFlag
from peerpath.measures.stats import programme_baseline_sds
from peerpath.members import precompiled
from tests.factories import MemberFactory

DAY = dt.date(2026, 3, 2)


def phq9(org, member, level: int, day: dt.date = DAY) -> Administration:
    """A PHQ-9 on paper, every item ``level`` but item 9 (0): a total of 8 × level."""
    answers = {str(i): level for i in range(1, 9)} | {"9": 0}
    return actions.record_paper_form(org.staff["coordinator"], member, "phq9", answers=answers, taken_on=day,
                                     reason="periodic")


@pytest.fixture
def baseline(org_a):
    """Twelve members' first PHQ-9s, of every level: a programme baseline SD (PHQ-9 has no normative SD)."""
    cache.clear()
    for i in range(12):
        phq9(org_a, MemberFactory(organization=org_a.org), i % 4)
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(("before", "after"), [(0, 3), (1, 2), (1, 3), (2, 2), (3, 1), (3, 0)])
def test_a_deterioration_is_flagged_as_the_rci_says_and_the_sd_read_only_for_a_worse_score(
        org_a, baseline, monkeypatch, before, after):
    member = MemberFactory(organization=org_a.org)
    phq9(org_a, member, before)
    sd_reads = []
    real = actions.programme_baseline_sd
    monkeypatch.setattr(actions, "programme_baseline_sd", lambda *args: sd_reads.append(args) or real(*args))

    phq9(org_a, member, after, DAY + dt.timedelta(days=30))

    score = instrument("phq9").primary_score
    sd = programme_baseline_sds([org_a.org.pk], [("phq9", score.id)])[(org_a.org.pk, "phq9", score.id)]
    assert sd is not None and score.norms is not None and score.norms.reliability is not None
    expected = reliable_change([8 * before], [8 * after], sd, score.norms.reliability, score.direction)
    deteriorated = expected.classification[0] == ReliableChangeClass.DETERIORATED
    assert ResultFlag.objects.filter(member=member, kind=FlagKind.DETERIORATION).exists() == deteriorated
    assert len(sd_reads) == (1 if after > before else 0)


@pytest.mark.django_db
def test_an_answer_on_a_phone_is_the_link_read_and_one_update(org_a):
    administration, token = actions.create_link(org_a.staff["professional"], org_a.member, "phq9", reason="periodic")
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/r/{token}/", {"item": "1", "value": "2"})
    assert response.status_code == 302
    # the link's read is a prepared statement on PostgreSQL (an EXECUTE of its SELECT)
    statements = [precompiled.statement_sql(q["sql"]) for q in queries.captured_queries]
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"]
    assert '"measures_administration"' in statements[0]
    administration.refresh_from_db()
    assert administration.answers == {"1": 2.0} and administration.status == "in_progress"
