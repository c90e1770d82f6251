"""The member's progress on a phone: charts drawn for a phone's width with text of
12 px or more, and no empty band label for scores without bands."""

from __future__ import annotations

import re

from django.utils import timezone

from peerpath.measures import actions as measure_actions
from peerpath.portal.tests.test_portal import open_account


def test_the_progress_chart_is_drawn_for_a_phone_with_text_of_12_px_or_more(org_a, client_for):
    today = timezone.localdate()
    measure_actions.record_paper_form(org_a.staff["professional"], org_a.member, "phq9",
                                      answers={str(i): 2 for i in range(1, 10)}, taken_on=today, reason="periodic")
    _, member = open_account(org_a, client_for)
    svg = member.get("/me/progress/phq9/total.svg").content.decode()
    assert 'viewBox="0 0 360 340"' in svg
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)(?:px)?"', svg)]
    assert sizes and min(sizes) >= 12
    page = member.get("/me/progress/").content.decode()
    assert 'width="360" height="340"' in page


def test_a_score_without_bands_shows_no_band_column(org_a, client_for):
    today = timezone.localdate()
    measure_actions.record_paper_form(org_a.staff["professional"], org_a.member, "gses",
                                      answers={str(i): 2 for i in range(1, 11)}, taken_on=today, reason="periodic")
    _, member = open_account(org_a, client_for)
    page = member.get("/me/progress/").content.decode()
    assert "Band" not in page
