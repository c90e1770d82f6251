"""Rescoring in batches (``measures.rescore``) stores exactly what rescoring one
administration at a time (``store_scores(new=False)``) stores."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AccessLog, Event
from peerpath.measures import rescore
from peerpath.measures.actions import store_scores
from peerpath.measures.library import library
from peerpath.measures.models import (
    Administration,
    AdministrationStatus,
    Mode,
    ResultFlag,
    StoredScore,
)
from tests.factories import MemberFactory

# Sums with and without prorating (PHQ-9, K10 rounded half up), means with prorating
# and a cap on missing answers (GCQ-S, ISMI-29), a stage rule (STORI), and WHO-5.
INSTRUMENTS = ("phq9", "k10", "gcqs", "ismi29", "stori", "who5")
COLUMNS = ("administration_id", "organization_id", "member_id", "instrument_id", "score_id", "value",
           "n_answered", "prorated", "band_index", "flag", "taken_on", "definition_version")


def _answers(instrument_id: str, rng: random.Random, missing: float) -> dict[str, float]:
    instrument = library()[instrument_id]
    answers = {}
    for item in instrument.items:
        if rng.random() >= missing:
            answers[item.id] = float(rng.choice(instrument.response_sets[item.response_set].values))
    return answers


def _administrations(org, n_per_instrument: int = 12) -> list[Administration]:
    rng = random.Random(17)
    members = [org.member, *(MemberFactory(organization=org.org) for _ in range(3))]
    rows = []
    for instrument_id in INSTRUMENTS:
        for k in range(n_per_instrument):
            # complete, a few missing (prorated), most missing (not scorable), nothing answered
            missing = (0.0, 0.1, 0.2, 0.7, 1.0)[k % 5]
            rows.append(Administration(
                organization=org.org, member=members[k % len(members)], instrument_id=instrument_id,
                instrument_version=1, mode=Mode.STAFF, status=AdministrationStatus.COMPLETED,
                taken_on=dt.date(2026, 1, 1) + dt.timedelta(days=k), answers=_answers(instrument_id, rng, missing),
            ))
    # a safety answer (PHQ-9 item 9): rescoring raises no flag for it
    rows.append(Administration(
        organization=org.org, member=org.member, instrument_id="phq9", instrument_version=1, mode=Mode.STAFF,
        status=AdministrationStatus.COMPLETED, taken_on=dt.date(2026, 2, 1),
        answers={str(i): 2.0 for i in range(1, 10)},
    ))
    # not rescored: one still in progress
    rows.append(Administration(
        organization=org.org, member=org.member, instrument_id="phq9", instrument_version=1, mode=Mode.LINK,
        status=AdministrationStatus.IN_PROGRESS, answers={"1": 1.0},
    ))
    rng.shuffle(rows)  # instruments interleaved by primary key, as in a real table
    return Administration.objects.bulk_create(rows)


def _stored() -> list[tuple]:
    return sorted(StoredScore.objects.values_list(*COLUMNS))


def _per_administration() -> list[tuple]:
    instruments = library()
    for administration in Administration.objects.filter(status=AdministrationStatus.COMPLETED).order_by("pk"):
        store_scores(administration, instruments[administration.instrument_id], new=False)
    return _stored()


@pytest.mark.django_db
def test_batches_store_every_score_exactly_as_one_at_a_time(org_a):
    _administrations(org_a)
    expected = _per_administration()
    assert any(row[7] for row in expected), "no prorated score among the cases"
    assert any(row[5] is None for row in expected), "no unscorable case among the cases"
    # scores from an older definition: wrong values, one missing, one no longer defined
    StoredScore.objects.update(value=-1.0, band_index=None, definition_version=0)
    StoredScore.objects.filter(pk=StoredScore.objects.order_by("pk").values("pk")[:1]).delete()
    stale = StoredScore.objects.order_by("pk").first()
    assert stale is not None
    StoredScore.objects.create(
        organization_id=stale.organization_id, administration_id=stale.administration_id, member_id=stale.member_id,
        instrument_id=stale.instrument_id, score_id="retired", value=1.0, n_answered=1, taken_on=stale.taken_on,
        definition_version=0, computed_at=stale.computed_at,
    )
    # and stale columns copied from the administration (its date and member, since changed)
    StoredScore.objects.filter(administration_id=stale.administration_id).update(
        taken_on=dt.date(2001, 1, 1), member_id=MemberFactory(organization=org_a.org).pk)

    done = rescore.rescore(library(), chunk=7)  # chunks that mix instruments

    assert _stored() == expected
    assert done.rescored == Administration.objects.filter(status=AdministrationStatus.COMPLETED).count()
    assert done.skipped == 0
    assert not ResultFlag.objects.exists()  # rescoring never raises flags


def _updates() -> tuple[int, int]:
    """Rows of StoredScore updated in this transaction, and of them those updated in
    place without touching an index (PostgreSQL's HOT updates)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                       [StoredScore._meta.db_table])
        return cursor.fetchone()


@pytest.mark.django_db
def test_each_chunk_is_one_read_and_one_write_of_its_scores(org_a):
    _administrations(org_a, n_per_instrument=5)
    rescore.rescore(library(), chunk=1000)  # every score stored, in one chunk
    completed = Administration.objects.filter(status=AdministrationStatus.COMPLETED).count()
    stored = StoredScore.objects.count()
    before = _updates() if connection.vendor == "postgresql" else (0, 0)

    with CaptureQueriesContext(connection) as queries:
        done = rescore.rescore(library(), chunk=10)

    statements = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
    chunks = -(-completed // 10)
    assert done.chunks == chunks
    assert done.scores == stored
    if connection.vendor == "postgresql":
        # a count and one UPDATE of the chunk's scores; nothing to delete or insert
        assert statements.count("SELECT") == 2 * chunks + 1  # the last read finds nothing
        assert statements.count("UPDATE") == chunks
        assert statements.count("DELETE") == statements.count("INSERT") == 0
        updated, in_place = (after - then for after, then in zip(_updates(), before, strict=True))
        assert updated == in_place == stored  # no index touched (the table's pages are kept half full)
    else:
        assert statements.count("SELECT") == chunks + 1
        assert statements.count("DELETE") == chunks  # and one bulk insert (the driver's executemany)
    assert StoredScore.objects.count() == stored
    assert StoredScore.objects.values("administration_id").distinct().count() == completed


@pytest.mark.django_db
def test_the_command_rescores_in_batches_skips_unknown_instruments_and_is_audited(org_a, capsys):
    _administrations(org_a, n_per_instrument=2)
    Administration.objects.filter(pk=Administration.objects.filter(instrument_id="who5").values("pk")[:1]).update(
        instrument_id="retired_instrument")
    completed = Administration.objects.filter(status=AdministrationStatus.COMPLETED).count()

    call_command("rescore", "--batch", "5")

    assert f"{completed - 1} administrations rescored, 1 skipped (unknown instrument)" in capsys.readouterr().out
    entry = AccessLog.objects.filter(event=Event.RESCORED).get()
    assert entry.extra == {"rescored": completed - 1, "skipped": 1}


@pytest.mark.django_db
def test_an_answer_the_definition_refuses_stops_the_command_naming_the_administration(org_a):
    first, second = (
        Administration.objects.create(
            organization=org_a.org, member=org_a.member, instrument_id="phq9", instrument_version=1,
            mode=Mode.STAFF, status=AdministrationStatus.COMPLETED, taken_on=dt.date(2026, 3, 1),
            answers={str(i): 1.0 for i in range(1, 10)},
        )
        for _ in range(2)
    )
    Administration.objects.filter(pk=second.pk).update(answers={**second.answers, "1": 7.0})

    with pytest.raises(CommandError, match=f"administration {second.pk}:"):
        call_command("rescore", "--batch", "1")

    assert StoredScore.objects.filter(administration=first, score_id="total").get().value == 9.0  # kept
    assert not StoredScore.objects.filter(administration=second).exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_same_scores_and_a_refused_answer_stops_after_the_chunks_before_it(org_a):
    # as the command runs it: each chunk committed on its own
    _administrations(org_a)
    expected = _per_administration()
    StoredScore.objects.update(value=-1.0, band_index=None, definition_version=0)

    done = rescore.rescore(library(), chunk=7)

    assert _stored() == expected
    assert done.rescored == Administration.objects.filter(status=AdministrationStatus.COMPLETED).count()
    refused = Administration.objects.filter(instrument_id="phq9", status=AdministrationStatus.COMPLETED).order_by(
        "-pk").first()
    assert refused is not None
    Administration.objects.filter(pk=refused.pk).update(answers={**refused.answers, "1": 7.0})
    StoredScore.objects.update(definition_version=0)

    with pytest.raises(rescore.RescoreError, match=f"administration {refused.pk}:"):
        rescore.rescore(library(), chunk=7)

    in_order = list(Administration.objects.filter(status=AdministrationStatus.COMPLETED).order_by("pk")
                    .values_list("pk", flat=True))
    first_of_its_chunk = in_order.index(refused.pk) // 7 * 7
    assert first_of_its_chunk > 0
    rescored = set(StoredScore.objects.filter(definition_version=1).values_list("administration_id", flat=True))
    assert rescored == set(in_order[:first_of_its_chunk])  # the chunks before it, and no other


@pytest.mark.django_db
def test_arrays_built_by_numpy_are_read_back_by_postgresql_as_sent():
    import numpy as np

    values = [
        rescore._array(rescore.INT8, [1, 2**40]), rescore._array(rescore.INT2, np.array([-1, 3])),
        rescore._array(rescore.FLOAT8, np.array([1 / 3, np.nan, -0.0])), rescore._array(rescore.BOOL, [True, False]),
        rescore._array(rescore.DATE, np.array(["1999-12-31", "2026-02-28"], dtype="datetime64[D]").astype(np.int64)
                       - rescore.DAYS_1970_TO_2000),
        rescore._text_array(["total", "總分 \"x\", {y}"]), rescore._array(rescore.INT8, []), rescore._text_array([]),
    ]
    with pytest.raises(ValueError, match="out of the range"):
        rescore._array(rescore.INT2, [40_000])
    if connection.vendor != "postgresql":  # only PostgreSQL reads them; the header says one dimension of n
        assert values[0][:20] == bytes.fromhex("00000001 00000000 00000014 00000002 00000001")
        return
    with rescore._cursor() as cursor:
        cursor.execute("SELECT %b::bigint[], %b::int2[], %b::float8[], %b::bool[], %b::date[], %b::text[], "
                       "%b::bigint[], %b::text[]", values)
        row = cursor.fetchone()
    assert row[:2] == ([1, 2**40], [-1, 3])
    assert row[2][0] == 1 / 3 and math.isnan(row[2][1]) and math.copysign(1, row[2][2]) == -1
    assert row[3:] == ([True, False], [dt.date(1999, 12, 31), dt.date(2026, 2, 28)], ["total", "總分 \"x\", {y}"],
                       [], [])
