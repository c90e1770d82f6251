"""Rescoring in batches: the stored scores recomputed from the stored answers.

``store_scores(administration, instrument, new=False)`` rescores one administration
with a DELETE and a small INSERT of its own (about 2 ms each). ``rescore`` does the
same for many at once: it walks the completed administrations in order of primary
key, a chunk at a time (``chunk`` rows in memory, never the whole table), reads the
chunk's answers as JSON text and decodes them in one call, scores each chunk's
administrations of one instrument with one call of the vectorised engine
(``score_responses``, whose results are row by row those of ``score_one``), and
replaces the chunk's scores in one transaction per chunk:

- on PostgreSQL, one UPDATE of the rows already there (the same administration and
  score id), every column's new values passed as one array; a score no longer
  defined is deleted and a new one inserted, each in one statement run only when a
  chunk has such rows (a count before the UPDATE says). Updating changes none of a
  row's keys or indexed columns (unless the administration's date or member
  changed), so PostgreSQL checks no foreign key and, with room on the page
  (``StoredScore``'s table is kept half full, migration 0004), touches no index
  (a "HOT" update): about a third of the time of a DELETE and COPY of every row,
  whose foreign keys are checked at commit;
- elsewhere (SQLite), one DELETE and one bulk insert (``exchange.bulk.insert``).

The stored result is the same either way, and the same as ``store_scores`` (every
score of the administration's instrument, computed now, with the definition's
version); only a row's id, not shown anywhere, is kept by an update. A chunk done
stays done if a later one fails. Flags are never raised (as
``store_scores(new=False)``): rescoring changes scores, not what a person was told.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, models, transaction
from django.db.models.functions import Cast
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
    (keyset pagination: each chunk is one indexed query, whatever the table's size).
    The answers are read as the JSON text the database holds and decoded in one
    ``json.loads`` per chunk (as ``JSONField`` decodes each value, in a third of the
    time)."""
    last = 0
    while True:
        found = list(
            completed(instrument_ids).filter(pk__gt=last).order_by("pk")
            .annotate(answers_text=Cast("answers", models.TextField()))
            .values_list("pk", "organization_id", "member_id", "instrument_id", "taken_on", "answers_text")[:size]
        )
        if not found:
            return
        answers = json.loads("[" + ",".join("null" if row[5] is None else row[5] for row in found) + "]")
        yield [(*row[:5], decoded) for row, decoded in zip(found, answers, strict=True)]
        last = found[-1][0]


def _delete_scores(administration_ids: Sequence[int]) -> None:
    """One DELETE of the stored scores of these administrations (not on PostgreSQL,
    see ``_replace_postgresql``)."""
    table = connection.ops.quote_name(StoredScore._meta.db_table)
    limit = _sqlite_limit() if connection.vendor == "sqlite" else connection.features.max_query_params or 999
    with connection.cursor() as cursor:
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
    every answer is a number of a known item (as stored answers are; checked for the
    whole chunk at once), else by the engine's own parser (``answer_matrix``), which
    names what it refuses."""
    ids = [item.id for item in instrument.items]
    if (
        answers
        and set(map(type, answers)) == {dict}
        and set().union(*answers) <= set(ids)
        and set(map(type, itertools.chain.from_iterable(answer.values() for answer in answers))) <= {float, int}
    ):
        return np.array([[*map(answer.get, ids)] for answer in answers], dtype=np.float64).reshape(-1, len(ids))
    return answer_matrix(instrument, answers)


@dataclass
class _Columns:
    """A chunk's new score rows, column by column (``SCORE_COLUMNS``); ``value`` is
    ``nan`` where not scorable and ``band_index`` -1 where in no band."""

    organization_id: list[int]
    administration_id: list[int]
    member_id: list[int]
    instrument_id: list[str]
    score_id: list[str]
    value: Any
    n_answered: Any
    prorated: Any
    band_index: Any
    flag: Any
    taken_on: list[Any]
    definition_version: list[int]

    def __len__(self) -> int:
        return len(self.administration_id)

    def arrays(self) -> list[list[Any]]:
        """Every column as a list, in the order of ``SCORE_COLUMNS``."""
        return [self.organization_id, self.administration_id, self.member_id, self.instrument_id, self.score_id,
                self.value.tolist(), self.n_answered.tolist(), self.prorated.tolist(), self.band_index.tolist(),
                self.flag.tolist(), self.taken_on, self.definition_version]

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows (values of ``SCORE_COLUMNS``), as ``store_scores`` writes them."""
        for (org_id, pk, member_id, instrument_id, score_id, value, n_answered, prorated, band, flag, taken_on,
             version) in zip(*self.arrays(), strict=True):
            yield (org_id, pk, member_id, instrument_id, score_id, None if math.isnan(value) else value,
                   n_answered, prorated, band if band >= 0 else None, flag, taken_on, version)


def _score_columns(instruments: Mapping[str, Instrument], by_instrument: Mapping[str, Sequence[Row]]) -> _Columns:
    """Score each instrument's rows with one call of the engine: the StoredScore rows
    of all of them (every score of each administration), column by column."""
    lists: dict[str, list[Any]] = {name: [] for name in (
        "organization_id", "administration_id", "member_id", "instrument_id", "score_id", "taken_on",
        "definition_version")}
    arrays: dict[str, list[Any]] = {name: [] for name in ("value", "n_answered", "prorated", "band_index", "flag")}
    for instrument_id, rows in by_instrument.items():
        instrument = instruments[instrument_id]
        try:
            result = score_responses(instrument, _matrix(instrument, [row[5] for row in rows]))
        except ValueError as exc:
            for row in rows:  # name the first administration the engine refuses
                try:
                    score_one(instrument, row[5])
                except ValueError as one:
                    raise RescoreError(row[0], str(one)) from exc
            raise
        pks, orgs, members, dates = ([row[k] for row in rows] for k in (0, 1, 2, 4))
        for score_id, s in result.scores.items():
            lists["organization_id"] += orgs
            lists["administration_id"] += pks
            lists["member_id"] += members
            lists["instrument_id"] += [instrument.id] * len(rows)
            lists["score_id"] += [score_id] * len(rows)
            lists["taken_on"] += dates
            lists["definition_version"] += [instrument.version] * len(rows)
            arrays["value"].append(s.value)
            arrays["n_answered"].append(s.n_answered)
            arrays["prorated"].append(s.prorated)
            arrays["band_index"].append(s.band_index)
            arrays["flag"].append(s.flag)
    kinds: dict[str, Any] = {"value": np.float64, "n_answered": np.int64, "prorated": np.bool_,
                             "band_index": np.int64, "flag": np.bool_}
    joined: dict[str, Any] = {name: np.concatenate(parts).astype(kinds[name]) if parts else np.empty(0, kinds[name])
                              for name, parts in arrays.items()}
    return _Columns(**lists, **joined)


def _replace(ids: Sequence[int], columns: _Columns) -> None:
    """Replace the stored scores of these administrations with ``columns`` (inside
    the caller's transaction)."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        _replace_postgresql(ids, columns)
        return
    _delete_scores(ids)
    bulk.insert(StoredScore, {"computed_at": timezone.now()}, SCORE_COLUMNS, columns.rows())


# The new rows as a relation: one array parameter per column of SCORE_COLUMNS
# (``nan`` and -1 stand for "not scored" and "no band": NULL once stored), each
# built by numpy in PostgreSQL's binary format (``_array``); the casts give their types.
NEW = ("unnest(%b::bigint[], %b::bigint[], %b::bigint[], %b::text[], %b::text[], %b::float8[], %b::int2[], "
       "%b::bool[], %b::int2[], %b::bool[], %b::date[], %b::int4[]) AS n(" + ", ".join(SCORE_COLUMNS) + ")")
NEW_VALUES = ("n.organization_id, n.administration_id, n.member_id, n.instrument_id, n.score_id, "
              "NULLIF(n.value, 'NaN'), n.n_answered, n.prorated, NULLIF(n.band_index, -1), n.flag, n.taken_on, "
              "n.definition_version")
# element type oid and big-endian numpy type of each kind of array (PostgreSQL's binary format)
INT8, INT2, INT4, FLOAT8, BOOL, DATE = (20, ">i8"), (21, ">i2"), (23, ">i4"), (701, ">f8"), (16, "?"), (1082, ">i4")
TEXT_OID = 25
DAYS_1970_TO_2000 = 10957  # PostgreSQL counts dates from 2000-01-01


class _Packed(bytes):
    """A parameter already in PostgreSQL's binary format."""


def _array(kind: tuple[int, str], values: Any) -> _Packed:
    """A one-dimensional array without NULLs in PostgreSQL's binary format (what
    psycopg would send for a list, built by numpy instead of element by element)."""
    oid, dtype = kind
    values = np.asarray(values)
    if values.size and values.dtype.kind in "iu":
        limits = np.iinfo(np.dtype(dtype))
        if values.min() < limits.min or values.max() > limits.max:
            raise ValueError(f"a value out of the range of {dtype}")
    if not values.size:
        return _Packed(np.array([0, 0, oid], dtype=">i4").tobytes())
    body = np.empty(values.size, dtype=[("size", ">i4"), ("value", dtype)])
    body["size"] = np.dtype(dtype).itemsize
    body["value"] = values
    return _Packed(np.array([1, 0, oid, values.size, 1], dtype=">i4").tobytes() + body.tobytes())


def _text_array(values: Sequence[str]) -> _Packed:
    """A text array in PostgreSQL's binary format (UTF-8, Django's client encoding)."""
    if not values:
        return _Packed(np.array([0, 0, TEXT_OID], dtype=">i4").tobytes())
    pieces = {value: len(encoded).to_bytes(4, "big") + encoded
              for value in set(values) for encoded in [value.encode()]}
    return _Packed(np.array([1, 0, TEXT_OID, len(values), 1], dtype=">i4").tobytes()
                   + b"".join(map(pieces.__getitem__, values)))


def _packed(columns: _Columns) -> list[_Packed]:
    """The columns of ``NEW``, in order."""
    days = np.array(columns.taken_on, dtype="datetime64[D]").astype(np.int64) - DAYS_1970_TO_2000
    return [_array(INT8, columns.organization_id), _array(INT8, columns.administration_id),
            _array(INT8, columns.member_id), _text_array(columns.instrument_id), _text_array(columns.score_id),
            _array(FLOAT8, columns.value), _array(INT2, columns.n_answered), _array(BOOL, columns.prorated),
            _array(INT2, columns.band_index), _array(BOOL, columns.flag), _array(DATE, days),
            _array(INT4, columns.definition_version)]


def _cursor() -> Any:
    """A cursor of the driver binding parameters on the server (an array is sent as
    one value, not spelled out in the statement), logged as Django's are; it sends a
    ``_Packed`` value as it is, its type given by the statement's cast."""
    import psycopg

    class Dumper(psycopg.adapt.Dumper):
        format = psycopg.pq.Format.BINARY
        oid = 0  # unknown: the cast in the statement names the type

        def dump(self, obj: Any) -> bytes:
            return bytes(obj)

    connection.ensure_connection()
    raw: Any = psycopg.Cursor(connection.connection)
    raw.adapters.register_dumper(_Packed, Dumper)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def _replace_postgresql(ids: Sequence[int], columns: _Columns) -> None:
    """Update the chunk's scores in place (see the module's docstring); delete the
    ones no longer defined and insert the new ones only if there are any."""
    table = connection.ops.quote_name(StoredScore._meta.db_table)
    now = timezone.now()
    arrays = _packed(columns)
    # the administration ids of the chunk, in a range of the index (read once, in order)
    mine = "s.administration_id BETWEEN %s AND %s AND s.administration_id IN (SELECT unnest(%b::bigint[]))"
    chunk = [min(ids), max(ids), _array(INT8, ids)]
    same = "s.administration_id = n.administration_id AND s.score_id = n.score_id"
    with _cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} AS s WHERE {mine}", chunk)  # noqa: S608
        stored = cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {table} AS s SET ({', '.join(SCORE_COLUMNS)}, computed_at) = ({NEW_VALUES}, %s) "  # noqa: S608
            f"FROM {NEW} WHERE {same} AND s.administration_id BETWEEN %s AND %s",
            [now, *arrays, min(ids), max(ids)])
        updated = cursor.rowcount
        if stored > updated:  # scores no longer defined
            cursor.execute(
                f"DELETE FROM {table} AS s WHERE {mine} AND (s.administration_id, s.score_id::text) "  # noqa: S608
                "NOT IN (SELECT * FROM unnest(%b::bigint[], %b::text[]))",
                [*chunk, arrays[1], arrays[4]])
        if len(columns) > updated:  # scores not stored yet
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(SCORE_COLUMNS)}, computed_at) "  # noqa: S608
                f"SELECT {NEW_VALUES}, %s FROM {NEW} "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS s WHERE {same})",
                [now, *arrays])


@dataclass
class _Prepared:
    """A chunk scored, not yet written: the administrations rescored, their new
    scores, and how many were read and skipped."""

    ids: list[int]
    columns: _Columns
    read: int
    skipped: int


def _prepare(instruments: Mapping[str, Instrument], rows: Sequence[Row]) -> _Prepared:
    """Score one chunk. Administrations of an instrument not in ``instruments`` are
    skipped (their scores left as they are)."""
    by_instrument: dict[str, list[Row]] = {}
    skipped = 0
    for row in rows:
        if row[3] in instruments:
            by_instrument.setdefault(row[3], []).append(row)
        else:
            skipped += 1
    for instrument_id, part in by_instrument.items():
        for row in part:
            if row[4] is None:
                raise RescoreError(row[0], f"a completed {instrument_id} needs the date it was answered")
    ids = [row[0] for part in by_instrument.values() for row in part]
    return _Prepared(ids, _score_columns(instruments, by_instrument), len(rows), skipped)


def _write(prepared: _Prepared) -> Rescored:
    """Replace a scored chunk's stored scores, in one transaction."""
    with transaction.atomic():
        _replace(prepared.ids, prepared.columns)
    return Rescored(rescored=len(prepared.ids), skipped=prepared.skipped, scores=len(prepared.columns), chunks=1)


def rescore_chunk(instruments: Mapping[str, Instrument], rows: Sequence[Row]) -> Rescored:
    """Rescore one chunk in one transaction: its stored scores replaced by the new
    ones. Administrations of an instrument not in ``instruments`` are skipped (their
    scores left as they are)."""
    return _write(_prepare(instruments, rows))


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
        scored = _prepare(instruments, rows)
        done = _write(scored)
        total.rescored += done.rescored
        total.skipped += done.skipped
        total.scores += done.scores
        total.chunks += 1
        seen += scored.read
        if progress is not None:
            progress(seen)
    return total
