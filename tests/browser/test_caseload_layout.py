"""The caseload fits a screen: 15 members within two screens at 1280×800, one or
two lines a member, a sticky header, a header on every column, a keyboard menu
of actions, and no page wider than a 390 px phone."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.alerts.compute import compute_alerts
from peerpath.employment import actions as employment
from tests.browser.test_member_flow import nav_link, sign_in_first_time, tr
from tests.factories import CareTeamFactory, MemberFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.browser

NAMES = ["陳美玲", "林志豪", "王大同", "張雅婷", "李建宏", "黃淑芬", "吳承恩", "劉怡君", "蔡宗翰", "楊佩珊",
         "許家豪", "鄭雅文", "謝明哲", "郭欣怡", "洪國榮"]


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def fifteen():
    """A professional with 15 members: half working (so alerts with long
    suggestions show), the others never contacted."""
    org = OrganizationFactory(name="康復之路協會", slug="kangfu")
    professional = MembershipFactory(organization=org, role="professional", user__username="ot_layout",
                                     user__last_name="張", user__first_name="雅婷")
    coordinator = MembershipFactory(organization=org, role="coordinator")
    for i, name in enumerate(NAMES, start=1):
        member = MemberFactory(organization=org, code=f"M{i:04d}", name=name, enrolment_date=days_ago(400))
        CareTeamFactory(member=member, professional=professional.user, started_on=member.enrolment_date,
                        assigned_by=coordinator.user)
        if i % 2:
            employment.start_job(
                professional, member, new_employer={"name": f"示範公司{i}", "sector": "retail"}, title="理貨員",
                start_date=days_ago(60 + i), hours_per_week=Decimal("24"), hourly_wage=Decimal("190"),
                in_community=True, open_to_anyone=True, minimum_wage_or_more=True, disclosure="none",
            )
    compute_alerts(org, timezone.localdate())
    return professional


def overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def widest(page: Page) -> list[str]:
    """The elements that reach past the right edge (for the failure message)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")


def test_fifteen_members_fit_two_screens_at_1280_by_800(browser_page: Page, fifteen) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_first_time(page, "ot_layout")
    page.goto("/caseload/")
    rows = page.locator("table.caseload tbody tr")
    expect(rows).to_have_count(15)
    assert page.locator("table.caseload li[class^='alert-']").count() > 0

    # Every column has a header with a visible name.
    headers = page.locator("table.caseload thead th")
    assert all(text.strip() for text in headers.all_inner_texts())
    assert headers.last.inner_text().strip() == tr("Actions")

    # One or two lines a member; the 15th row ends within two screens.
    heights = [box["height"] for box in (rows.nth(i).bounding_box() for i in range(15))]
    line = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('table.caseload td')).lineHeight)"))
    assert max(heights) <= 2 * line + 20, heights
    last = rows.nth(14).bounding_box()
    assert last["y"] + last["height"] <= 2 * 800, last
    assert overflow(page) <= 0

    # The header stays in view while scrolling.
    page.evaluate("window.scrollTo(0, 700)")
    assert abs(page.locator("table.caseload thead th").first.bounding_box()["y"]) < 2

    # The actions menu opens from the keyboard, its links are reachable, Escape closes it.
    menu = rows.first.locator("details.menu")
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu.get_by_role("link", name=tr("Log a contact"), exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu.get_by_role("link", name=tr("Log a contact"), exact=True)).to_be_hidden()
    expect(summary).to_be_focused()

    # An alert is one line; its suggestion shows on demand.
    alert = page.locator("details.alert-line").first
    suggestion = alert.locator("li .muted").first
    expect(suggestion).to_be_hidden()
    alert.locator("summary").click()
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text(re.compile(r"\S"))

    # In English (longer words) the caseload still fits the width.
    page.get_by_role("button", name="English", exact=True).click()
    page.goto("/caseload/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Caseload", "en"))
    assert overflow(page) <= 0, widest(page)


def test_on_a_phone_the_caseload_and_the_dashboard_fit_the_width(browser_page: Page, fifteen) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_first_time(page, "ot_layout")
    assert overflow(page) <= 0  # the dashboard, with its alert suggestions
    # The grouped main menu opens on a phone and fits it.
    link = nav_link(page, "Caseload")
    expect(link).to_be_visible()
    assert overflow(page) <= 0
    link.click()
    expect(page.locator("table.caseload tbody tr")).to_have_count(15)
    page.locator("details.alert-line summary").first.click()
    assert overflow(page) <= 0, widest(page)
    menu = page.locator("table.caseload details.menu").first
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name=tr("Log a contact"), exact=True)).to_be_visible()
    assert overflow(page) <= 0

    # A member page with open alerts and their suggestions fits too.
    page.goto("/members/M0001/")
    assert page.locator("body").inner_text()
    assert overflow(page) <= 0, widest(page)
