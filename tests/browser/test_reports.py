"""End to end, in Chromium: a coordinator opens the IPS quarterly outcomes from the
Reports menu, picks a quarter, reads the share against the benchmarks, then
downloads the PDF and finds the same figures in it (small cells hidden there)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from peerpath.employment.tests.conftest import make_job
from peerpath.outcomes.forms import ReportFilterForm
from peerpath.outcomes.tests.helpers import pdf_text
from tests.browser.test_member_flow import coordinator, label, sign_in_first_time, tr  # noqa: F401 (fixture)
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def programme(coordinator):  # noqa: F811 (the fixture imported above)
    """Ten members enrolled in 2025; five of them in a competitive job through 2026Q3."""
    org, staff = coordinator.organization, coordinator.user
    members = [MemberFactory(organization=org, code=f"M{i:04d}", enrolment_date=dt.date(2025, 3, 1))
               for i in range(1, 11)]
    for member in members[:5]:
        job = make_job(member, staff, start=10)
        job.start_date = dt.date(2026, 6, 1)
        job.save()
    return members


def test_coordinator_reads_the_quarterly_outcome_and_downloads_its_pdf(browser_page: Page, programme) -> None:
    page = browser_page
    sign_in_first_time(page, "coordinator_e2e")

    page.get_by_role("navigation").get_by_role("link", name=tr("Reports"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Reports"))
    page.get_by_role("link", name=tr("IPS quarterly outcomes"), exact=True).click()

    # The filters fold into one row above the results; opened, a typed period that
    # cannot be read is named, and nothing is shown.
    page.locator("details.report-filters > summary").click()
    period = page.get_by_label(label(ReportFilterForm, "period"))
    period.fill("2026Q5")
    page.get_by_role("button", name=tr("Show"), exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("2026Q5")

    # The quarter is picked from the list (the typed text cleared).
    period.fill("")
    page.get_by_label(label(ReportFilterForm, "quarter")).select_option("2026Q3")
    page.get_by_role("button", name=tr("Show"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports/ips_quarterly/\?quarter=2026Q3"))
    expect(page.locator("details.report-filters > summary")).to_contain_text("2026Q3")
    row = page.locator("table tr").filter(has_text="2026Q3").first
    expect(row).to_contain_text("10")
    expect(row).to_contain_text("50.0%")
    expect(page.locator("figure svg").first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=tr("Download PDF"), exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "peerpath-ips_quarterly-2026Q3.pdf"
    text = pdf_text(open(download.path(), "rb").read())
    assert tr("IPS quarterly outcomes") in text
    assert "2026Q3" in text and "50.0%" in text
