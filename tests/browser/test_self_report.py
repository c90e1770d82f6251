"""A member answers a questionnaire by link on a phone (390×844), in either language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from peerpath.measures import actions
from peerpath.measures.models import Administration, StoredScore
from tests.factories import MemberFactory, MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(chromium: Browser, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        locale="zh-TW", timezone_id="Asia/Taipei",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize(
    "language,first_item,first_option,send,thanks",
    [
        ("zh-hant", "做事時提不起勁或沒有樂趣", "完全沒有", "送出我的回答", "謝謝您"),
        ("en", "Little interest or pleasure in doing things", "Not at all", "Send my answers", "Thank you"),
    ],
)
def test_a_member_answers_phq9_on_a_phone_one_question_per_screen(
    phone, transactional_db, language, first_item, first_option, send, thanks
):
    staff = MembershipFactory(role="professional")
    member = MemberFactory(organization=staff.organization, preferred_language=language)
    administration, token = actions.create_link(staff, member, "phq9", reason="periodic")
    page = phone
    page.goto(f"/r/{token}/")
    expect(page.get_by_role("group", name=first_item)).to_be_visible()
    # Large targets: every answer button is at least 44 px high and nearly full width.
    first = page.get_by_role("button", name=first_option, exact=True)
    box = first.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300
    first.click()
    # Interrupted after the first answer: the same link resumes at question 2.
    page.goto(f"/r/{token}/")
    expect(page.locator(".progress-note")).to_contain_text("2")
    for _ in range(8):
        page.get_by_role("button", name=first_option, exact=True).click()
    page.get_by_role("button", name=send).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(thanks)
    administration.refresh_from_db()
    assert administration.status == "completed" and len(administration.answers) == 9
    assert StoredScore.objects.get(administration=administration, score_id="total").value == 0
    # The page fits the phone: nothing wider than the screen.
    page.goto(f"/r/{token}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # "already sent"
    assert Administration.objects.get(pk=administration.pk).answers == administration.answers
