"""Written SQL run as a PostgreSQL prepared statement of the connection.

``members.precompiled`` prepares querysets; a page's statement written in SQL
(the dashboard's figures and due list) is prepared here: on PostgreSQL the first
run on a connection sends ``PREPARE`` (each ``%(name)s`` becomes ``$n``, typed as
that run's value is), every run ``EXECUTE`` with its values, so that the server
plans the statement once per connection instead of on every run (as PostgreSQL
decides: see ``plan_cache_mode``). Elsewhere the statement runs as written.

As with precompiled's prepared shapes, the server keeps each statement's plans
for as long as the connection lasts (prepare only a page's few statements), and
connections must be session-level (not a pooler's transaction mode).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import weakref
from collections.abc import Callable, Mapping
from typing import Any

_NAMES = itertools.count(1)  # never reused: a connection may outlive a cleared registry
_STATEMENTS: dict[tuple[str, tuple[str, ...]], str] = {}  # (SQL, parameter types) → statement name
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()  # per driver connection
_TYPES = ((bool, "boolean"), (int, "bigint"), (str, "text"), (dt.datetime, "timestamptz"), (dt.date, "date"))
_PARAMETER = re.compile(r"%\((\w+)\)s")


def raw_date(value: Any) -> Any:
    """A date column of a row read with written SQL: PostgreSQL gives a ``date``,
    SQLite its text (an expression's or a subquery's), converted here; None stays None."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def sql_type(name: str, value: Any) -> str:
    """The SQL type a ``PREPARE`` gives a parameter whose value is ``value``."""
    for kind, sql_type in _TYPES:
        if isinstance(value, kind):
            return sql_type
    raise TypeError(f"no SQL type for {name}={value!r}: only bool, int, str, date and datetime values")


def execute(cursor: Any, sql: str, values: Mapping[str, Any]) -> None:
    """``cursor.execute(sql, values)`` (a Django cursor; ``%(name)s`` parameters);
    on PostgreSQL, as ``EXECUTE`` of ``sql`` prepared on the cursor's connection."""
    connection = cursor.db
    if connection.vendor != "postgresql":
        cursor.execute(sql, values)
        return
    names = list(dict.fromkeys(_PARAMETER.findall(sql)))  # in order of first use
    types = tuple(sql_type(name, values[name]) for name in names)
    statement = _STATEMENTS.setdefault((sql, types), f"peerpath_raw_{next(_NAMES)}")
    def prepare() -> str:
        number = {name: n for n, name in enumerate(names, 1)}
        body = _PARAMETER.sub(lambda match: f"${number[match.group(1)]}", sql).replace("%%", "%")
        header = f" ({', '.join(types)})" if names else ""
        return f"PREPARE {statement}{header} AS {body}"

    prepare_once(connection, statement, prepare)
    arguments = f"({', '.join(['%s'] * len(names))})" if names else ""
    cursor.execute(f"EXECUTE {statement}{arguments}", [values[name] for name in names])


def prepare_once(connection: Any, name: str, prepare: Callable[[], str]) -> None:
    """Send ``prepare()`` (a ``PREPARE name …``) on the Django ``connection``'s
    PostgreSQL connection unless that connection has prepared ``name`` already (a
    new connection has prepared nothing). Shared with ``members.precompiled``."""
    connection.ensure_connection()
    done = _PREPARED.setdefault(connection.connection, set())
    if name not in done:
        # Setting up the connection, not a read: sent directly (not logged as a query).
        connection.connection.execute(prepare())
        done.add(name)


def statement_sql(sql: str) -> str:
    """The SQL a logged ``EXECUTE`` of a statement prepared here ran (else ``sql``)."""
    match = re.match(r"EXECUTE (peerpath_raw_\d+)\b", sql)
    if match is None:
        return sql
    return next((text for (text, _types), name in _STATEMENTS.items() if name == match.group(1)), sql)
