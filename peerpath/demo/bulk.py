"""Bulk writing for generated data sets (the national benchmark network,
``national.py``): a thin wrapper over ``peerpath.exchange.bulk.insert``, which
writes the rows (PostgreSQL ``COPY``, ``executemany`` elsewhere; defaults, incl.
``auto_now``; JSON; each distinct value of a field prepared once, so encrypted
fields are encrypted once per distinct plaintext), bypassing the ORM and its
signals. The wrapper adds what a generated data set needs around it: ids planned
in Python (``next_id``), rows counted per table, and the id sequences moved past
the ids written (``finish``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from peerpath.exchange.bulk import insert


class TableWriter:
    """Writes rows (explicit ids allowed) and counts them per table. ``now``: the
    timestamp the caller writes into the rows' own timestamp columns."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.counts: dict[str, int] = {}
        self.touched: list[type[models.Model]] = []

    def next_id(self, model: type[models.Model]) -> int:
        return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def write(self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (values of ``fields``, in order; columns not given get their
        default); returns how many were written. Inside the caller's transaction."""
        n = 0

        def counted() -> Iterator[Sequence[Any]]:
            nonlocal n
            for row in rows:
                n += 1
                yield row

        insert(model, {}, fields, counted())
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + n
        if model not in self.touched:
            self.touched.append(model)
        return n

    def finish(self) -> None:
        """Move the id sequences of the tables written past the ids written
        (PostgreSQL; SQLite needs nothing). The planner's statistics are refreshed
        by ``national.build`` (``ANALYZE``, after the transaction)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.touched):
                cursor.execute(sql)
