"""The documentation page in a real browser: Swagger UI renders the schema under
the site's Content-Security-Policy, and "Try it out" calls the API with a token.

Run with ``make test-browser`` (``pytest -m browser``), as the other browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, expect, sync_playwright

from peerpath.api.actions import create_token

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PEERPATH_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def page(live_server) -> Iterator[Page]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}: under CI=true the browser tests must run")
        pytest.skip(f"no Chromium at {CHROMIUM} (set PEERPATH_CHROMIUM); CI=true makes this fail")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_the_docs_page_works_under_the_strict_csp_and_tries_the_api_with_a_token(page, org_a, live_server, settings):
    settings.PEERPATH_REQUIRE_2FA = False
    client = Client()
    client.force_login(org_a.users["coordinator"])
    page.context.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    _token, secret = create_token(org_a.staff["coordinator"], name="docs")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Peerpath API")
    members = page.locator("#operations-members-members_list")
    expect(members).to_be_visible()

    page.get_by_role("button", name="Authorize").first.click()
    page.locator(".modal-ux input[type=text]").fill(secret)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    members.locator(".opblock-summary").click()
    members.get_by_role("button", name="Try it out").click()
    members.get_by_role("button", name="Execute").click()
    expect(members.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(members.locator(".live-responses-table")).to_contain_text("A0001")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
