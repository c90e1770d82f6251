"""How far the read replica is behind the primary.

An idle primary writes nothing, so the replica's "time since the last replayed
transaction" (``now() - pg_last_xact_replay_timestamp()``) grows although the
replica has everything: that figure alone would raise false alarms. So:

1. the primary's current WAL position (``pg_current_wal_lsn()``) is read first;
2. if the replica has replayed up to it (``pg_last_wal_replay_lsn()``), the lag is 0;
3. otherwise the replica is behind: the lag is the primary's own measure,
   ``replay_lag`` in ``pg_stat_replication`` (needs the ``pg_monitor`` role), and
   where that cannot be read, the time since the replica's last replayed
   transaction (an upper bound).

With no replica configured, or a replica that is not PostgreSQL (tests on
SQLite), there is no lag.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from peerpath.ops.dbrouter import REPLICA, pinned_to_primary


@dataclass(frozen=True)
class Lag:
    seconds: float
    bytes: int

    @property
    def minutes(self) -> int:
        return int(self.seconds // 60)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def lag() -> Lag | None:
    """The replica's lag now, or None without a (PostgreSQL) replica. Raises the
    database's error if the replica cannot be reached."""
    if not configured() or connections[REPLICA].vendor != "postgresql":
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        primary_lsn = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()),"
            " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())",
            [primary_lsn],
        )
        behind_bytes, since_last_replay = cursor.fetchone()
    if behind_bytes is None:  # not a standby (pg_last_wal_replay_lsn() is NULL)
        return Lag(0.0, 0)
    if behind_bytes <= 0:
        return Lag(0.0, 0)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT EXTRACT(EPOCH FROM max(replay_lag)) FROM pg_stat_replication")
        replay_lag = cursor.fetchone()[0]
    seconds = replay_lag if replay_lag is not None else since_last_replay
    return Lag(float(seconds or 0.0), int(behind_bytes))


def notice_lag() -> Lag | None:
    """The lag to tell a reader of a report about: only when this request read from
    the replica and it is more than ``PEERPATH_REPLICA_NOTICE_SECONDS`` behind."""
    if not configured() or pinned_to_primary():
        return None
    try:
        current = lag()
    except Exception:  # noqa: BLE001 - a report is still shown; /readyz/ reports the fault
        return None
    if current is None or current.seconds <= settings.PEERPATH_REPLICA_NOTICE_SECONDS:
        return None
    return current
