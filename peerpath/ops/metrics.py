"""Prometheus metrics at ``/metrics`` (prometheus_client, no Django wrapper).

Per process, kept by the request middleware: request latency by route name and
database queries by route and database alias. With several gunicorn workers set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, emptied at each start): each
worker then writes its figures there and ``/metrics`` adds them up.

Read from the database when scraped (counts only, no personal data): open
alerts, overdue safety follow-ups, and the task queue's backlog and failures
from the functions registered with ``register_queue_figures``.

Access: ``PEERPATH_METRICS_TOKEN`` (a bearer token) and/or
``PEERPATH_METRICS_IPS`` (client addresses); with neither set, ``/metrics`` answers
404. See docs/deployment.md.
"""

from __future__ import annotations

import hmac
import importlib.util
import os
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from peerpath.tenancy.client_ip import client_ip

REQUEST_LATENCY = Histogram(
    "peerpath_request_duration_seconds", "Time to answer a request, by route name.",
    ["route", "method"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DB_QUERIES = Counter(
    "peerpath_db_queries", "Database queries made while answering requests, by route and database alias.",
    ["route", "database"],
)

# name -> function returning {"queued": n, "failed": n, ...}; see register_queue_figures.
_queue_figures: dict[str, Callable[[], dict[str, int]]] = {}


def register_queue_figures(name: str, figures: Callable[[], dict[str, int]]) -> None:
    """Let the task queue report its backlog: ``figures()`` returns counts by task
    state (at least ``queued``; ``failed`` if known). Also used by ``/readyz/``."""
    _queue_figures[name] = figures


def queue_figures() -> dict[str, dict[str, int]]:
    return {name: figures() for name, figures in _queue_figures.items()}


def domain_counts() -> dict[str, int]:
    """Counts for the operator: open alerts, overdue safety follow-ups."""
    from peerpath.alerts.models import Alert, State
    from peerpath.safety.models import FollowUpState, SafetyFollowUp

    return {
        "alerts_open": Alert.objects.filter(state=State.OPEN).count(),
        "safety_follow_ups_overdue": SafetyFollowUp.objects.filter(
            state=FollowUpState.OPEN, due_at__lte=timezone.now()).count(),
    }


class DatabaseCollector(Collector):
    """Figures read from the database at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = domain_counts()
        yield GaugeMetricFamily("peerpath_alerts_open", "Alerts not yet resolved.", value=counts["alerts_open"])
        yield GaugeMetricFamily("peerpath_safety_follow_ups_overdue", "Open safety follow-ups past their due time.",
                                value=counts["safety_follow_ups_overdue"])
        tasks = GaugeMetricFamily("peerpath_tasks", "Background tasks by queue and state.", labels=["queue", "state"])
        for queue, figures in queue_figures().items():
            for state, count in sorted(figures.items()):
                tasks.add_metric([queue, state], count)
        yield tasks


def _process_registry() -> CollectorRegistry:
    """This process's figures, or every worker's (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def allowed(request: HttpRequest) -> bool:
    """The bearer token matches ``PEERPATH_METRICS_TOKEN``, or the client address is
    in ``PEERPATH_METRICS_IPS``."""
    token: str = settings.PEERPATH_METRICS_TOKEN
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    ips: list[str] = settings.PEERPATH_METRICS_IPS
    return bool(ips) and client_ip(request) in ips


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404  # not advertised to anyone who may not read it
    body = generate_latest(_process_registry()) + generate_latest(_database_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return registry


def route_of(request: HttpRequest) -> str:
    """The route name of a request (its URL pattern's name), never its path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return str(match.view_name or "unnamed")


def observe(request: HttpRequest, seconds: float, queries: dict[str, int]) -> None:
    route = route_of(request)
    REQUEST_LATENCY.labels(route=route, method=request.method or "").observe(seconds)
    for alias, count in queries.items():
        if count:
            DB_QUERIES.labels(route=route, database=alias).inc(count)




def _peerpath_tasks_figures() -> dict[str, int]:
    import peerpath.tasks as tasks

    return {"queued": tasks.backlog(), "failed_24h": tasks.failures_recent(24)}


if importlib.util.find_spec("peerpath.tasks") is not None:
    register_queue_figures("default", _peerpath_tasks_figures)
