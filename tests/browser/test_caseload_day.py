"""End to end, in Chromium: a professional's day from the caseload page.

They see the alerts of their caseload, log a workplace visit and watch its alert
clear, record a job start and then its ending, see the cross-track alert the
ending raises a week on without contact, and clear it with a follow-up call.
Alerts follow the records as each write commits (peerpath/alerts/triggers.py).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.alerts.compute import compute_alerts
from peerpath.alerts.models import Alert
from peerpath.employment import actions as employment
from peerpath.employment.forms import JobEndingForm, JobForm, SupportContactForm
from tests.browser.test_member_flow import label, nav_link, option, sign_in_first_time, tr
from tests.factories import CareTeamFactory, MemberFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.browser


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def caseload():
    org = OrganizationFactory(name="康復之路協會", slug="kangfu")
    professional = MembershipFactory(
        organization=org, role="professional",
        user__username="specialist_day", user__last_name="張", user__first_name="雅婷",
    )
    coordinator = MembershipFactory(organization=org, role="coordinator")
    working = MemberFactory(organization=org, code="M0001", name="陳美玲", enrolment_date=days_ago(400))
    seeking = MemberFactory(organization=org, code="M0002", name="林志豪", enrolment_date=days_ago(200))
    mentor = MemberFactory(organization=org, code="M0003", name="王大同", enrolment_date=days_ago(900))
    for member in (working, seeking):
        CareTeamFactory(member=member, professional=professional.user, started_on=member.enrolment_date,
                        assigned_by=coordinator.user)
        CareTeamFactory(member=member, role="peer_mentor", professional=None, mentor=mentor,
                        started_on=member.enrolment_date, assigned_by=coordinator.user)
    employment.start_job(
        professional, working, new_employer={"name": "示範超市", "sector": "retail"}, title="理貨員",
        start_date=days_ago(60), hours_per_week=Decimal("24"), hourly_wage=Decimal("190"), in_community=True,
        open_to_anyone=True, minimum_wage_or_more=True, disclosure="none",
    )
    compute_alerts(org, timezone.localdate())
    return professional


def row(page: Page, code: str):
    return page.locator(f"#row-{code}")


def row_action(page: Page, code: str, name: str) -> None:
    """Open the row's actions menu and follow one of its links."""
    row(page, code).locator("details.menu summary").click()
    row(page, code).get_by_role("link", name=tr(name), exact=True).click()


def open_rules(code: str) -> set[str]:
    return set(Alert.objects.filter(member__code=code, state__in=["open", "acknowledged"]).values_list("rule", flat=True))


def test_a_professional_works_the_day_from_the_caseload(browser_page: Page, caseload) -> None:
    page = browser_page
    sign_in_first_time(page, "specialist_day")

    # Morning: the caseload, most urgent first; M0001 works and nobody has been in touch.
    nav_link(page, "Caseload").click()
    expect(page).to_have_url(re.compile(r"/caseload/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Caseload"))
    expect(row(page, "M0001").locator("li.alert-no_contact")).to_have_count(1)
    expect(row(page, "M0001").locator("td.job")).to_contain_text(tr("Working (competitive job)"))
    expect(row(page, "M0002").locator("td.contact")).to_contain_text(tr("No contact yet"))

    # A workplace visit to M0001: logged from the caseload row; the alert clears.
    row_action(page, "M0001", "Log a contact")
    page.get_by_label(label(SupportContactForm, "track")).select_option(**option("Professional track"))
    page.get_by_label(label(SupportContactForm, "kind")).select_option(**option("Job coaching"))
    page.get_by_label(label(SupportContactForm, "place")).select_option(**option("Workplace"))
    page.get_by_label(label(SupportContactForm, "minutes")).fill("45")
    page.get_by_role("button", name=tr("Save"), exact=True).click()
    # Back on the caseload, at the member's row, with the change in it.
    expect(page).to_have_url(re.compile(r"/caseload/\?.*#row-M0001$|/caseload/#row-M0001$"))
    expect(page.get_by_role("status")).to_be_visible()
    expect(row(page, "M0001").locator("li.alert-no_contact")).to_have_count(0)
    expect(row(page, "M0001").locator("td.contact")).to_contain_text(re.compile(r"\b0\b"))
    assert "no_contact" not in open_rules("M0001")

    # M0002 found a job six weeks ago and it ended eight days ago: both recorded now.
    row_action(page, "M0002", "Record a job start")
    page.get_by_label(label(JobForm, "new_employer_name")).fill("示範晨光烘焙坊")
    page.get_by_label(label(JobForm, "new_employer_sector")).select_option(**option("Food service"))
    page.get_by_label(label(JobForm, "title")).fill("包裝助理")
    page.get_by_label(label(JobForm, "start_date")).fill(days_ago(42).isoformat())
    page.get_by_label(label(JobForm, "hours_per_week")).fill("20")
    page.get_by_label(re.compile(re.escape(tr("Hourly wage")))).fill("200")
    for name in ("in_community", "open_to_anyone", "minimum_wage_or_more"):
        page.get_by_label(label(JobForm, name)).check()
    page.get_by_label(label(JobForm, "disclosure")).select_option(**option("Disclosed to one person at work only"))
    page.get_by_role("button", name=tr("Save"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/caseload/.*#row-M0002$"))
    row_action(page, "M0002", "Work")
    page.get_by_role("link", name=tr("Record the ending"), exact=True).click()
    page.get_by_label(label(JobEndingForm, "ended_on")).fill(days_ago(8).isoformat())
    page.get_by_label(label(JobEndingForm, "reason")).select_option(**option("Quit"))
    page.get_by_role("button", name=tr("Save"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(tr("Job ending recorded."))

    # Back on the caseload: the ending, a week on with no contact, prompts both tracks.
    nav_link(page, "Caseload").click()
    ended = row(page, "M0002")
    expect(ended.locator("td.job")).to_contain_text(tr("Not working"))
    expect(ended.locator("li.alert-job_ended")).to_have_count(1)
    assert open_rules("M0002") >= {"job_ended"}
    alert = Alert.objects.get(member__code="M0002", rule="job_ended")
    assert set(alert.audience) == {"professional", "peer_mentor"}

    # A follow-up call clears it.
    row_action(page, "M0002", "Log a contact")
    page.get_by_label(label(SupportContactForm, "track")).select_option(**option("Professional track"))
    page.get_by_label(label(SupportContactForm, "kind")).select_option(**option("Follow-along support"))
    page.get_by_label(label(SupportContactForm, "place")).select_option(**option("Phone"))
    page.get_by_label(label(SupportContactForm, "minutes")).fill("20")
    page.get_by_role("button", name=tr("Save"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/caseload/.*#row-M0002$"))
    expect(row(page, "M0002").locator("li.alert-job_ended")).to_have_count(0)
    assert "job_ended" not in open_rules("M0002")
