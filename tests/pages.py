"""Every HTML page each role can reach, derived from the route × role matrix
(``tests/test_route_matrix.py``): a route is a page of a role when the matrix
says that role's GET answers 200. Object routes are filled with one example
object per route pattern, built by the same ``setup`` functions the matrix
uses (a group with a session and an incident, a job, a report, …).

Used by the check for English words on the Chinese pages
(``tests/test_zh_hant_words.py``) and by the browser crawl
(``tests/browser/test_every_page.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.test import Client

from tests.test_route_matrix import (
    ANON,
    APP_ROUTE_MODULES,
    MATRIX,
    MEMBER,
    MEMBER_DEFAULT,
    ROLES,
    all_routes,
)
from tests.test_route_matrix import _path_for as path_for

VISITORS = [ANON, *ROLES, MEMBER]

# The example data is written in Chinese, as a Taiwanese association's would be,
# so that English on a Chinese page can only come from the interface itself.
ORGANISATION_NAME = "晨曦同儕支持協進會"
STAFF_NAMES = {
    "admin": ("怡君", "陳"), "coordinator": ("淑芬", "林"), "professional": ("建宏", "吳"),
    "peer_leader": ("志明", "黃"), "researcher": ("雅婷", "張"),
}


@dataclass(frozen=True)
class Page:
    role: str
    name: str  # the route's name
    path: str


def build_tenant(org_a: SimpleNamespace) -> SimpleNamespace:
    """Organisation A of the root conftest with the example objects of every
    route (as the route matrix's ``tenant_a``), its names in Chinese."""
    from peerpath.portal.models import MemberAccount
    from tests.factories import ConsentFactory, UserFactory

    org_a.org.name = ORGANISATION_NAME
    org_a.org.save(update_fields=["name"])
    for role, (given, family) in STAFF_NAMES.items():
        user = org_a.users[role]
        user.first_name, user.last_name = given, family
        user.save(update_fields=["first_name", "last_name"])
    org_a.consent = ConsentFactory(member=org_a.member, recorded_by=org_a.users["coordinator"])
    org_a.users[MEMBER] = UserFactory(username="member_a", first_name="小明", last_name="王")
    MemberAccount.objects.create(organization=org_a.org, member=org_a.member, user=org_a.users[MEMBER],
                                 created_by=org_a.users["coordinator"])
    for module in APP_ROUTE_MODULES:
        module.setup(org_a)
    _in_chinese(org_a)
    return org_a


def _in_chinese(tenant: SimpleNamespace) -> None:
    """The few example records the route modules name in English, renamed."""
    from peerpath.api.models import ApiToken
    from peerpath.exports.models import ResearchProject
    from peerpath.outcomes.models import FidelityReview

    ApiToken.objects.filter(organization=tenant.org).update(name="月報腳本")
    ResearchProject.objects.filter(organization=tenant.org).update(name="就業復元追蹤研究")
    FidelityReview.objects.filter(organization=tenant.org).update(reviewers="外部：2 位 IPS 訓練員")


def _report_pages(path: str) -> list[str]:
    """One route serves every programme report (``reports/<slug>/``): each is a
    page of its own, so each is visited."""
    from peerpath.outcomes.registry import reports

    example = "/reports/programme/"
    assert path == example, f"the report route moved: {path}"
    return [f"/reports/{slug}/" for slug in reports()]


def reachable(tenant: SimpleNamespace) -> list[Page]:
    """(role, route, path) for every GET the matrix expects to answer 200."""
    pages = []
    for name, route in all_routes():
        expected = MATRIX.get(name, {})  # an unclassified route fails the matrix test
        path = path_for(name, route, tenant)
        paths = _report_pages(path) if name == "report_page" else [path]
        for role in VISITORS:
            if expected.get(role, MEMBER_DEFAULT) == 200:
                pages += [Page(role, name, p) for p in paths]
    return pages


def client_of(role: str, tenant: SimpleNamespace) -> Client:
    from conftest import verified_client

    client = Client() if role == ANON else verified_client(tenant.users[role])
    client.raise_request_exception = False  # a broken page is reported with the others
    return client


def html_pages(tenant: SimpleNamespace) -> tuple[list[tuple[Page, str]], list[tuple[Page, int]]]:
    """The reachable pages that are HTML documents (not SVG charts, PDFs, CSV or
    JSON), each with its HTML as the server rendered it; and the pages that did
    not answer 200 although the matrix says they should, with their status."""
    clients: dict[str, Client] = {}
    found: list[tuple[Page, str]] = []
    broken: list[tuple[Page, int]] = []
    for page in reachable(tenant):
        client = clients.setdefault(page.role, client_of(page.role, tenant))
        response = client.get(page.path)
        if response.status_code != 200:
            broken.append((page, response.status_code))
        elif response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            found.append((page, response.content.decode()))
    return found, broken
