"""The programme's baseline SD is kept between completions (``measures.stats``), and
is always the SD recomputed from the organisation's scores."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.measures import actions
from peerpath.measures.models import Administration
from peerpath.measures.stats import programme_baseline_sd, programme_baseline_sds
from tests.factories import MemberFactory

DAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def phq9(org, member, level: int, day: dt.date = DAY, *, missing: int = 0) -> Administration:
    """A PHQ-9 on a paper form: every item ``level`` (item 9 always 0), ``missing``
    items left out (two or more: not scorable)."""
    answers = {str(i): level for i in range(1, 9)} | {"9": 0}
    for i in range(1, missing + 1):
        answers.pop(str(i))
    return actions.record_paper_form(org.staff["coordinator"], member, "phq9", answers=answers, taken_on=day,
                                     reason="periodic")


def recomputed(org) -> float | None:
    return programme_baseline_sds([org.org.pk], [("phq9", "total")])[(org.org.pk, "phq9", "total")]


def kept(org) -> float | None:
    return programme_baseline_sd(org.org.pk, "phq9", "total")


def history(org, members: int) -> list:
    found = []
    for i in range(members):
        member = MemberFactory(organization=org.org)
        phq9(org, member, i % 4)
        found.append(member)
    return found


@pytest.mark.django_db
def test_the_kept_sd_is_the_recomputed_one_however_scores_change(org_a):
    members = history(org_a, 9)
    assert kept(org_a) is None  # nine members: too few
    newcomer = MemberFactory(organization=org_a.org)
    phq9(org_a, newcomer, 3)
    assert kept(org_a) == recomputed(org_a) is not None  # the tenth member's first score

    phq9(org_a, members[0], 2, DAY + dt.timedelta(days=30))  # a later result: not a first
    assert kept(org_a) == recomputed(org_a)
    earlier = phq9(org_a, members[1], 3, DAY - dt.timedelta(days=30))  # entered late, now the first
    assert kept(org_a) == recomputed(org_a)
    phq9(org_a, MemberFactory(organization=org_a.org), 1, missing=3)  # not scorable: no first score
    assert kept(org_a) == recomputed(org_a)

    earlier.delete()  # the first score goes with its questionnaire
    assert kept(org_a) == recomputed(org_a)
    Administration.objects.filter(member=members[2]).update(answers={str(i): 3 for i in range(1, 10)})
    call_command("rescore", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert kept(org_a) == recomputed(org_a)
    assert kept(org_a) != pytest.approx(0)


@pytest.mark.django_db
def test_a_completion_costs_the_same_queries_whatever_the_length_of_the_history(org_a):
    members = history(org_a, 12)
    returning = members[0]
    kept(org_a)  # warm

    def completion(member, day: dt.date) -> int:
        with CaptureQueriesContext(connection) as queries:
            phq9(org_a, member, 2, day)  # worse than before: the deterioration check asks for the SD
        return len(queries)

    short = completion(returning, DAY + dt.timedelta(days=30))
    history(org_a, 40)
    kept(org_a)  # warm again
    long = completion(members[4], DAY + dt.timedelta(days=60))  # from the same first level (0) as ``returning``
    assert short == long
    # the SD itself: one query when nothing changed, two when scores were added since
    with CaptureQueriesContext(connection) as queries:
        sd = kept(org_a)
    assert (len(queries), sd) == (1, recomputed(org_a))
    phq9(org_a, MemberFactory(organization=org_a.org), 2)
    with CaptureQueriesContext(connection) as queries:
        sd = kept(org_a)
    assert (len(queries), sd) == (2, recomputed(org_a))


@pytest.mark.django_db
def test_first_scores_all_equal_give_no_sd_and_a_later_result_is_still_stored(org_a):
    """Ten members whose first PHQ-9 totals are all the same: their SD is 0, which
    measures no error, so there is no baseline SD (finishing a later questionnaire
    failed with "sd must be a positive number" before)."""
    members = [MemberFactory(organization=org_a.org) for _ in range(10)]
    for member in members:
        phq9(org_a, member, 2)
    assert kept(org_a) is None and recomputed(org_a) is None
    later = phq9(org_a, members[0], 3, DAY + dt.timedelta(days=30))  # worse: checked for deterioration
    assert later.scores.count() > 0
    phq9(org_a, MemberFactory(organization=org_a.org), 3)  # a different first value: an SD again
    assert kept(org_a) == recomputed(org_a) is not None
