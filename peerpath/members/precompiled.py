"""Querysets compiled to SQL once and run many times with other values.

Building a queryset with many annotations and subqueries (and compiling it) can
cost far more than running it. When its SQL depends only on its *shape*, not on
the values filtered on, it is built once per shape for stand-in values, compiled,
and each stand-in among the parameters is replaced by the real value on every run.
The shape's key must name everything else the SQL depends on (e.g. the columns a
role may see); the database connection (alias and vendor) is added here. A
stand-in value that does not come out as a parameter of its own (e.g. one folded
into the SQL) makes the shape unusable: ``sql`` then returns None and the caller
runs the queryset as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import connections
from django.db.models import QuerySet

_CACHE: dict[tuple[Any, ...], tuple[str, list[tuple[bool, Any]]] | None] = {}


def _stand_in(name: str, value: Any, n: int) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"no stand-in for {name}={value!r}: only int and str values")
    return -(740_900 + n) if isinstance(value, int) else f"~stand-in~{name}~{740_900 + n}~"


def sql(
    key: tuple[Any, ...], build: Callable[..., QuerySet[Any]], values: Mapping[str, Any], using: str = "default",
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of ``build(**values)``, compiled once per ``key``
    (and connection) for stand-in values."""
    connection = connections[using]
    full_key = (using, connection.vendor, *key)
    if full_key not in _CACHE:
        stand_ins = {name: _stand_in(name, value, n) for n, (name, value) in enumerate(sorted(values.items()))}
        query = build(**stand_ins).query
        text, params = query.get_compiler(using=using).as_sql()
        by_value = {(type(v), v): name for name, v in stand_ins.items()}
        slots = [(True, by_value[(type(p), p)]) if (type(p), p) in by_value else (False, p) for p in params]
        found = {name for is_slot, name in slots if is_slot}
        folded = any(str(v) in text for v in stand_ins.values())
        _CACHE[full_key] = (text, slots) if found == set(stand_ins) and not folded else None
    compiled = _CACHE[full_key]
    if compiled is None:
        return None
    text, slots = compiled
    return text, [values[name] if is_slot else name for is_slot, name in slots]
