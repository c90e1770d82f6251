"""The session form at 1280×800 and on a 390×844 phone: the date saved is the date
in the form, a day the group does not meet is warned about, and the save button
stays in reach at the top of the long form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.groups.models import Session
from tests.browser.test_group_session import group  # noqa: F401  (the fixture)
from tests.browser.test_member_flow import sign_in_first_time, tr

pytestmark = pytest.mark.browser


def weekday_ago(weekday: int) -> dt.date:
    day = timezone.localdate() - dt.timedelta(days=1)
    while day.weekday() != weekday:
        day -= dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_the_date_typed_is_the_date_saved_with_the_save_button_in_reach(browser_page: Page, group, size) -> None:  # noqa: F811
    group.schedule = "每週三 19:00–20:30"
    group.save(update_fields=["schedule"])
    page = browser_page
    page.set_viewport_size(size)
    sign_in_first_time(page, "peerleader_e2e")
    page.goto(f"/groups/{group.pk}/sessions/new/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    # The form is taller than the screen, yet its save button is on screen at the top.
    assert page.evaluate("document.documentElement.scrollHeight") > size["height"]
    save = page.get_by_role("button", name=tr("Save the session"), exact=True)
    box = save.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size["height"], box

    # A Friday typed in the box, saved without showing that day's roster: saved as that Friday,
    # with a warning that the group meets on Wednesdays.
    friday = weekday_ago(4)
    page.get_by_label(re.compile(re.escape(tr("Date of the session")))).fill(friday.isoformat())
    expect(page.locator(".form-bar")).to_contain_text(friday.isoformat())  # the bar shows the date to be saved
    save.click()
    expect(page.get_by_role("status")).to_contain_text(tr("Session recorded."))
    expect(page.get_by_role("status")).to_contain_text(friday.isoformat())
    assert Session.objects.get().date == friday


def test_a_peer_leader_records_todays_session_from_the_dashboard_on_a_phone(browser_page: Page, group) -> None:  # noqa: F811
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_first_time(page, "peerleader_e2e")
    mine = page.get_by_role("region", name=tr("My groups"))
    expect(mine).to_contain_text("職場續航團體")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    mine.get_by_role("link", name=tr("Record today's session"), exact=True).click()
    expect(page.get_by_label(re.compile(re.escape(tr("Date of the session"))))).to_have_value(
        timezone.localdate().isoformat())
    page.get_by_role("button", name=tr("Save the session"), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/dashboard/#group-{group.pk}$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Session recorded."))
    expect(mine.get_by_role("link", name=tr("Recorded today"), exact=True)).to_be_visible()
    assert Session.objects.get().date == timezone.localdate()
