"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"

MATRIX: dict[str, dict[str, object]] = {
    # administrators only (Perm.STAFF_MANAGE)
    "task_list": {ANON: "login", "admin": 200, "coordinator": 403, "professional": 403, "peer_leader": 403,
                  "researcher": 403},
}
OBJECT_ROUTES: set[str] = set()
GET_ONLY: set[str] = {"task_list"}
COUNTED_MODELS: list[str] = []


def setup(tenant: SimpleNamespace) -> None:
    """No tenant-owned objects (the queue is the deployment's): a waiting task, so
    the page shows a row."""
    from peerpath.alerts.tasks import recompute_alerts

    recompute_alerts.enqueue()


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    return {}
