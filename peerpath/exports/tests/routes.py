"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

MATRIX: dict[str, dict[str, object]] = {}
OBJECT_ROUTES: set[str] = set()
GET_ONLY: set[str] = set()
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = []


def setup(tenant: SimpleNamespace) -> None:
    """Create this app's example objects for a tenant (organisation A or B)."""


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    return {}
