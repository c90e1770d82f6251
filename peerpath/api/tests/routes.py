"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py).

The matrix signs in with browser sessions. /api/v1/ accepts API tokens only, so
every role (and a signed-in portal member) gets 401 there: the token's rights are
tested per role in this app's tests (test_members_api.py, test_measures_api.py…),
including the 404 for another organisation's objects. The schema, the
documentation page and the token pages are staff pages.
"""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"
ROLES = ["admin", "coordinator", "professional", "peer_leader", "researcher"]
MEMBER = "member"

STAFF = {ANON: "login", **{r: 200 for r in ROLES}}  # every staff role holds Perm.API_TOKEN
STAFF_POST_ONLY = {ANON: "login", **{r: 405 for r in ROLES}}
TOKEN_ONLY = {ANON: 401, **{r: 401 for r in ROLES}, MEMBER: 401}

API_ROUTES = [
    "api_members", "api_member", "api_member_consents", "api_consent_withdraw", "api_member_responses",
    "api_instruments", "api_responses", "api_response", "api_scores",
    "api_jobs", "api_member_jobs", "api_support_contacts", "api_member_support_contacts",
    "api_groups", "api_sessions", "api_attendance", "api_incidents", "api_helping_contacts", "api_alerts",
]

MATRIX: dict[str, dict[str, object]] = {
    "api_token_list": STAFF,
    "api_token_create": STAFF,
    "api_token_revoke": STAFF_POST_ONLY,
    "api_schema": STAFF,
    "api_docs": STAFF,
    **{name: TOKEN_ONLY for name in API_ROUTES},
}
OBJECT_ROUTES: set[str] = {"api_token_revoke"}
GET_ONLY: set[str] = set()
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = ["api.ApiToken"]


def setup(tenant: SimpleNamespace) -> None:
    """A token of the tenant's administrator (``tenant.api_token``, secret ``tenant.api_secret``)."""
    from peerpath.api.actions import create_token

    tenant.api_token, tenant.api_secret = create_token(tenant.staff["admin"], name="matrix")


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name == "api_token_revoke":
        return {"<int:pk>": str(tenant.api_token.pk)}
    if name == "api_consent_withdraw":
        return {"<int:pk>": str(tenant.consent.pk)}
    return {}
