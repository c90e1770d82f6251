"""Querysets compiled to SQL once and run many times with other values.

Building a queryset with many annotations and subqueries (and compiling it) can
cost far more than running it. When its SQL depends only on its *shape*, not on
the values filtered on, it is built once per shape for stand-in values, compiled,
and each stand-in among the parameters is replaced by the real value on every run.
The shape's key must name everything else the SQL depends on (e.g. the columns a
role may see, or whether a role sees only some groups); the database connection
(alias and vendor) and the active time zone are added here. A stand-in value that
does not come out as a parameter of its own (e.g. one folded into the SQL) makes
the shape unusable: the queryset is then built and run as usual.

Only SQL is kept, never a row: every run reads the database.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: list[tuple[str, Any]]  # ("value", v) kept as is; ("raw" | "adapted", name): a value given per run
    compiler: SQLCompiler  # set up by compiling: what turns the rows into model instances


_CACHE: dict[tuple[Any, ...], _Compiled | None] = {}
_DAY = dt.date(1901, 2, 3)


def _stand_in(name: str, value: Any, n: int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str | dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"no stand-in for {name}={value!r}: only int, str and date values")
    if isinstance(value, dt.date):
        return _DAY + dt.timedelta(days=n)
    return -(740_900 + n) if isinstance(value, int) else f"~stand-in~{name}~{740_900 + n}~"


def _compile(key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], values: Mapping[str, Any],
             using: str) -> _Compiled | None:
    from django.utils import timezone

    connection = connections[using]
    full_key = (using, connection.vendor, timezone.get_current_timezone_name(), *key)
    if full_key in _CACHE:
        return _CACHE[full_key]
    stand_ins = {name: _stand_in(name, value, n) for n, (name, value) in enumerate(sorted(values.items()))}
    compiler = build(**stand_ins).query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    known: dict[tuple[type, Any], tuple[str, str]] = {}
    for name, value in stand_ins.items():
        known[(type(value), value)] = ("raw", name)
        if isinstance(value, dt.date):
            adapted = connection.ops.adapt_datefield_value(value)
            known.setdefault((type(adapted), adapted), ("adapted", name))
    slots = [known.get((type(p), p), ("value", p)) for p in params]
    found = {name for kind, name in slots if kind != "value"}
    folded = any(str(v) in sql for v in stand_ins.values())
    _CACHE[full_key] = _Compiled(sql, slots, compiler) if found == set(stand_ins) and not folded else None
    return _CACHE[full_key]


def _params(compiled: _Compiled, values: Mapping[str, Any], using: str) -> list[Any]:
    ops = connections[using].ops
    return [extra if kind == "value" else values[extra] if kind == "raw" else ops.adapt_datefield_value(values[extra])
            for kind, extra in compiled.slots]


def sql(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], values: Mapping[str, Any], using: str = "default",
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of ``build(**values)``, compiled once per ``key``
    (and connection) for stand-in values; None when the shape is unusable."""
    compiled = _compile(key, build, values, using)
    return None if compiled is None else (compiled.sql, _params(compiled, values, using))


def objects(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], values: Mapping[str, Any], using: str = "default",
) -> list[Any]:
    """The model instances ``list(build(**values))`` would give (with what it
    selects as related, and its annotations), from SQL compiled once per ``key``.
    Not for querysets with ``prefetch_related`` or ``values()``."""
    compiled = _compile(key, build, values, using)
    if compiled is None:
        return list(build(**values))
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connections[using]
    run = (compiled.sql, _params(compiled, values, using))
    compiler.as_sql = lambda *args, **kwargs: run  # type: ignore[method-assign,assignment]
    results: Any = compiler.execute_sql()
    select, klass_info, annotations = compiler.select, compiler.klass_info, compiler.annotation_col_map
    assert klass_info is not None
    model, fields = klass_info["model"], klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # Django 5.2's
    found = []
    for row in compiler.results_iter(results):
        obj = model.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in (annotations or {}).items():
            setattr(obj, name, row[position])
        found.append(obj)
    return found
