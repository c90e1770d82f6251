"""Every page each role can reach, in Chromium, on a desktop and on a phone.

The pages come from the route × role matrix (``tests/pages.py``): each route a
role may GET, filled with one example object per route pattern (and every
programme report), in Traditional Chinese. Each page is loaded once per role at
1280×800, checked, resized to 390×844 and checked again. A page fails on

* horizontal overflow: ``document.documentElement.scrollWidth > innerWidth``;
* any console error or uncaught exception while it loads (a refused script or
  style, a failed request, a broken script);
* any axe-core violation of WCAG 2.0/2.1 level A or AA.

axe-core is vendored (``vendor/axe-core``, MPL-2.0; version and origin in its
README) and run by ``page.evaluate``. That goes through the DevTools protocol,
which the page's Content-Security-Policy does not govern, so the site keeps its
real policy (``script-src 'self'``, no inline script): a ``<script>`` tag
(``page.add_script_tag``) would be refused by it, and ``bypass_csp=True`` on the
context would switch the policy off for the site's own scripts as well and hide
the very console errors this test looks for.

A second test does the same with the demo association loaded (20 members with
years of history), for the pages that grow with the records: dashboards, the
caseload, lists and a few members' own pages, where overflow shows with real
volumes.

Pages answering with something other than HTML (an SVG chart, a PDF, a CSV, JSON)
are left out; downloads are refused by the browser context.

Runs in one browser, with one context per role reused for all its pages.
Every role's every page is checked for overflow and console errors; axe (the
slow part) runs on each path once, for the first role that reaches it, and on
the first page of every role (its navigation), which keeps the crawl to a few
minutes. HTML fragments that HTMX fetches into a page (no ``<html>``) are left out.
``PEERPATH_CRAWL_ONLY=<regular expression>`` limits the crawl to the paths it
matches (to check one page while fixing it). Known failures on pages other engineers are changing are listed in ``KNOWN``
(each a page, a check and a rule), to be removed as they are fixed; a listed
failure that no longer happens fails the test too, so the list only shrinks.
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

from tests.browser.conftest import TIMEOUT_MS
from tests.pages import ANON, MEMBER, build_tenant, client_of, reachable
from tests.test_route_matrix import MATRIX, MEMBER_DEFAULT, all_routes

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
VIEWPORTS = {"1280×800": {"width": 1280, "height": 800}, "390×844": {"width": 390, "height": 844}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""
OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= innerWidth) return null;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
    .slice(-3).map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ")[0] : ""));
  return {width: doc.scrollWidth, widest: wide};
}"""

# (path, check, rule) of failures known today on pages being changed by others.
# "check" is "axe" (rule = axe rule id), "overflow" (rule = viewport), "console"
# (rule = "error") or "status" (rule = the HTTP status the page answered).
KNOWN: set[tuple[str, str, str]] = set()
KNOWN_DEMO: set[tuple[str, str, str]] = set()
DEMO_ORG = "dawn-demo"  # the main organisation of the demo association


def _context(chromium: Browser, base_url: str, role: str, tenant) -> BrowserContext:
    context = chromium.new_context(
        base_url=base_url, locale="zh-TW", timezone_id="Asia/Taipei",
        viewport=VIEWPORTS["1280×800"], accept_downloads=False,
    )
    context.set_default_timeout(TIMEOUT_MS)
    if role != ANON:
        client = client_of(role, tenant)  # signed in, second factor passed
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url,
        }])
    return context


def _check(page: Page, where: str, axe: bool) -> list[tuple[str, str, str]]:
    """Overflow (and axe violations, if asked) of the page as it is laid out now."""
    found = []
    overflow = page.evaluate(OVERFLOW)
    if overflow:
        found.append(("overflow", where, f"{overflow['width']} px wide; widest: {', '.join(overflow['widest'])}"))
    for violation in page.evaluate(RUN_AXE, AXE_TAGS) if axe else []:
        found.append(("axe", violation["id"], f"at {where}: {'; '.join(violation['targets'])}"))
    return found


def crawl(chromium: Browser, base_url: str, tenant, pages_by_role: dict[str, list[str]],
          failures: dict[tuple[str, str, str], str]) -> int:
    """Visit the pages of each role (signed in as ``tenant.users[role]``), add what
    fails to ``failures`` (keyed by path, check and rule); the pages visited."""
    visited = 0
    axe_checked: set[str] = set()  # paths axe has seen (for one role)
    roles_checked: set[str] = set()  # roles whose navigation axe has seen
    for role, paths in pages_by_role.items():
        context = _context(chromium, base_url, role, tenant)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: _console(m, errors))
        page.on("pageerror", lambda e, errors=errors: errors.append(f"uncaught: {e}"))
        for path in paths:
            errors.clear()
            page.set_viewport_size(VIEWPORTS["1280×800"])
            try:
                response = page.goto(path, wait_until="load")
            except Error as exc:
                if "Download is starting" in str(exc):
                    continue  # a file, not a page
                raise
            if response is None or response.status != 200:
                status = str(response.status if response else None)
                failures[(path, "status", status)] = f"{path} ({role}) answered {status}, not 200"
                continue
            is_html = (response.headers.get("content-type") or "").startswith("text/html")
            if not is_html or "<html" not in response.text()[:500].lower():
                # A chart, a file, or a fragment HTMX fetches into a page (checked as
                # part of it). Opened on its own it has no icon link, so the browser
                # asks for /favicon.ico: let that settle before the next page.
                page.wait_for_load_state("networkidle")
                continue
            visited += 1
            axe = path not in axe_checked or role not in roles_checked
            axe_checked.add(path)
            roles_checked.add(role)
            if axe:
                page.evaluate(AXE_SOURCE)
            found = _check(page, "1280×800", axe)
            page.set_viewport_size(VIEWPORTS["390×844"])
            found += _check(page, "390×844", axe)
            found += [("console", "error", e) for e in errors]
            for check, rule, detail in found:
                failures.setdefault((path, check, rule), f"{path} ({role}) {check} {rule}: {detail}")
        context.close()
    return visited


def _assert_no_failures(failures: dict[tuple[str, str, str], str], known: set[tuple[str, str, str]],
                        partial: bool) -> None:
    unexpected = [text for key, text in sorted(failures.items()) if key not in known]
    assert not unexpected, f"{len(unexpected)} problems:\n" + "\n".join(unexpected)
    fixed = sorted(known - set(failures))
    assert not fixed or partial, f"fixed since listed, remove from KNOWN: {fixed}"


def test_every_page_fits_the_screen_logs_no_error_and_passes_axe(chromium, live_server, org_a):
    tenant = build_tenant(org_a)
    started = time.monotonic()
    pages_by_role: dict[str, list[str]] = {}
    only = re.compile(os.environ.get("PEERPATH_CRAWL_ONLY", ""))  # e.g. "^/api/docs/" while fixing a page
    for page_ in reachable(tenant):
        if only.search(page_.path):
            pages_by_role.setdefault(page_.role, []).append(page_.path)

    failures: dict[tuple[str, str, str], str] = {}
    visited = crawl(chromium, live_server.url, tenant, pages_by_role, failures)
    print(f"visited {visited} pages in {time.monotonic() - started:.0f} s")
    assert visited > 100 or only.pattern, f"the crawl reached only {visited} pages"
    _assert_no_failures(failures, KNOWN, partial=bool(only.pattern))


# The demo association's users by role, and how many of its members' pages to visit.
DEMO_USERS = {"professional": "ot", "coordinator": "coordinator", "peer_leader": "peerleader", MEMBER: "member"}
DEMO_MEMBERS = 4


def test_the_demo_association_fits_the_screen_with_real_volumes(chromium, live_server, settings):
    """The pages that grow with the records (dashboards, caseload, lists, a member's
    pages), filled with the demo association (20 members with years of history)
    instead of one example of each: each route of the matrix that takes no
    parameter, or only a member code (then for the members with the longest
    history), once each, by the first of the demo's professional, coordinator,
    peer leader and member who may open it (the dashboard by each of them)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from peerpath.members.models import Member

    settings.DEBUG = True  # the demo loads on development machines only
    call_command("demo", "--size", "20", stdout=io.StringIO())
    settings.DEBUG = False
    started = time.monotonic()
    users = {role: get_user_model().objects.get(username=name) for role, name in DEMO_USERS.items()}
    demo = SimpleNamespace(users=users)
    codes = list(Member.objects.filter(organization__slug=DEMO_ORG).order_by("enrolment_date")
                 .values_list("code", flat=True)[:DEMO_MEMBERS])
    pages_by_role: dict[str, list[str]] = {}
    for name, route in all_routes():
        if route.endswith(("pdf/", ".pdf")):
            continue  # a file (the first crawl checks that it answers)
        if "<" in route and route.count("<") == route.count("<str:code>"):
            paths = ["/" + route.replace("<str:code>", code) for code in codes]
        elif "<" not in route:
            paths = ["/" + route]
        else:
            continue
        roles = [r for r in users if MATRIX.get(name, {}).get(r, MEMBER_DEFAULT) == 200]
        # Once, by the first role that reaches it; every role's own dashboard.
        for role in roles if name == "dashboard" else roles[:1]:
            pages_by_role.setdefault(role, []).extend(paths)

    failures: dict[tuple[str, str, str], str] = {}
    visited = crawl(chromium, live_server.url, demo, pages_by_role, failures)
    print(f"visited {visited} demo pages in {time.monotonic() - started:.0f} s")
    assert visited > 30, f"the demo crawl reached only {visited} pages"
    _assert_no_failures(failures, KNOWN_DEMO, partial=False)


def _console(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(f"console: {message.text}")
