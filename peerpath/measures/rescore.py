"""Rescoring in batches: the stored scores recomputed from the stored answers.

``store_scores(administration, instrument, new=False)`` rescores one administration
with a DELETE and a small INSERT of its own (about 2 ms each). ``rescore`` does the
same for many at once: it walks the completed administrations in order of primary
key, a chunk at a time (``chunk`` rows in memory, never the whole table), scores each
chunk's administrations of one instrument with one call of the vectorised engine
(``score_responses``, whose results are row by row those of ``score_one``), and
replaces the chunk's scores with one DELETE and one bulk insert
(``exchange.bulk.insert``: COPY on PostgreSQL), in one transaction per chunk. A
chunk done stays done if a later one fails. Flags are never raised (as
``store_scores(new=False)``): rescoring changes scores, not what a person was told.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from peerpath.exchange import bulk
from peerpath.measures.definitions import Instrument
from peerpath.measures.models import Administration, AdministrationStatus, StoredScore
from peerpath.measures.scoring import answer_matrix, score_one, score_responses

CHUNK = 5000  # administrations per transaction
SCORE_COLUMNS = [
    "organization_id", "administration_id", "member_id", "instrument_id", "score_id", "value",
    "n_answered", "prorated", "band_index", "flag", "taken_on", "definition_version",
]

Row = tuple[int, int, int, str, Any, Any]  # pk, organisation, member, instrument, taken_on, answers


class RescoreError(ValueError):
    """An administration whose stored answers cannot be scored (named by its id)."""

    def __init__(self, administration_id: int, message: str) -> None:
        super().__init__(f"administration {administration_id}: {message}")
        self.administration_id = administration_id


@dataclass
class Rescored:
    """What a run did: administrations rescored, skipped (instrument not in the
    library), scores written and chunks (transactions)."""

    rescored: int = 0
    skipped: int = 0
    scores: int = 0
    chunks: int = 0


def completed(instrument_ids: Collection[str] | None = None) -> Any:
    """The completed administrations a rescore covers (all instruments, or these)."""
    found = Administration.objects.filter(status=AdministrationStatus.COMPLETED)
    if instrument_ids:
        found = found.filter(instrument_id__in=list(instrument_ids))
    return found


def _chunks(instrument_ids: Collection[str] | None, size: int) -> Iterator[list[Row]]:
    """The administrations to rescore, ``size`` at a time in order of primary key
    (keyset pagination: each chunk is one indexed query, whatever the table's size)."""
    last = 0
    while True:
        rows: list[Row] = list(
            completed(instrument_ids).filter(pk__gt=last).order_by("pk").values_list(
                "pk", "organization_id", "member_id", "instrument_id", "taken_on", "answers")[:size]
        )
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _delete_scores(administration_ids: Sequence[int]) -> None:
    """One DELETE of the stored scores of these administrations."""
    table = connection.ops.quote_name(StoredScore._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one array parameter, however many ids
            cursor.execute(f"DELETE FROM {table} WHERE administration_id = ANY(%s)",  # noqa: S608
                           [list(administration_ids)])
            return
        limit = _sqlite_limit() if connection.vendor == "sqlite" else connection.features.max_query_params or 999
        for start in range(0, len(administration_ids), limit):  # SQLite allows 32,766 by default: one statement
            part = administration_ids[start:start + limit]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {table} WHERE administration_id IN ({marks})", list(part))  # noqa: S608


def _sqlite_limit() -> int:
    import sqlite3

    connection.ensure_connection()
    return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


def _matrix(instrument: Instrument, answers: list[Any]) -> Any:
    """The answer matrix of stored answers (``nan``: not answered): built directly when
    every answer is a number of a known item (as stored answers are), else by the
    engine's own parser (``answer_matrix``), which names what it refuses."""
    ids = [item.id for item in instrument.items]
    known = set(ids)
    for answer in answers:
        if type(answer) is not dict or not answer.keys() <= known or not all(
                type(v) is float or type(v) is int for v in answer.values()):
            return answer_matrix(instrument, answers)
    return np.array([[answer.get(i) for i in ids] for answer in answers], dtype=np.float64).reshape(-1, len(ids))


def _score_rows(instrument: Instrument, rows: Sequence[Row]) -> Iterator[tuple[Any, ...]]:
    """The StoredScore rows (values of ``SCORE_COLUMNS``) of one instrument's rows,
    as ``store_scores`` writes them."""
    try:
        result = score_responses(instrument, _matrix(instrument, [row[5] for row in rows]))
    except ValueError as exc:
        for row in rows:  # name the first administration the engine refuses
            try:
                score_one(instrument, row[5])
            except ValueError as one:
                raise RescoreError(row[0], str(one)) from exc
        raise
    for score_id, s in result.scores.items():
        values = s.value.tolist()
        n_answered = s.n_answered.tolist()
        prorated = s.prorated.tolist()
        bands = s.band_index.tolist()
        flags = s.flag.tolist()
        for k, (pk, org_id, member_id, _instrument_id, taken_on, _answers) in enumerate(rows):
            value = values[k]
            yield (org_id, pk, member_id, instrument.id, score_id, None if math.isnan(value) else float(value),
                   n_answered[k], bool(prorated[k]), bands[k] if bands[k] >= 0 else None, bool(flags[k]),
                   taken_on, instrument.version)


def rescore_chunk(instruments: Mapping[str, Instrument], rows: Sequence[Row]) -> Rescored:
    """Rescore one chunk in one transaction: one DELETE of its scores and one bulk
    insert of the new ones. Administrations of an instrument not in ``instruments``
    are skipped (their scores left as they are)."""
    done = Rescored(chunks=1)
    by_instrument: dict[str, list[Row]] = {}
    for row in rows:
        if row[3] in instruments:
            by_instrument.setdefault(row[3], []).append(row)
        else:
            done.skipped += 1
    for instrument_id, part in by_instrument.items():
        for row in part:
            if row[4] is None:
                raise RescoreError(row[0], f"a completed {instrument_id} needs the date it was answered")
    ids = [row[0] for part in by_instrument.values() for row in part]
    new_rows: list[tuple[Any, ...]] = []
    for instrument_id, part in by_instrument.items():
        new_rows.extend(_score_rows(instruments[instrument_id], part))
    with transaction.atomic():
        _delete_scores(ids)
        bulk.insert(StoredScore, {"computed_at": timezone.now()}, SCORE_COLUMNS, new_rows)
    done.rescored = len(ids)
    done.scores = len(new_rows)
    return done


def rescore(
    instruments: Mapping[str, Instrument],
    *,
    only: Collection[str] | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Rescored:
    """Rescore every completed administration (of the instruments ``only``, if
    given) with the definitions in ``instruments``; ``progress`` is called with the
    number of administrations seen after each chunk. Raises ``RescoreError`` for
    answers the current definition refuses (the chunks before it stay rescored).
    The caller audits the run."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    total = Rescored()
    seen = 0
    for rows in _chunks(only, chunk):
        done = rescore_chunk(instruments, rows)
        total.rescored += done.rescored
        total.skipped += done.skipped
        total.scores += done.scores
        total.chunks += 1
        seen += len(rows)
        if progress is not None:
            progress(seen)
    return total

