"""A read replica for the tests of this package.

With ``DATABASE_REPLICA_URL`` set (``make test-replica``: a real PostgreSQL
streaming replica of the test server), the ``replica`` alias is the real one: the
test database appears on it by replication, and ``sync()`` waits until it has
replayed everything the primary wrote. Without it, the fixture adds a ``replica``
alias for the test: a second connection to the same test database (what a
replica holds, minus the lag).

Tests that read through the replica commit their data (``transaction=True``): a
second connection never sees another's uncommitted rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from peerpath.ops import replica as replica_module
from peerpath.ops.dbrouter import REPLICA

REAL_REPLICA = REPLICA in settings.DATABASES
# The databases a test that reads the replica may use (an unknown alias is an error).
DATABASES = [DEFAULT_DB_ALIAS, REPLICA] if REAL_REPLICA else [DEFAULT_DB_ALIAS]
ROUTERS = ["peerpath.ops.dbrouter.ReplicaRouter"]


def sync() -> None:
    """Wait until the replica has replayed every change the primary has made (a
    real replica; at most 30 seconds)."""
    if not REAL_REPLICA:
        return
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + 30
    while True:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica has not replayed up to {lsn} in 30 seconds")
        time.sleep(0.05)


@pytest.fixture
def replica(settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The router installed and a ``replica`` alias (see the module docstring);
    ``.captured()`` records the queries the replica answers."""
    settings.DATABASE_ROUTERS = ROUTERS  # type: ignore[attr-defined]
    added = not REAL_REPLICA
    if added:
        # A connection made for the test (Django's test case allows those), under
        # the settings' name for it.
        replica_settings = {**connections[DEFAULT_DB_ALIAS].settings_dict}
        monkeypatch.setattr(replica_module, "configured", lambda: True)  # as if DATABASES named it
        connections[REPLICA] = load_backend(replica_settings["ENGINE"]).DatabaseWrapper(replica_settings, REPLICA)
    try:
        yield SimpleNamespace(sync=sync, captured=lambda: CaptureQueriesContext(connections[REPLICA]),
                              real=REAL_REPLICA)
    finally:
        if added:
            connections[REPLICA].close()
            del connections[REPLICA]
