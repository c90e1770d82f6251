"""End to end, in Chromium on a phone (390×844) and a desk (1280×800): the safety path.

A member answers PHQ-9 item 9 above 0 by link and in the portal, in both
languages, and sees at once that the answer was seen, by when the team will call,
and the organisation's crisis lines as tap-to-call links; at the group kiosk the
same answer shows only a discreet "please speak with a facilitator" screen; a
professional records the follow-up and it leaves the caseload; an overdue
follow-up reaches the coordinator.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from peerpath.measures import actions as measure_actions
from peerpath.measures.models import PlanRule
from peerpath.portal.models import MemberAccount
from peerpath.safety import actions as safety_actions
from peerpath.safety.models import SafetyFollowUp
from tests.browser.test_member_flow import PASSWORD, sign_in_first_time, tr
from tests.factories import (
    CareTeamFactory,
    MemberFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

NEARLY_EVERY_DAY = {"zh-hant": "幾乎每天", "en": "Nearly every day"}
NOT_AT_ALL = {"zh-hant": "完全沒有", "en": "Not at all"}
SEND = {"zh-hant": "送出我的回答", "en": "Send my answers"}


def _context(chromium: Browser, live_server, width: int, height: int):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, is_mobile=width < 500,
        has_touch=width < 500, locale="zh-TW", timezone_id="Asia/Taipei",
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(chromium: Browser, live_server):
    context = _context(chromium, live_server, 390, 844)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desk(chromium: Browser, live_server):
    context = _context(chromium, live_server, 1280, 800)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def team():
    org = OrganizationFactory(name="康復之路協會", slug="kangfu")
    professional = MembershipFactory(organization=org, role="professional", user__username="ot_safety",
                                     user__last_name="黃", user__first_name="志明")
    coordinator = MembershipFactory(organization=org, role="coordinator", user__username="coord_safety")
    return org, professional, coordinator


def _member(org, professional, coordinator, language: str, code: str = "M0001"):
    member = MemberFactory(organization=org, code=code, name="陳美玲", preferred_language=language,
                           enrolment_date=timezone.localdate() - dt.timedelta(days=300))
    CareTeamFactory(member=member, professional=professional.user, started_on=member.enrolment_date,
                    assigned_by=coordinator.user)
    return member


def _answer_with_risk(page: Page, language: str) -> None:
    for _ in range(8):
        page.get_by_role("button", name=NOT_AT_ALL[language], exact=True).click()
    page.get_by_role("button", name=NEARLY_EVERY_DAY[language], exact=True).click()
    page.get_by_role("button", name=SEND[language]).click()


def _assert_crisis_page(page: Page, language: str, member) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Your answer was seen", language))
    follow_up = SafetyFollowUp.objects.get(member=member)
    due = timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d %H:%M")
    expect(page.locator(".crisis-lead")).to_contain_text(due)
    for number in ("1925", "1995", "1980"):
        link = page.locator(f'a[href="tel:{number}"]')
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44  # a large target to tap
    # The crisis block comes first: above the thank-you line.
    crisis_top = page.locator(".crisis").bounding_box()["y"]
    assert crisis_top < 200
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_a_member_answering_by_link_sees_the_crisis_page(phone, transactional_db, team, language):
    org, professional, coordinator = team
    member = _member(org, professional, coordinator, language)
    _administration, token = measure_actions.create_link(professional, member, "phq9", reason="periodic")
    phone.goto(f"/r/{token}/")
    _answer_with_risk(phone, language)
    _assert_crisis_page(phone, language, member)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_a_member_answering_in_the_portal_sees_the_crisis_page_and_it_stays_on_their_home(
    phone, transactional_db, team, language
):
    org, professional, coordinator = team
    member = _member(org, professional, coordinator, language)
    PlanRule.objects.create(organization=org, instrument_id="phq9", trigger="intake")
    user = UserFactory(username="member_m0001")
    MemberAccount.objects.create(organization=org, member=member, user=user, created_by=coordinator.user)
    phone.goto("/account/login/")
    phone.locator("input[name=username]").fill("member_m0001")
    phone.locator("input[name=password]").fill(PASSWORD)
    phone.locator("form button.primary[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/me/$"))
    phone.locator("button.answer").first.click()
    _answer_with_risk(phone, language)
    _assert_crisis_page(phone, language, member)
    # The safety plan is one tap away once the team has written one; the message
    # stays on the portal home until the follow-up is recorded.
    phone.goto("/me/")
    expect(phone.locator(".portal-safety")).to_be_visible()
    phone.locator(".portal-safety a.button").first.click()
    expect(phone.locator('a[href="tel:1925"]')).to_be_visible()
    safety_actions.record_contact(professional, SafetyFollowUp.objects.get(member=member),
                                  contacted_at=timezone.now(), method="phone", outcome="safe",
                                  next_attempt_at=None, plan="reviewed", note="")
    phone.goto("/me/")
    expect(phone.locator(".portal-safety")).to_have_count(0)


def test_at_the_kiosk_the_member_sees_only_a_discreet_screen(chromium, live_server, transactional_db, team):
    from peerpath.groups.models import PeerGroup, RosterEntry

    org, professional, coordinator = team
    leader = MembershipFactory(organization=org, role="peer_leader", user__username="leader_safety")
    member = _member(org, professional, coordinator, "zh-hant")
    group = PeerGroup.objects.create(organization=org, name="職場續航團體", kind="job_retention",
                                     peer_leader=leader.user, started_on=timezone.localdate() - dt.timedelta(days=90))
    RosterEntry.objects.create(organization=org, group=group, member=member,
                               joined_on=timezone.localdate() - dt.timedelta(days=80))
    PlanRule.objects.create(organization=org, instrument_id="phq9", trigger="group_session")
    from peerpath.groups import actions as group_actions
    from peerpath.groups.actions import SessionInput

    session = group_actions.record_session(leader, group, SessionInput(
        date=timezone.localdate(), theme="", facilitators=[leader.user], attendance={member.pk: "present"},
        observations=[], feedback=[], incidents=[],
    ))
    context = _context(chromium, live_server, 390, 844)
    tablet = context.new_page()
    sign_in_first_time(tablet, "leader_safety")
    tablet.goto(f"/groups/{group.pk}/sessions/{session.pk}/")
    tablet.locator(f"form[action$='/sessions/{session.pk}/kiosk/'] button").click()
    expect(tablet).to_have_url(re.compile(r"/kiosk/$"))
    tablet.locator(f"form[action='/kiosk/{member.code}/'] button").click()
    _answer_with_risk(tablet, "zh-hant")
    expect(tablet.locator(".kiosk-call")).to_be_visible()
    expect(tablet.locator(".kiosk-call")).to_contain_text(tr("Please speak with a facilitator now. They know you are coming."))
    body = tablet.locator("body").inner_text()
    assert "1925" not in body and member.name not in body and "PHQ" not in body
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_professional_records_the_follow_up_and_it_leaves_the_caseload(desk, transactional_db, team):
    org, professional, coordinator = team
    member = _member(org, professional, coordinator, "zh-hant")
    measure_actions.record_paper_form(professional, member, "phq9", answers={str(i): 1 for i in range(1, 10)},
                                      taken_on=timezone.localdate(), reason="periodic")
    sign_in_first_time(desk, "ot_safety")
    desk.goto("/caseload/")
    panel = desk.locator(".safety-urgent")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(member.code)
    panel.get_by_role("link", name=tr("Record follow-up")).first.click()
    desk.get_by_label(tr("Reached: safe, safety plan reviewed")).check()
    desk.locator("select[name=plan]").select_option("reviewed")
    desk.locator("form button.primary[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/caseload/"))
    expect(desk.locator(".safety-urgent")).to_have_count(0)
    assert SafetyFollowUp.objects.get(member=member).state == "closed"
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1280


def test_an_overdue_follow_up_reaches_the_coordinator(desk, transactional_db, team):
    org, professional, coordinator = team
    member = _member(org, professional, coordinator, "zh-hant")
    measure_actions.record_paper_form(professional, member, "phq9", answers={str(i): 1 for i in range(1, 10)},
                                      taken_on=timezone.localdate(), reason="periodic")
    SafetyFollowUp.objects.filter(member=member).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert safety_actions.escalate_overdue() == 1
    sign_in_first_time(desk, "coord_safety")
    panel = desk.locator(".safety-urgent")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(member.code)
    expect(panel.locator("strong.overdue").first).to_be_visible()
