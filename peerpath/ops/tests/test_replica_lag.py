"""How far the replica is behind, and the report page's notice past a minute.

Against a real replica (make test-replica) the caught-up replica of an idle
primary has no lag, although its last replayed transaction may be old."""

from __future__ import annotations

import pytest
from django.db import connections

from peerpath.ops import replica as lag_of
from peerpath.ops.dbrouter import REPLICA
from peerpath.ops.replica import Lag
from peerpath.ops.tests.conftest import DATABASES
from peerpath.outcomes.tests.helpers import get_report


@pytest.mark.django_db(transaction=True, databases=DATABASES)
def test_a_replica_that_has_replayed_everything_has_no_lag(org_a, replica):
    replica.sync()
    current = lag_of.lag()
    if connections[REPLICA].vendor != "postgresql":
        assert current is None  # SQLite has no replication: nothing to measure
        return
    # Caught up a moment ago (other tests may be writing to the same server meanwhile:
    # WAL is shared by every database of a cluster).
    assert current is not None and current.seconds < 5
    if replica.real:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True


@pytest.mark.django_db
@pytest.mark.parametrize("seconds,notice", [
    (150.0, "a copy of the database that is 2 minutes behind"),
    (61.0, "a copy of the database that is 1 minute behind"),
    (60.0, None),
    (5.0, None),
])
def test_the_report_page_says_how_far_behind_the_replica_is_past_a_minute(org_a, client_for, monkeypatch,
                                                                         seconds, notice, settings):
    settings.DATABASE_ROUTERS = []  # this test's rows are not committed: the report reads the primary
    monkeypatch.setattr(lag_of, "configured", lambda: True)
    monkeypatch.setattr(lag_of, "lag", lambda: Lag(seconds, 4096))
    response = get_report(client_for("coordinator"), "safety")
    assert response.status_code == 200
    html = response.content.decode()
    if notice is None:
        assert 'id="replica-lag"' not in html
    else:
        assert notice in html


@pytest.mark.django_db
def test_a_request_that_wrote_read_the_primary_and_gets_no_notice(monkeypatch):
    from peerpath.ops.dbrouter import _scope, request_scope

    monkeypatch.setattr(lag_of, "configured", lambda: True)
    monkeypatch.setattr(lag_of, "lag", lambda: Lag(600.0, 4096))
    with request_scope():
        assert lag_of.notice_lag() == Lag(600.0, 4096)
        scope = _scope.get()
        assert scope is not None
        scope.wrote = True
        assert lag_of.notice_lag() is None
