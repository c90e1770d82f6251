"""``/readyz/``: may a load balancer send this server requests? (``/healthz/``
stays the cheap "the process and its database answer".)

Checks the primary database, the replica and its lag (if configured), the cache,
and the task queue's backlog. 200 with a JSON body when all pass; 503 naming
each failed check otherwise. Thresholds: ``PEERPATH_READY_MAX_LAG_SECONDS`` and
``PEERPATH_READY_MAX_BACKLOG``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from peerpath.ops import replica
from peerpath.ops.dbrouter import REPLICA
from peerpath.ops.metrics import queue_figures

log = logging.getLogger(__name__)


class NotReady(Exception):
    """A check failed; the message says why (no personal data)."""


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_replica() -> str:
    if not replica.configured():
        return "not configured"
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT 1")
    current = replica.lag()
    if current is None:
        return "ok"
    limit = settings.PEERPATH_READY_MAX_LAG_SECONDS
    if current.seconds > limit:
        raise NotReady(f"{current.seconds:.0f} s behind the primary (limit {limit} s)")
    return f"{current.seconds:.0f} s behind"


def check_cache() -> str:
    key = f"peerpath_readyz_{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise NotReady("a value written to the cache could not be read back")
    return "ok"


def check_tasks() -> str:
    figures = queue_figures()
    if not figures:
        return "no task queue"
    limit = settings.PEERPATH_READY_MAX_BACKLOG
    waiting = sum(f.get("queued", 0) for f in figures.values())
    if waiting > limit:
        raise NotReady(f"{waiting} tasks waiting (limit {limit})")
    return f"{waiting} waiting"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "replica": check_replica,
    "cache": check_cache,
    "tasks": check_tasks,
}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = {"ok": True, "detail": check()}
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
            if not isinstance(exc, NotReady):
                log.warning("readiness check %s failed", name, exc_info=True)
            # The body is public (load balancers): an error's class, not its text.
            detail = str(exc) if isinstance(exc, NotReady) else f"error ({type(exc).__name__})"
            results[name] = {"ok": False, "detail": detail[:300]}
    return all(r["ok"] for r in results.values()), results


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, results = run_checks()
    body = {"status": "ready" if ready else "not ready",
            "failed": [name for name, r in results.items() if not r["ok"]],
            "checks": results}
    return JsonResponse(body, status=200 if ready else 503)

