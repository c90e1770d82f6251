"""Multi-row INSERTs for large imports, without building a model instance per row.

``QuerySet.bulk_create`` prepares every value of every object through its field (about
15 µs a value), which for 100,000 questionnaires with their scores and flags is most of
an import's time. ``insert`` writes the same rows with the same SQL — ``INSERT … VALUES
(…), (…) RETURNING id`` — preparing each distinct value of a field once: values of plain
columns (integers, floats, booleans, short text, foreign keys) pass as they are, and the
others (dates, timestamps, JSON, encrypted text) go through the field's own
``get_db_prep_save``, cached when the value can be; JSON is ``json.dumps``. Rows whose ids
are not needed go through the driver's ``executemany``. Columns not given get the field's
default, as ``Model()`` would. On PostgreSQL those rows go through ``COPY``. No signals
are sent (as with ``bulk_create``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

PLAIN = {
    "AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "FloatField", "BooleanField", "CharField",
    "ForeignKey",
}
MAX_ROWS = 500  # rows per statement with RETURNING (fewer where the database limits parameters)


def _same(value: Any) -> Any:
    return value


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    kind = field.get_internal_type()
    if kind in PLAIN:
        return _same
    if kind == "JSONField" and getattr(field, "encoder", None) is None:
        return json.dumps  # what JSONField stores, without its per-value overhead
    cache: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            cache[value] = prepared = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # not hashable
            return field.get_db_prep_save(value, connection)

    return prepare


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise ValueError(f"{name} is not a column of {model.__name__}")
    return field


Marks = Callable[[int, int], str]  # (rows, columns) → "(…), (…)" of placeholders


def _raw_cursor() -> tuple[Any, Marks, int]:
    """The database driver's own cursor, the placeholders of ``rows`` rows of ``width``
    values in its own syntax (so that no layer parses the statement again), and how many
    parameters one statement may have."""
    connection.ensure_connection()
    raw = connection.connection

    def marks(mark: str) -> Marks:
        return lambda rows, width: ", ".join(["(" + ", ".join([mark] * width) + ")"] * rows)

    if connection.vendor == "sqlite":
        return raw.cursor(), marks("?"), raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if connection.vendor == "postgresql":
        import psycopg

        def numbered(rows: int, width: int) -> str:
            return ", ".join("(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")"
                             for r in range(rows))

        # PostgreSQL's own $n placeholders: psycopg's RawCursor passes the statement as it is
        return psycopg.RawCursor(raw), numbered, 65535
    return raw.cursor(), marks("%s"), connection.features.max_query_params or 999


def insert(
    model: type[models.Model],
    fixed: Mapping[str, Any],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: bool = False,
    prepared: Collection[str] = (),
) -> list[int]:
    """Insert one row per item of ``rows`` (values of ``columns``, in order); ``fixed``:
    values shared by every row; ``prepared``: columns whose values are already as the
    database stores them. Returns the new primary keys, in order, if ``returning``.
    Must run inside a transaction (the caller's)."""
    if not connection.in_atomic_block:
        raise RuntimeError("bulk.insert must run inside a transaction")
    meta = model._meta
    given = [*fixed, *columns]
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in given and f.name not in given]
    fields: list[models.Field[Any, Any]] = [_field(model, name) for name in given] + rest
    now = timezone.now()
    fixed_values = [_preparer(f)(v) for f, v in zip(fields, fixed.values(), strict=False)]
    default_values = [f.get_db_prep_save(now if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
                                         else f.get_default(), connection) for f in rest]
    per_row = [_same if f.name in prepared else _preparer(f) for f in fields[len(fixed):len(given)]]
    special = [(j, prepare) for j, prepare in enumerate(per_row) if prepare is not _same]
    cursor, marks, max_params = _raw_cursor()
    quote = connection.ops.quote_name
    # names from the model's own metadata, quoted; every value is a parameter
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) VALUES "  # noqa: S608

    width = len(per_row)

    def values(row: Sequence[Any]) -> list[Any]:
        if len(row) != width:
            raise ValueError(f"{len(row)} values for {width} columns")
        if special:
            row = list(row)
            for j, prepare in special:
                row[j] = prepare(row[j])
        return [*fixed_values, *row, *default_values]

    try:
        if not returning and connection.vendor == "postgresql":  # COPY: PostgreSQL's bulk load
            names = ", ".join(quote(str(f.column)) for f in fields)
            with cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return []
        if not returning:  # one statement, many rows: the driver's fast path
            cursor.executemany(head + marks(1, len(fields)), (values(row) for row in rows))
            return []
        ids: list[int] = []
        size = max(1, min(MAX_ROWS, max_params // len(fields)))
        batch: list[Any] = []
        count = 0
        suffix = f" RETURNING {quote(str(meta.pk.column))}"
        full = marks(size, len(fields))
        for row in rows:
            batch.extend(values(row))
            count += 1
            if count == size:
                cursor.execute(head + full + suffix, batch)
                ids.extend(r[0] for r in cursor.fetchall())
                batch, count = [], 0
        if count:
            cursor.execute(head + marks(count, len(fields)) + suffix, batch)
            ids.extend(r[0] for r in cursor.fetchall())
        return ids
    finally:
        cursor.close()
