"""Every URL pattern of the project × every role (and anonymous).

The patterns are enumerated from the URL resolver, not from a hand-kept list: a
new route fails this test until it is classified in ``MATRIX`` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import ConsentFactory

ANON = "anonymous"
ROLES = ["admin", "coordinator", "professional", "peer_leader", "researcher"]
MEMBER = "member"  # a member signed in to the portal (no staff membership)
# A signed-in member gets 403 on every staff page unless MATRIX says otherwise.
MEMBER_DEFAULT = 403

# Expected status of a GET for each role; "login" = redirect to the login page,
# an int = that status. Object routes are filled with organisation A's objects.
ALL = {ANON: "login", **{r: 200 for r in ROLES}}
CLINICAL_STAFF_ONLY = {
    ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 403, "researcher": 403,
}
MEMBER_READERS = {**CLINICAL_STAFF_ONLY, "peer_leader": 200}
ADMIN_ONLY = {ANON: "login", "admin": 200, **{r: 403 for r in ROLES if r != "admin"}}
AUDITORS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 403, "peer_leader": 403, "researcher": 403}
PUBLIC = {ANON: 200, **{r: 200 for r in ROLES}}
REDIRECTS = {ANON: 302, **{r: 302 for r in ROLES}}
POST_ONLY_SIGNED_IN = {ANON: "login", **{r: 405 for r in ROLES}}

MATRIX: dict[str, dict[str, object]] = {
    "home": {**REDIRECTS, MEMBER: 302},
    "dashboard": ALL,
    "caseload": CLINICAL_STAFF_ONLY,
    "member_list": MEMBER_READERS,
    "member_create": CLINICAL_STAFF_ONLY,
    "member_detail": MEMBER_READERS,
    "member_timeline": MEMBER_READERS,
    "member_edit": CLINICAL_STAFF_ONLY,
    "consent_create": CLINICAL_STAFF_ONLY,
    "consent_withdraw": CLINICAL_STAFF_ONLY,
    "stage_change": CLINICAL_STAFF_ONLY,
    "care_team": CLINICAL_STAFF_ONLY,
    "staff_list": ADMIN_ONLY,
    "staff_create": ADMIN_ONLY,
    "staff_edit": ADMIN_ONLY,
    "staff_reset_two_factor": {**ADMIN_ONLY, "admin": 405},
    "audit_log": AUDITORS,
    # Account pages: a signed-in user is sent on from the login page.
    "login": {ANON: 200, **{r: 302 for r in ROLES}, MEMBER: 302},
    "logout": {ANON: 405, **{r: 405 for r in ROLES}, MEMBER: 405},
    "two_factor": {ANON: "login", **{r: 200 for r in ROLES}, MEMBER: 200},
    "switch_organization": {**POST_ONLY_SIGNED_IN, MEMBER: 405},
    "password_change": {ANON: "login", **{r: 200 for r in ROLES}, MEMBER: 200},
    "password_change_done": {ANON: "login", **{r: 200 for r in ROLES}, MEMBER: 200},
    "password_reset": {**PUBLIC, MEMBER: 200},
    "password_reset_done": {**PUBLIC, MEMBER: 200},
    "password_reset_confirm": {**PUBLIC, MEMBER: 200},
    "password_reset_complete": {**PUBLIC, MEMBER: 200},
    "set_language": {ANON: 302, **{r: 302 for r in ROLES}, MEMBER: 302},
    "healthz": {**PUBLIC, MEMBER: 200},
    "readyz": {**PUBLIC, MEMBER: 200},  # for load balancers: no personal data (peerpath/ops/readiness.py)
    # 404 to everyone without PEERPATH_METRICS_TOKEN or PEERPATH_METRICS_IPS (peerpath/ops/tests/test_metrics.py)
    "metrics": {ANON: 404, **{r: 404 for r in ROLES}, MEMBER: 404},
    # an unknown token; real links are tested in peerpath/measures/tests
    "self_report": {ANON: 404, **{r: 404 for r in ROLES}, MEMBER: 404},
    # The member portal: members only (staff have no member account).
    "portal_home": {ANON: "login", **{r: 403 for r in ROLES}, MEMBER: 200},
    "portal_progress": {ANON: "login", **{r: 403 for r in ROLES}, MEMBER: 200},
    "portal_chart": {ANON: "login", **{r: 403 for r in ROLES}, MEMBER: 200},
    "portal_answer": {ANON: "login", **{r: 403 for r in ROLES}, MEMBER: 405},
    "member_portal_account": CLINICAL_STAFF_ONLY,
    "member_questionnaires": CLINICAL_STAFF_ONLY,
    "measure_enter_choose": {**CLINICAL_STAFF_ONLY, "admin": 405, "coordinator": 405, "professional": 405},
    "measure_enter": CLINICAL_STAFF_ONLY,
    "measure_link_create": {**CLINICAL_STAFF_ONLY, "admin": 405, "coordinator": 405, "professional": 405},
    "measure_flag_follow_up": {**CLINICAL_STAFF_ONLY, "admin": 405, "coordinator": 405, "professional": 405},
    "measure_chart": CLINICAL_STAFF_ONLY,
    "measure_plan": AUDITORS,  # administrators and coordinators
    "measure_wording": ADMIN_ONLY,
    "measure_wording_edit": ADMIN_ONLY,
    "measure_plan_remove": {**AUDITORS, "admin": 405, "coordinator": 405},
}

# Routes whose object belongs to an organisation: staff of another get 404.
OBJECT_ROUTES = {"member_detail", "member_timeline", "member_edit", "consent_create", "consent_withdraw", "stage_change",
                 "care_team", "staff_edit", "staff_reset_two_factor", "member_questionnaires",
                 "measure_enter_choose", "measure_enter", "measure_link_create", "measure_chart",
                 "measure_flag_follow_up", "measure_plan_remove", "member_portal_account"}

GET_ONLY = {"member_detail", "member_timeline", "member_questionnaires", "measure_chart"}

# Apps that keep their rows of the matrix beside their code, in
# ``peerpath/<app>/tests/routes.py``: MATRIX, OBJECT_ROUTES, GET_ONLY, and
# ``setup(tenant)`` / ``path_values(name, tenant)`` for their example objects.
APP_ROUTE_MODULES = [
    importlib.import_module(f"peerpath.{app}.tests.routes") for app in (
        "employment", "groups", "pathway", "alerts", "exchange", "api", "exports", "outcomes", "safety", "tasks"
    )
]
for _module in APP_ROUTE_MODULES:
    _clash = set(MATRIX) & set(_module.MATRIX)
    assert not _clash, f"{_module.__name__} classifies routes already classified: {_clash}"
    MATRIX.update(_module.MATRIX)
    OBJECT_ROUTES |= _module.OBJECT_ROUTES
    GET_ONLY |= _module.GET_ONLY


def _walk(patterns: list, prefix: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p.name or "", prefix + str(p.pattern)


def all_routes() -> list[tuple[str, str]]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def _path_for(name: str, route: str, tenant) -> str:
    consent = tenant.consent
    values = {
        "<str:code>": tenant.member.code,
        "<int:pk>": str(consent.pk if name == "consent_withdraw" else tenant.staff["professional"].pk),
        "<uidb64>": "MQ",
        "<token>": "set-password",
        "<str:token>": "no-such-token",
        "<slug:instrument_id>": "phq9",
        "<slug:score_id>": "total",
    }
    for module in APP_ROUTE_MODULES:
        values = {**values, **module.path_values(name, tenant)}
    path = "/" + route
    for key, value in values.items():
        path = path.replace(key, value)
    assert "<" not in path, f"no example value for a parameter of {route}"
    return path


def test_every_route_is_classified():
    unclassified = [f"{name or '(unnamed)'}: /{route}" for name, route in all_routes() if name not in MATRIX]
    assert not unclassified, "classify these routes in MATRIX: " + ", ".join(unclassified)
    stale = set(MATRIX) - {name for name, _ in all_routes()}
    assert not stale, f"MATRIX names routes that no longer exist: {stale}"


@pytest.fixture
def tenant_a(org_a):
    from peerpath.portal.models import MemberAccount
    from tests.factories import UserFactory

    org_a.consent = ConsentFactory(member=org_a.member, recorded_by=org_a.users["coordinator"])
    org_a.users[MEMBER] = UserFactory(username="member_a")
    MemberAccount.objects.create(organization=org_a.org, member=org_a.member, user=org_a.users[MEMBER],
                                 created_by=org_a.users["coordinator"])
    for module in APP_ROUTE_MODULES:
        module.setup(org_a)
    return org_a


@pytest.fixture
def tenant_b(org_b):
    org_b.consent = ConsentFactory(member=org_b.member, recorded_by=org_b.users["coordinator"])
    for module in APP_ROUTE_MODULES:
        module.setup(org_b)
    return org_b


def _client(role: str, tenant) -> Client:
    from conftest import verified_client

    return Client() if role == ANON else verified_client(tenant.users[role])


@pytest.mark.parametrize("name,route", all_routes())
def test_route_role_matrix(name, route, tenant_a):
    expected_by_role = MATRIX.get(name)
    if expected_by_role is None:
        pytest.fail(f"route {name} is not classified")
    path = _path_for(name, route, tenant_a)
    failures = []
    for role in [ANON, *ROLES, MEMBER]:
        response = _client(role, tenant_a).get(path)
        expected = expected_by_role.get(role, MEMBER_DEFAULT)
        if expected == "login":
            ok = response.status_code == 302 and response["Location"].startswith("/account/login/")
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{role}: expected {expected}, got {response.status_code} {response.get('Location', '')}")
    assert not failures, f"GET {path}: " + "; ".join(failures)


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_staff_of_another_organisation_get_404(name, tenant_a, tenant_b):
    route = dict((n, r) for n, r in all_routes())[name]
    path = _path_for(name, route, tenant_b)
    method = "post" if MATRIX[name]["admin"] == 405 else "get"
    for role in ROLES:
        response = getattr(_client(role, tenant_a), method)(path)
        allowed_at_home = MATRIX[name][role] in (200, 405)
        if allowed_at_home:
            assert response.status_code == 404, f"{role} of A reading {path} of B got {response.status_code}"
        else:
            assert response.status_code in (403, 404), f"{role} of A got {response.status_code} for {path}"


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES - GET_ONLY))
def test_writes_to_another_organisation_get_404_and_change_nothing(name, tenant_a, tenant_b):
    from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
    from peerpath.tenancy.models import Membership

    route = dict((n, r) for n, r in all_routes())[name]
    path = _path_for(name, route, tenant_b)
    from django.apps import apps

    counted = [Member, Consent, StageChange, CareTeamAssignment] + [
        apps.get_model(label) for module in APP_ROUTE_MODULES for label in getattr(module, "COUNTED_MODELS", [])
    ]
    before = [m.objects.count() for m in counted]
    roles_before = list(Membership.objects.order_by("pk").values_list("role", "is_active"))
    from conftest import verified_client

    for user in tenant_b.users.values():
        verified_client(user)  # each staff member of B has an authenticator
    devices_before = len(tenant_b.users)
    response = _client("admin", tenant_a).post(
        path, {"name": "x", "kind": "research", "version": "1", "given_on": "2026-01-01",
               "withdrawn_on": "2026-01-02", "stage": "growth", "changed_on": "2026-01-01",
               "started_on": "2026-01-01", "role": "admin", "is_active": "on"},
    )
    assert response.status_code == 404
    assert [m.objects.count() for m in counted] == before
    assert list(Membership.objects.order_by("pk").values_list("role", "is_active")) == roles_before
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert TOTPDevice.objects.filter(user__in=tenant_b.users.values()).count() == devices_before
