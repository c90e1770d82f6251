"""End to end, in Chromium: a peer leader records a whole group session on one page
(attendance for the roster, norms upheld and challenged, two feedback notes, three
critical incidents) and sees it on the group page; a row with an error names the
row and saves nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpath.groups.models import (
    Attendance,
    CriticalIncident,
    FeedbackNote,
    Norm,
    PeerGroup,
    RosterEntry,
    Session,
)
from tests.browser.test_member_flow import sign_in_first_time, tr
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def group():
    # The live server runs in this process: import matplotlib and statsmodels (seconds
    # on a small machine) before the browser's first group page, as a warm worker would.
    import peerpath.groups.charts  # noqa: F401
    import peerpath.groups.kappa  # noqa: F401

    org = OrganizationFactory(name="康復之路協會", slug="kangfu")
    leader = MembershipFactory(organization=org, role="peer_leader", user__username="peerleader_e2e",
                               user__last_name="王", user__first_name="俊傑")
    professional = MembershipFactory(organization=org, role="professional", user__last_name="黃", user__first_name="志明")
    started = timezone.localdate() - dt.timedelta(days=90)
    group = PeerGroup.objects.create(organization=org, name="職場續航團體", kind="job_retention",
                                     peer_leader=leader.user, co_facilitator=professional.user, started_on=started)
    for i, name in enumerate(["美玲", "志豪", "雅婷", "建宏", "淑芬"], start=1):
        member = MemberFactory(organization=org, code=f"M{i:04d}", preferred_name=name)
        RosterEntry.objects.create(organization=org, group=group, member=member, joined_on=started)
    for text in ("一次一個人說話", "團體裡說的事留在團體裡"):
        Norm.objects.create(organization=org, group=group, text=text, proposed_on=started, agreed_on=started,
                            created_by=leader.user)
    return group


def radio(page: Page, code: str, status: str):
    return page.get_by_role("radio", name=re.compile(rf"^{code}:\s*{re.escape(tr(status))}$"))


def test_a_peer_leader_records_a_whole_session_and_sees_it_on_the_group_page(browser_page: Page, group) -> None:
    page = browser_page
    sign_in_first_time(page, "peerleader_e2e")
    page.goto("/groups/")
    page.get_by_role("link", name="職場續航團體", exact=True).click()
    page.get_by_role("link", name=tr("Record a session"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("Record a session"))

    # Attendance: everyone is preselected present; one late, one absent.
    for code in ("M0001", "M0002", "M0003", "M0004", "M0005"):
        expect(radio(page, code, "Present")).to_be_checked()
    radio(page, "M0003", "Late").check()
    radio(page, "M0005", "Absent").check()

    # Norms: one upheld, one challenged.
    page.get_by_role("group", name="一次一個人說話").get_by_role("radio", name=tr("Upheld")).check()
    challenged = page.get_by_role("group", name="團體裡說的事留在團體裡")
    challenged.get_by_role("radio", name=tr("Challenged")).check()
    challenged.get_by_label(tr("Note")).fill("有人在外面提到別人的事，大家重新討論")

    # Two feedback notes.
    for number, (giver, receiver, note) in enumerate(
        [("M0001 美玲", "M0002 志豪", "你剛剛說到工作時眼睛亮了起來"), ("M0002 志豪", "M0003 雅婷", "謝謝你願意分享")], start=1
    ):
        row = page.get_by_role("group", name=f"{tr('Feedback note')} {number}", exact=True)
        row.get_by_label(tr("Giver")).select_option(label=giver)
        row.get_by_label(tr("Receiver")).select_option(label=receiver)
        row.get_by_label(tr("Feedback")).fill(note)

    # Three critical incidents (the second one dictated).
    incidents = [("M0001 美玲", "原來大家面試前都會緊張"), ("M0003 雅婷", "聽到志豪找到工作，我也有希望"),
                 ("M0004 建宏", "大家為我鼓掌，我覺得這裡是我的地方")]
    for number, (member, text) in enumerate(incidents, start=1):
        row = page.get_by_role("group", name=f"{tr('Critical incident')} {number}", exact=True)
        row.get_by_label(tr("Member")).select_option(label=member)
        row.get_by_label(tr("Most important event")).fill(text)
        if number == 2:
            row.get_by_label(tr("Dictated to a facilitator")).check()

    page.get_by_role("button", name=tr("Save the session"), exact=True).click()

    session = Session.objects.get(group=group)
    expect(page).to_have_url(re.compile(rf"/groups/{group.pk}/sessions/{session.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(tr("Session recorded."))
    assert dict(Attendance.objects.filter(session=session).values_list("member__code", "status")) == {
        "M0001": "present", "M0002": "present", "M0003": "late", "M0004": "present", "M0005": "absent",
    }
    assert sorted(session.norm_observations.values_list("observation", flat=True)) == ["challenged", "upheld"]
    assert FeedbackNote.objects.filter(session=session).count() == 2
    assert list(CriticalIncident.objects.filter(session=session).order_by("pk").values_list("dictated", flat=True)) == [
        False, True, False]
    incidents_box = page.get_by_role("region", name=tr("Critical incidents"))
    for _member, text in incidents:
        expect(incidents_box).to_contain_text(text)

    # The group page lists the session with its attendance and incidents, and the chart.
    page.get_by_role("link", name="職場續航團體", exact=True).click()
    sessions = page.get_by_role("region", name=tr("Sessions"), exact=True)
    row = sessions.get_by_role("row").filter(has_text=session.date.isoformat())
    expect(row).to_contain_text("4 / 5")
    expect(row).to_contain_text("3")
    expect(page.get_by_role("region", name=tr("Attendance over time")).locator("svg")).to_be_visible()
    expect(page.get_by_role("region", name=tr("Therapeutic-factor profile")).locator("svg")).to_be_visible()


def test_a_feedback_row_with_an_error_is_named_and_nothing_is_saved(browser_page: Page, group) -> None:
    page = browser_page
    sign_in_first_time(page, "peerleader_e2e")
    page.goto(f"/groups/{group.pk}/sessions/new/")
    row = page.get_by_role("group", name=f"{tr('Feedback note')} 2", exact=True)
    row.get_by_label(tr("Feedback")).fill("只寫了內容")
    page.get_by_role("button", name=tr("Save the session"), exact=True).click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(f"{tr('Feedback note')} 2: {tr('Giver')}: {tr('choose who gave the feedback')}")
    expect(page.get_by_role("group", name=f"{tr('Feedback note')} 2", exact=True).get_by_label(tr("Feedback"))).to_have_value(
        "只寫了內容")
    assert not Session.objects.exists()
