"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"
# Alerts: every staff role but researchers (peer leaders see non-clinical alerts of the peer track).
ALERT_ROLES = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 200,
               "researcher": 403}
SETTINGS_ROLES = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 403, "peer_leader": 403,
                  "researcher": 403}

MATRIX: dict[str, dict[str, object]] = {
    "alert_list": ALERT_ROLES,
    "alert_acknowledge": ALERT_ROLES,
    "alert_resolve": ALERT_ROLES,
    "alert_recompute": {**ALERT_ROLES, "admin": 405, "coordinator": 405, "professional": 405, "peer_leader": 405},
    "alert_settings": SETTINGS_ROLES,
}
OBJECT_ROUTES: set[str] = {"alert_acknowledge", "alert_resolve"}
GET_ONLY: set[str] = set()
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = ["alerts.Alert", "alerts.AlertSettings"]


def setup(tenant: SimpleNamespace) -> None:
    """Create this app's example objects for a tenant (organisation A or B): an
    open alert that prompts both tracks, so that peer leaders may handle it."""
    from peerpath.alerts.tests.factories import AlertFactory

    tenant.alert = AlertFactory(member=tenant.member)


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name in {"alert_acknowledge", "alert_resolve"}:
        return {"<int:pk>": str(tenant.alert.pk)}
    return {}
