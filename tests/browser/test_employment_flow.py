"""End to end, in Chromium: a professional records a job start (with a new
employer typed into the form, and no ending), then the job's ending; both show on
the member's timeline, on the professional track. A rejected ending saves nothing.

Expected texts come from the translation catalogues (``tr``) and the forms'
labels, as in test_member_flow.py; the pages are in Traditional Chinese.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.employment.forms import JobEndingForm, JobForm
from peerpath.employment.models import Employer, Job, JobEnding
from tests.browser.test_member_flow import label, option, region, sign_in_first_time, tr
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def professional():
    org = OrganizationFactory(name="康復之路協會", slug="kangfu")
    membership = MembershipFactory(
        organization=org, role="professional",
        user__username="specialist_e2e", user__last_name="張", user__first_name="雅婷",
    )
    MemberFactory(organization=org, code="M0001", name="陳美玲",
                  enrolment_date=timezone.localdate() - dt.timedelta(days=120))
    return membership


def test_professional_records_a_job_start_then_its_ending(browser_page: Page, professional) -> None:
    page = browser_page
    today = timezone.localdate()
    started = today - dt.timedelta(days=60)
    ended = today - dt.timedelta(days=3)
    sign_in_first_time(page, "specialist_e2e")

    # From the member page's Work panel to the employment record.
    page.goto("/members/M0001/")
    work = region(page, "Work")
    expect(work).to_contain_text(tr("Not working"))
    work.get_by_role("link", name=tr("Employment record"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/members/M0001/employment/$"))

    # Record a job start: a new employer typed in, and no ending.
    page.get_by_role("link", name=tr("Record a job start"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Record a job start"))
    page.get_by_label(label(JobForm, "new_employer_name")).fill("示範晨光烘焙坊")
    page.get_by_label(label(JobForm, "new_employer_sector")).select_option(**option("Food service"))
    page.get_by_label(label(JobForm, "title")).fill("包裝助理")
    page.get_by_label(label(JobForm, "start_date")).fill(started.isoformat())
    page.get_by_label(label(JobForm, "hours_per_week")).fill("20")
    page.get_by_label(re.compile(re.escape(tr("Hourly wage")))).fill("200")
    for name in ("in_community", "open_to_anyone", "minimum_wage_or_more"):
        page.get_by_label(label(JobForm, name)).check()
    page.get_by_label(label(JobForm, "disclosure")).select_option(**option("Disclosed to one person at work only"))
    page.get_by_role("button", name=tr("Save"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/members/M0001/employment/$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Job start recorded."))
    expect(region(page, "Work now")).to_contain_text(tr("Working in a competitive job"))
    job = Job.objects.get()
    assert (job.title, job.employer.name, job.start_date, job.end_date) == ("包裝助理", "示範晨光烘焙坊", started, None)
    assert job.is_competitive and Employer.objects.count() == 1

    # An ending before the start is refused beside its field, and nothing is saved.
    jobs = region(page, "Jobs")
    jobs.get_by_role("link", name=tr("Record the ending"), exact=True).click()
    ended_on = page.get_by_label(label(JobEndingForm, "ended_on"))
    ended_on.fill((started - dt.timedelta(days=1)).isoformat())
    page.get_by_label(label(JobEndingForm, "reason")).select_option(**option("Moved to a better job"))
    page.get_by_role("button", name=tr("Save"), exact=True).click()
    expect(ended_on).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text(tr("Please correct these fields. Nothing was saved."))
    assert not JobEnding.objects.exists()

    # The real ending.
    ended_on.fill(ended.isoformat())
    page.get_by_label(label(JobEndingForm, "planned")).check()
    page.get_by_role("button", name=tr("Save"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/members/M0001/employment/$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Job ending recorded."))
    expect(region(page, "Job endings")).to_contain_text(tr("Moved to a better job"))
    job.refresh_from_db()
    assert job.end_date == ended and job.ending.reason == "better_job" and job.ending.planned

    # Both on the member's timeline, on the professional track.
    page.goto("/members/M0001/")
    timeline = region(page, "Timeline")
    start_entry = timeline.get_by_role("listitem").filter(
        has_text=tr("Job started: %(title)s, %(employer)s", title="包裝助理", employer="示範晨光烘焙坊")
    )
    expect(start_entry).to_have_count(1)
    expect(start_entry.locator("time")).to_have_attribute("datetime", started.isoformat())
    expect(start_entry.locator(".track")).to_have_text(tr("Professional track"))
    end_entry = timeline.get_by_role("listitem").filter(
        has_text=tr("Job ended: %(title)s, %(employer)s (%(reason)s, %(how)s)", title="包裝助理",
                    employer="示範晨光烘焙坊", reason=tr("Moved to a better job"), how=tr("planned"))
    )
    expect(end_entry).to_have_count(1)
    expect(end_entry.locator("time")).to_have_attribute("datetime", ended.isoformat())
    expect(end_entry).to_contain_text("張雅婷")
    expect(region(page, "Work")).to_contain_text(tr("Not working"))
