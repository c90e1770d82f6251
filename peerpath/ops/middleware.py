"""The first middleware: gives each request its id, its scope for the replica
router, and its line in the log and the metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

from peerpath.ops import logs, metrics
from peerpath.ops.dbrouter import request_scope

request_log = logging.getLogger("peerpath.request")


class _QueryCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def wrapper(self, alias: str) -> Callable[..., Any]:
        def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            self.counts[alias] = self.counts.get(alias, 0) + 1
            return execute(sql, params, many, context)

        return count


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logs.request_id_from(request.META.get(logs.REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = logs.set_request_id(request_id)
        counter = _QueryCounter()
        start = time.perf_counter()
        try:
            with request_scope(), ExitStack() as stack:
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(counter.wrapper(alias)))
                response = self.get_response(request)
            seconds = time.perf_counter() - start
            response["X-Request-ID"] = request_id
            metrics.observe(request, seconds, counter.counts)
            request_log.info(
                "%s %s %s", request.method, metrics.route_of(request), response.status_code,
                extra={"method": request.method, "route": metrics.route_of(request), "path": request.path,
                       "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                       "queries": sum(counter.counts.values())},
            )
            return response
        finally:
            logs.reset_request_id(token)
