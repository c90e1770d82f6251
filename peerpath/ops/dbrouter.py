"""Reads of reports, research exports and API lists on a PostgreSQL streaming
replica (``DATABASE_REPLICA_URL``); everything else on the primary.

Code that may read from the replica says so with ``replica_reads()``. Inside it
every ORM read goes to the ``replica`` alias, except:

- after a write in the same request (or in the same ``request_scope()``): the
  request reads its own writes from the primary until it ends;
- inside a transaction of the primary (``transaction.atomic``): what it locked or
  wrote is on the primary only.

Writes to bookkeeping tables that a report or a list never reads back (the access
log and its chain heads, the session, an API token's last use) do not pin the
request to the primary. Writes always go to the primary.

With no ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and this router is
not installed: nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# Writes to these models do not pin a request to the primary.
# (The member state counts are added up when read: not a write the request made.)
NOT_PINNING = frozenset({"audit.accesslog", "audit.chainhead", "sessions.session", "api.apitoken",
                         "members.memberstatecount"})


@dataclass
class _Scope:
    wrote: bool = False


_replica_wanted: ContextVar[bool] = ContextVar("peerpath_replica_wanted", default=False)
_scope: ContextVar[_Scope | None] = ContextVar("peerpath_request_scope", default=None)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may go to the replica (see the module's docstring)."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


@contextmanager
def request_scope() -> Iterator[None]:
    """One request (or one task): a write inside keeps its later reads on the primary."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def pinned_to_primary() -> bool:
    """Whether the current request has written (its reads stay on the primary)."""
    scope = _scope.get()
    return scope is not None and scope.wrote


def _in_transaction() -> bool:
    """Inside a transaction of the primary opened by the code (a test case's own
    wrapping transaction does not count)."""
    blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


class ReplicaRouter:
    """Installed by the settings only when ``DATABASE_REPLICA_URL`` is set."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not _replica_wanted.get() or pinned_to_primary() or _in_transaction():
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        scope = _scope.get()
        if scope is not None and model._meta.label_lower not in NOT_PINNING:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # the replica follows the primary's schema
