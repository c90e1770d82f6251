"""Bulk writing for generated data sets: rows with explicit ids, written with
PostgreSQL ``COPY`` (psycopg 3) or ``executemany`` on SQLite, bypassing the ORM
and its signals; and encryption once per distinct value. Used by the national
benchmark network (``national.py``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max


class TableWriter:
    """Writes rows with explicit ids; COPY on PostgreSQL, executemany elsewhere.

    Columns not given get the field's default (``auto_now`` ones: ``now``)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}
        self.touched: list[type[models.Model]] = []

    def next_id(self, model: type[models.Model]) -> int:
        return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def write(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        opts = model._meta
        given = set(fields)
        extra_fields: list[models.Field[Any, Any]] = []
        extra: list[Any] = []
        for f in opts.concrete_fields:
            if f.attname in given or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value: Any = self.now
            else:
                value = f.get_default()
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            extra_fields.append(f)
            extra.append(value)
        by_attname = {f.attname: f for f in opts.concrete_fields}
        columns = [str(by_attname[name].column) for name in fields] + [str(f.column) for f in extra_fields]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        table = connection.ops.quote_name(opts.db_table)
        tail = tuple(extra)
        n = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, *tail))
                        n += 1
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 (names from model metadata)
                batch: list[tuple[Any, ...]] = []
                for row in rows:
                    batch.append(tuple(sqlite_value(v) for v in (*row, *tail)))
                    if len(batch) >= 5000:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        self.counts[opts.label] = self.counts.get(opts.label, 0) + n
        if model not in self.touched:
            self.touched.append(model)
        return n

    def finish(self) -> None:
        """Move the id sequences past the ids written, and refresh the planner's statistics."""
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.touched):
                cursor.execute(sql)


def sqlite_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class Encrypted:
    """Ciphertext per distinct plaintext (encrypting is the slow part of a member row)."""

    def __init__(self) -> None:
        from peerpath.members.fields import cipher

        self.cipher = cipher()
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if not text:
            return ""
        if text not in self.cache:
            self.cache[text] = self.cipher.encrypt(text)
        return self.cache[text]
