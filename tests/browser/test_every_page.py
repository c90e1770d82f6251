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

import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

from tests.browser.conftest import TIMEOUT_MS
from tests.pages import ANON, build_tenant, client_of, reachable

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


def test_every_page_fits_the_screen_logs_no_error_and_passes_axe(chromium, live_server, org_a):
    tenant = build_tenant(org_a)
    started = time.monotonic()
    pages_by_role: dict[str, list[str]] = {}
    only = re.compile(os.environ.get("PEERPATH_CRAWL_ONLY", ""))  # e.g. "^/api/docs/" while fixing a page
    for page_ in reachable(tenant):
        if not only.search(page_.path):
            continue
        pages_by_role.setdefault(page_.role, []).append(page_.path)

    failures: dict[tuple[str, str, str], str] = {}
    visited = 0
    axe_checked: set[str] = set()  # paths axe has seen (for one role)
    roles_checked: set[str] = set()  # roles whose navigation axe has seen
    for role, paths in pages_by_role.items():
        context = _context(chromium, live_server.url, role, tenant)
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
                key = (path, check, rule)
                failures.setdefault(key, f"{path} ({role}) {check} {rule}: {detail}")
        context.close()

    elapsed = time.monotonic() - started
    print(f"visited {visited} pages in {elapsed:.0f} s")
    assert visited > 100 or only.pattern, f"the crawl reached only {visited} pages"
    unexpected = [text for key, text in sorted(failures.items()) if key not in KNOWN]
    fixed = sorted(KNOWN - set(failures))
    assert not unexpected, f"{len(unexpected)} problems:\n" + "\n".join(unexpected)
    assert not fixed or only.pattern, f"fixed since listed, remove from KNOWN: {fixed}"


def _console(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(f"console: {message.text}")
