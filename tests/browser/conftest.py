"""Fixtures for the end-to-end tests: one headless Debian Chromium per session,
a fresh browser context (cookies, language) per test, and a live server.

Run with ``make test-browser`` (``pytest -m browser``). The browser is the
system one (/usr/bin/chromium, override with PEERPATH_CHROMIUM); Playwright
never downloads one here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = os.environ.get("PEERPATH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the whole session.

    Playwright's sync API runs an asyncio loop in this thread, which makes Django
    refuse ORM calls from test code ("SynchronousOnlyOperation"). The tests and
    the live server never run the ORM concurrently from that loop, so allow it,
    but only while the browser runs (not in the rest of the suite)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}: under CI=true the browser tests must run")
        pytest.skip(f"no Chromium at {CHROMIUM} (set PEERPATH_CHROMIUM); CI=true makes this fail")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _chinese_by_default(settings):
    """The root conftest makes English the default for the unit tests; the
    browser tests use the product's default, Traditional Chinese."""
    settings.LANGUAGE_CODE = "zh-hant"


@pytest.fixture
def browser_page(chromium: Browser, live_server) -> Iterator[Page]:
    """A page in a fresh context (no cookies) of a browser set to Taiwanese Chinese."""
    context: BrowserContext = chromium.new_context(
        base_url=live_server.url,
        locale="zh-TW",
        timezone_id="Asia/Taipei",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
