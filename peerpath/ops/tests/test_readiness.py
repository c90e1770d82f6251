"""/readyz/ for load balancers: 200 when the database, the replica, the cache and
the task queue are fit; 503 naming what is not, without error texts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.test import Client

from peerpath.ops import readiness, replica
from peerpath.ops.metrics import register_queue_figures
from peerpath.ops.replica import Lag

pytestmark = pytest.mark.django_db


def _get() -> tuple[int, dict]:
    response = Client().get("/readyz/")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_a_healthy_server_is_ready():
    status, body = _get()
    assert status == 200
    assert body["status"] == "ready" and body["failed"] == []
    assert set(body["checks"]) == {"database", "replica", "cache", "tasks"}
    assert body["checks"]["replica"]["detail"] == "not configured"


def test_a_database_that_does_not_answer_fails_the_check_without_its_error_text(monkeypatch):
    def broken() -> str:
        raise DatabaseError("connection to server at 10.0.0.5 failed: password authentication failed")

    monkeypatch.setitem(readiness.CHECKS, "database", broken)
    status, body = _get()
    assert status == 503 and body["failed"] == ["database"]
    assert body["checks"]["database"] == {"ok": False, "detail": "error (DatabaseError)"}


def test_a_cache_that_loses_what_was_written_fails(monkeypatch):
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)
    status, body = _get()
    assert status == 503 and body["failed"] == ["cache"]


def test_a_replica_too_far_behind_fails(monkeypatch, settings):
    settings.PEERPATH_READY_MAX_LAG_SECONDS = 300
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(readiness, "connections", {"default": readiness.connections["default"],
                                                   "replica": readiness.connections["default"]})
    monkeypatch.setattr(replica, "lag", lambda: Lag(301.0, 10_000))
    status, body = _get()
    assert status == 503 and body["failed"] == ["replica"]
    assert body["checks"]["replica"]["detail"] == "301 s behind the primary (limit 300 s)"
    monkeypatch.setattr(replica, "lag", lambda: Lag(299.0, 10_000))
    assert _get()[0] == 200


def test_a_task_backlog_past_the_limit_fails(monkeypatch, settings):
    settings.PEERPATH_READY_MAX_BACKLOG = 10
    monkeypatch.setattr("peerpath.ops.metrics._queue_figures", {})
    register_queue_figures("default", lambda: {"queued": 11, "failed_24h": 0})
    status, body = _get()
    assert status == 503 and body["failed"] == ["tasks"]
    assert body["checks"]["tasks"]["detail"] == "11 tasks waiting (limit 10)"
    register_queue_figures("default", lambda: {"queued": 10, "failed_24h": 3})
    assert _get()[0] == 200


def test_the_task_queue_backlog_is_read_from_peerpath_tasks():
    from peerpath.ops.metrics import queue_figures

    assert queue_figures()["default"]["queued"] == 0  # nothing queued in a fresh database


def test_healthz_stays_a_single_cheap_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        response = Client().get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"
