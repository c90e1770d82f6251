"""End to end, in Chromium: a coordinator's first sign-in (with the real TOTP
set-up), adding a member, recording consent and a recovery stage, switching
language; and a rejected form that saves nothing.

Expected texts are taken from Django's own translation catalogues (``tr``) and
from the forms' labels, so the tests follow wording changes instead of
hard-coding them; the pages are in Traditional Chinese, the product default.
"""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

from peerpath.members.forms import ConsentForm, NewMemberForm, StageForm
from peerpath.members.models import Consent, Member, StageChange
from peerpath.tenancy.auth_views import TokenForm
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.browser

ZH = "zh-hant"
EN = "en"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory


def tr(msgid: str, lang: str = ZH, **params: object) -> str:
    """``msgid`` as the page shows it in ``lang`` (with %-placeholders filled)."""
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


def label(form_class: type, field: str, lang: str = ZH) -> re.Pattern[str]:
    """The accessible name of a form field: its label, with Django's label
    suffix (":" or "：") optional, anchored so "Name" does not match "Preferred name"."""
    with translation.override(lang):
        text = str(form_class.base_fields[field].label)
    return re.compile(rf"^\s*{re.escape(text)}\s*[:：]?\s*$")


def login_label(field: str, lang: str = ZH) -> re.Pattern[str]:
    with translation.override(lang):
        text = str(AuthenticationForm().fields[field].label)
    return re.compile(rf"^\s*{re.escape(text)}\s*[:：]?\s*$")


def option(text: str, lang: str = ZH) -> dict[str, str]:
    return {"label": tr(text, lang)}


def region(page: Page, heading: str, lang: str = ZH) -> Locator:
    """A ``<section aria-labelledby>`` by its heading."""
    return page.get_by_role("region", name=tr(heading, lang), exact=True)


def nav_link(page: Page, msgid: str, lang: str = ZH) -> Locator:
    """A link of the main menu, opening its group first when it sits in one."""
    nav = page.get_by_role("navigation", name=tr("Main", lang))
    name = tr(msgid, lang)
    group = nav.locator("details.nav-group").filter(has=page.locator("a", has_text=re.compile(rf"^{re.escape(name)}$")))
    if group.count() and group.first.get_attribute("open") is None:
        group.first.locator("summary").click()
    return nav.get_by_role("link", name=name, exact=True)


def field_box(page: Page, control: Locator) -> Locator:
    """The ``.field`` wrapper (label, help, errors, control) of one form control."""
    return page.locator(".field").filter(has=control)


def current_totp(base32_key: str) -> str:
    base32_key = base32_key.replace(" ", "")  # shown in groups of four
    key = base64.b32decode(base32_key + "=" * (-len(base32_key) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def sign_in_first_time(page: Page, username: str) -> None:
    """Password, then the authenticator set-up shown at a first sign-in."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/login/$"))  # the site root sends strangers to sign in
    page.get_by_label(login_label("username")).fill(username)
    page.get_by_label(login_label("password")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Sign in"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/account/two-factor/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Two-step sign-in"))
    secret = page.locator("code.secret")
    expect(secret).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))
    page.get_by_label(label(TokenForm, "token")).fill(current_totp(secret.inner_text().strip()))
    page.get_by_role("button", name=tr("Continue"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Dashboard"))


@pytest.fixture
def coordinator():
    org = OrganizationFactory(name="康復之路協會", slug="kangfu")
    membership = MembershipFactory(
        organization=org, role="coordinator",
        user__username="coordinator_e2e", user__last_name="林", user__first_name="美華",
    )
    return membership


def test_coordinator_adds_member_records_consent_and_stage(browser_page: Page, coordinator) -> None:
    page = browser_page
    org = coordinator.organization
    today = timezone.localdate()
    enrolled = today - dt.timedelta(days=30)
    signed = today - dt.timedelta(days=7)

    # First sign-in: password, then the authenticator set-up.
    sign_in_first_time(page, "coordinator_e2e")
    assert TOTPDevice.objects.filter(user=coordinator.user, confirmed=True).count() == 1
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")

    # Members → Add a member.
    nav_link(page, "Members").click()
    expect(page).to_have_url(re.compile(r"/members/$"))
    page.get_by_role("link", name=tr("Add a member"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Add a member"))

    page.get_by_label(label(NewMemberForm, "name")).fill("陳美玲")
    page.get_by_label(label(NewMemberForm, "preferred_name")).fill("美玲")
    page.get_by_label(label(NewMemberForm, "birth_year")).fill("1990")
    page.get_by_label(label(NewMemberForm, "gender")).select_option(**option("Female"))
    page.get_by_label(label(NewMemberForm, "enrolment_date")).fill(enrolled.isoformat())
    page.get_by_label(label(NewMemberForm, "referral_source")).select_option(**option("Psychiatric day ward"))
    page.get_by_label(label(NewMemberForm, "phone")).fill("0912-345-678")
    page.get_by_label(label(NewMemberForm, "national_id")).fill("a123456789")
    page.get_by_label(label(NewMemberForm, "stage")).select_option(**option("Awareness"))
    page.get_by_role("button", name=tr("Save"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/members/M0001/$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Member %(code)s added.", code="M0001"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^\s*陳美玲\s+M0001\s*$"))
    member = Member.objects.get(organization=org)
    assert (member.code, member.name, member.birth_year, member.national_id) == (
        "M0001", "陳美玲", 1990, "A123456789",
    )
    assert member.enrolment_date == enrolled

    # Record a research consent.
    consent_box = region(page, "Consent")
    consent_box.get_by_role("link", name=tr("Record consent"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Record consent"))
    page.get_by_label(label(ConsentForm, "kind")).select_option(**option("Research"))
    page.get_by_label(label(ConsentForm, "version")).fill("2026-R1")
    page.get_by_label(label(ConsentForm, "given_on")).fill(signed.isoformat())
    page.get_by_role("button", name=tr("Save"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/members/M0001/$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Consent recorded."))
    research_row = consent_box.get_by_role("row").filter(
        has=page.get_by_role("cell", name=tr("Research"), exact=True)
    )
    expect(research_row).to_contain_text(
        tr("Yes: version %(v)s, signed %(d)s", v="2026-R1", d=signed.isoformat())
    )
    service_row = consent_box.get_by_role("row").filter(
        has=page.get_by_role("cell", name=tr("Service"), exact=True)
    )
    expect(service_row).to_contain_text(tr("No"))

    timeline = region(page, "Timeline")
    consent_entry = timeline.get_by_role("listitem").filter(
        has_text=tr("Consent given: %(kind)s", kind=tr("Research"))
    )
    expect(consent_entry).to_have_count(1)
    expect(consent_entry).to_contain_text(tr("Form version %(version)s", version="2026-R1"))
    expect(consent_entry.locator("time")).to_have_attribute("datetime", signed.isoformat())
    expect(consent_entry).to_contain_text("林美華")
    assert Consent.objects.filter(member=member, kind="research", version="2026-R1", given_on=signed).exists()

    # Change the recovery stage (Awareness at enrolment → Preparation today).
    profile = region(page, "Profile")
    profile.get_by_role("link", name=tr("Change"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Change recovery stage"))
    page.get_by_label(label(StageForm, "stage")).select_option(**option("Preparation"))
    expect(page.get_by_label(label(StageForm, "changed_on"))).to_have_value(today.isoformat())
    page.get_by_role("button", name=tr("Save"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/members/M0001/$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Recovery stage recorded."))
    expect(profile).to_contain_text(tr("Preparation"))
    newest = timeline.get_by_role("listitem").first
    expect(newest).to_contain_text(tr("Recovery stage: %(stage)s", stage=tr("Preparation")))
    expect(newest.locator("time")).to_have_attribute("datetime", today.isoformat())
    expect(
        timeline.get_by_role("listitem").filter(has_text=tr("Recovery stage: %(stage)s", stage=tr("Awareness")))
    ).to_have_count(1)
    assert list(StageChange.objects.filter(member=member).values_list("stage", flat=True)) == [
        "preparation", "awareness",
    ]

    # Switch to English with the header button, and back.
    zh_timeline_heading = timeline.get_by_role("heading").inner_text()
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/members/M0001/$"))
    expect(page.get_by_role("button", name="中文", exact=True)).to_be_visible()
    timeline_en = region(page, "Timeline", EN)
    expect(timeline_en.get_by_role("heading")).to_have_text("Timeline")
    expect(timeline_en.get_by_role("listitem").first).to_contain_text("Recovery stage: Preparation")
    expect(timeline_en).to_contain_text("Consent given: Research")
    expect(region(page, "Consent", EN).get_by_role("row").filter(has_text="Research")).to_contain_text(
        f"Yes: version 2026-R1, signed {signed.isoformat()}"
    )
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Members")

    page.get_by_role("button", name="中文", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(region(page, "Timeline").get_by_role("heading")).to_have_text(zh_timeline_heading)
    expect(region(page, "Timeline").get_by_role("listitem").first).to_contain_text(
        tr("Recovery stage: %(stage)s", stage=tr("Preparation"))
    )
    # The Chinese page must really be in Chinese, not the English source strings.
    for heading in ("Timeline", "Consent", "Profile", "Care team"):
        assert tr(heading) != heading, f"no Traditional Chinese translation of {heading!r} (peerpath/locale)"


def test_invalid_member_form_shows_errors_by_the_fields_and_saves_nothing(
    browser_page: Page, coordinator
) -> None:
    page = browser_page
    sign_in_first_time(page, "coordinator_e2e")
    page.goto("/members/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Add a member"))

    name = page.get_by_label(label(NewMemberForm, "name"))
    birth_year = page.get_by_label(label(NewMemberForm, "birth_year"))
    national_id = page.get_by_label(label(NewMemberForm, "national_id"))
    name.fill("陳美玲")
    birth_year.fill("1800")
    national_id.fill("A123456788")  # wrong check digit
    page.get_by_label(label(NewMemberForm, "gender")).select_option(**option("Female"))
    page.get_by_label(label(NewMemberForm, "referral_source")).select_option(**option("Self-referral"))
    page.get_by_role("button", name=tr("Save"), exact=True).click()

    # Still the form, with a summary and each error by its own field.
    expect(page).to_have_url(re.compile(r"/members/new/$"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(tr("Please correct these fields. Nothing was saved."))
    expect(summary).to_be_focused()  # keyboard and screen-reader users land on what to correct
    # The summary links to each field in error, and only to those.
    expect(summary.get_by_role("link")).to_have_count(2)
    summary.get_by_role("link").filter(
        has_text=tr("This is not a valid national ID number (check the letter and digits).")
    ).click()
    expect(national_id).to_be_focused()

    this_year = timezone.localdate().year
    year_error = tr("Enter a birth year between %(low)s and %(high)s.", low=this_year - 110, high=this_year - 14)
    id_error = tr("This is not a valid national ID number (check the letter and digits).")

    expect(birth_year).to_have_attribute("aria-invalid", "true")
    expect(birth_year).to_have_value("1800")
    expect(birth_year).to_have_accessible_description(re.compile(re.escape(year_error)))
    expect(field_box(page, birth_year).locator(".errorlist")).to_have_text(year_error)

    expect(national_id).to_have_attribute("aria-invalid", "true")
    expect(national_id).to_have_value("A123456788")
    expect(national_id).to_have_accessible_description(re.compile(re.escape(id_error)))
    expect(field_box(page, national_id).locator(".errorlist")).to_have_text(id_error)

    # The valid field keeps its value and shows no error; only the two bad fields do.
    expect(name).to_have_value("陳美玲")
    expect(field_box(page, name).locator(".errorlist")).to_have_count(0)
    expect(page.locator(".field.has-error")).to_have_count(2)

    assert not Member.objects.filter(organization=coordinator.organization).exists()
