"""Querysets compiled to SQL once and run many times with other values.

Building a queryset with many annotations and subqueries (and compiling it) can
cost far more than running it. When its SQL depends only on its *shape*, not on
the values filtered on, it is built once per shape for stand-in values, compiled,
and each stand-in among the parameters is replaced by the real value on every run.
The shape's key must name everything else the SQL depends on (e.g. the columns a
role may see, or whether a role sees only some groups); the database connection
(alias and vendor) and the active time zone are added here. A stand-in value that
does not come out as a parameter of its own (e.g. one folded into the SQL) makes
the shape unusable: the queryset is then built and run as usual. A shape whose
``build`` gives None (nothing to read, e.g. no source a viewer may see) reads
nothing.

Values may be ints, strings, dates and datetimes. Only SQL is kept, never a row:
every run reads the database.

On PostgreSQL, a shape whose planning costs more than its run (the member
timeline's union of some thirty branches plans in milliseconds and runs in less
than one) may be run as a prepared statement (``prepared=True``): the server
plans it once per connection (as PostgreSQL decides: see ``plan_cache_mode``)
instead of on every run. The server keeps each prepared statement's plans for as
long as the connection lasts: prepare only a few shapes, those a busy page runs on
every view.

Measured on the national data set (PostgreSQL 15, ``pg_backend_memory_contexts``:
the CachedPlanSource, CachedPlanQuery and CachedPlan contexts of one connection,
before and after 16 views of two member pages): the member page's prepared
statements hold about 3.2 MB per connection (the backend's total went from 2.3 to
7.2 MB with its catalogue caches), of which the timeline's window some 2.6 MB, and
the panels' four about 0.6 MB: pathway 0.20 MB, the Peer groups panel 0.16 MB,
the Work panel 0.16 MB, the open alerts 0.10 MB (the groups and alerts shapes are
one per role: some 0.26 MB more for each other role a connection serves). Run as
prepared statements, these panels cost no planning (0.1-0.8 ms each per view
before, the groups attendance 0.56 ms), which is worth 0.6 MB per connection for
a page every member's care staff open many times a day; a shape run rarely or
with many variants (a timeline track, an earlier window) stays unprepared.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

from peerpath.members import prepared_sql

_NAMES = itertools.count(1)  # of prepared statements, never reused: a connection may outlive a cleared cache


@dataclass(frozen=True)
class _Compiled:
    sql: str  # empty: the shape reads nothing
    slots: list[tuple[str, Any]]  # ("value", v) kept as is; ("raw" | "adapted", name): a value given per run
    compiler: SQLCompiler | None  # set up by compiling: what turns the rows into model instances
    name: str = field(default_factory=lambda: f"peerpath_precompiled_{next(_NAMES)}")  # when prepared


_CACHE: dict[tuple[Any, ...], _Compiled | None] = {}
_NOTHING = _Compiled("", [], None)
_DAY = dt.date(1901, 2, 3)
_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)


def _stand_in(name: str, value: Any, n: int) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError(f"no stand-in for {name}={value!r}: a naive datetime")
        return _MOMENT + dt.timedelta(days=n)
    if isinstance(value, bool) or not isinstance(value, int | str | dt.date):
        raise TypeError(f"no stand-in for {name}={value!r}: only int, str, date and datetime values")
    if isinstance(value, dt.date):
        return _DAY + dt.timedelta(days=n)
    return -(740_900 + n) if isinstance(value, int) else f"~stand-in~{name}~{740_900 + n}~"


def _adapt(connection: BaseDatabaseWrapper, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return connection.ops.adapt_datefield_value(value)


def _compile(key: tuple[Any, ...], build: Callable[..., QuerySet[Any] | None], values: Mapping[str, Any],
             using: str) -> _Compiled | None:
    from django.utils import timezone

    connection = connections[using]
    full_key = (using, connection.vendor, timezone.get_current_timezone_name(), *key)
    if full_key in _CACHE:
        return _CACHE[full_key]
    stand_ins = {name: _stand_in(name, value, n) for n, (name, value) in enumerate(sorted(values.items()))}
    queryset = build(**stand_ins)
    if queryset is None:
        _CACHE[full_key] = _NOTHING
        return _NOTHING
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    known: dict[tuple[type, Any], tuple[str, str]] = {}
    for name, value in stand_ins.items():
        known[(type(value), value)] = ("raw", name)
        if isinstance(value, dt.date):
            adapted = _adapt(connection, value)
            known.setdefault((type(adapted), adapted), ("adapted", name))
    slots = [_slot(known, p) for p in params]
    found = {name for kind, name in slots if kind != "value"}
    folded = any(str(v) in sql for v in stand_ins.values())
    _CACHE[full_key] = _Compiled(sql, slots, compiler) if found == set(stand_ins) and not folded else None
    return _CACHE[full_key]


def _slot(known: dict[tuple[type, Any], tuple[str, str]], param: Any) -> tuple[str, Any]:
    # An int may come out wrapped (psycopg's Int8 for a big integer column on
    # PostgreSQL); a bool is never an int here.
    kind = int if isinstance(param, int) and not isinstance(param, bool) else type(param)
    try:
        return known.get((kind, param), ("value", param))
    except TypeError:  # unhashable: not a stand-in
        return ("value", param)


def _params(compiled: _Compiled, values: Mapping[str, Any], using: str) -> list[Any]:
    connection = connections[using]
    return [extra if kind == "value" else values[extra] if kind == "raw" else _adapt(connection, values[extra])
            for kind, extra in compiled.slots]


def _prepared_run(compiled: _Compiled, values: Mapping[str, Any], using: str) -> tuple[str, list[Any]]:
    """The EXECUTE of ``compiled`` as a prepared statement of this connection,
    prepared first when the connection has not yet prepared it."""
    connection = connections[using]
    names = sorted({name for kind, name in compiled.slots if kind != "value"})
    prepared_sql.prepare_once(connection, compiled.name, lambda: _prepare_sql(compiled, names, values, connection))
    arguments = f"({', '.join(['%s'] * len(names))})" if names else ""
    return f"EXECUTE {compiled.name}{arguments}", [values[name] for name in names]


def _prepare_sql(compiled: _Compiled, names: list[str], values: Mapping[str, Any],
                 connection: BaseDatabaseWrapper) -> str:
    """``PREPARE``: each value given per run becomes ``$n`` (typed as that run's
    value is), every other parameter the literal the driver would have sent."""
    number = {name: n for n, name in enumerate(names, 1)}
    slots = iter(compiled.slots)
    constants = []

    def placeholder(match: re.Match[str]) -> str:
        if match.group(0) == "%%":  # a literal % (the driver unescapes it)
            return "%%"
        kind, extra = next(slots)
        if kind == "value":
            constants.append(extra)
            return "%s"
        return f"${number[extra]}"

    body = connection.ops.compose_sql(  # type: ignore[attr-defined]  # PostgreSQL's
        re.sub(r"%[%s]", placeholder, compiled.sql), constants)
    types = [prepared_sql.sql_type(name, values[name]) for name in names]
    header = f" ({', '.join(types)})" if names else ""
    return f"PREPARE {compiled.name}{header} AS {body}"


def _run(compiled: _Compiled, values: Mapping[str, Any], using: str, prepared: bool) -> tuple[str, list[Any]]:
    if prepared and connections[using].vendor == "postgresql":
        return _prepared_run(compiled, values, using)
    return compiled.sql, _params(compiled, values, using)


def sql(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], values: Mapping[str, Any], using: str = "default",
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of ``build(**values)``, compiled once per ``key``
    (and connection) for stand-in values; None when the shape is unusable."""
    compiled = _compile(key, build, values, using)
    return None if compiled is None else (compiled.sql, _params(compiled, values, using))


def _unusable(compiled: _Compiled | None, build: Callable[..., QuerySet[Any] | None],
              values: Mapping[str, Any]) -> list[Any]:
    """What a shape gives without its SQL: nothing for a shape that reads nothing,
    else (an unusable shape) the queryset built for these values, run as usual."""
    if compiled is not None:
        return []
    queryset = build(**values)
    return [] if queryset is None else list(queryset)


def rows(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any] | None], values: Mapping[str, Any],
    using: str = "default", *, prepared: bool = False,
) -> list[tuple[Any, ...]]:
    """The rows of ``build(**values)`` (a ``values_list()`` queryset, or None for
    none) as the database gives them (no field's ``from_db_value``), from SQL
    compiled once per ``key``; the queryset's own rows when the shape is unusable."""
    compiled = _compile(key, build, values, using)
    if compiled is None or not compiled.sql:
        return _unusable(compiled, build, values)
    with connections[using].cursor() as cursor:
        cursor.execute(*_run(compiled, values, using, prepared))
        return cursor.fetchall()


def _execute(compiled: _Compiled, values: Mapping[str, Any], using: str, prepared: bool) -> tuple[SQLCompiler, Any]:
    """The shape's compiler (for this connection) and its results for these values."""
    assert compiled.compiler is not None
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connections[using]
    run = _run(compiled, values, using, prepared)
    compiler.as_sql = lambda *args, **kwargs: run  # type: ignore[method-assign,assignment]
    return compiler, compiler.execute_sql()


def tuples(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any] | None], values: Mapping[str, Any],
    using: str = "default", *, prepared: bool = False,
) -> list[tuple[Any, ...]]:
    """The tuples ``list(build(**values))`` gives for a ``values_list()`` queryset
    (or None for none), each field's value converted as the queryset converts it
    (unlike ``rows``: e.g. dates, decimals and booleans on SQLite), from SQL compiled
    once per ``key``. For a ``union()``, the first queryset's fields convert every
    row's values (as iterating the union does)."""
    compiled = _compile(key, build, values, using)
    if compiled is None or not compiled.sql:
        return _unusable(compiled, build, values)
    compiler, results = _execute(compiled, values, using, prepared)
    return [tuple(row) for row in compiler.results_iter(results)]


def objects(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any] | None], values: Mapping[str, Any],
    using: str = "default", *, prepared: bool = False,
) -> list[Any]:
    """The model instances ``list(build(**values))`` would give (with what it
    selects as related, and its annotations), from SQL compiled once per ``key``
    (run as a prepared statement with ``prepared``, as ``rows``).
    Not for querysets with ``prefetch_related`` or ``values()``."""
    compiled = _compile(key, build, values, using)
    if compiled is None or not compiled.sql:
        return _unusable(compiled, build, values)
    compiler, results = _execute(compiled, values, using, prepared)
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


def statement_sql(sql: str) -> str:
    """The SQL a logged statement ran: for ``EXECUTE`` of a prepared shape (or of a
    statement prepared by ``members.prepared_sql``), the shape's SQL (for tests that tell queries apart by the tables they name), else
    ``sql`` itself."""
    match = re.match(r"EXECUTE (peerpath_precompiled_\d+)\b", sql)
    if match is None:
        return prepared_sql.statement_sql(sql)  # a written statement prepared there, or any other
    return next((c.sql for c in _CACHE.values() if c is not None and c.name == match.group(1)), sql)
