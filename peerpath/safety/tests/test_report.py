"""The report figure of the safety path: safety answers in the period, the share
followed up within the due time, the median hours to follow-up; small cells
hidden for researchers and in exports, and none can be worked out."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peerpath.measures import actions as measure_actions
from peerpath.outcomes import registry
from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.scope import ReportScope
from peerpath.safety import actions
from peerpath.safety.models import SafetyFollowUp
from tests.factories import MemberFactory


def _answers(org_a, n: int) -> list[SafetyFollowUp]:
    opened = []
    for i in range(n):
        member = MemberFactory(organization=org_a.org, code=f"S{i:03d}")
        measure_actions.record_paper_form(org_a.staff["professional"], member, "phq9",
                                          answers={str(k): 1 for k in range(1, 10)},
                                          taken_on=timezone.localdate(), reason="ad_hoc")
        follow_up = SafetyFollowUp.objects.get(member=member)
        start = timezone.now() - dt.timedelta(hours=40)
        SafetyFollowUp.objects.filter(pk=follow_up.pk).update(opened_at=start, first_due_at=start + dt.timedelta(
            hours=24), due_at=start + dt.timedelta(hours=24))
        follow_up.refresh_from_db()
        opened.append(follow_up)
    return opened


def _build(org_a, suppressed: bool):
    scope = ReportScope(organizations=(org_a.org,), period=parse_period(str(timezone.localdate().year)),
                        today=timezone.localdate(), suppression=Suppression(suppressed, 5))
    return registry.get("safety").build(scope), scope


def test_the_figures_count_follow_ups_within_due_and_the_median_hours(org_a):
    follow_ups = _answers(org_a, 8)
    for i, f in enumerate(follow_ups[:6]):
        hours = 3 if i < 4 else 30  # four in time, two late; two still open
        actions.record_contact(org_a.staff["professional"], f, contacted_at=f.opened_at + dt.timedelta(hours=hours),
                               method="phone", outcome="referred" if i == 5 else "safe", next_attempt_at=None,
                               plan="", note="")
    data, _scope = _build(org_a, suppressed=False)
    assert (data["opened"].value, data["closed"].value, data["open"].value) == (8, 6, 2)
    assert (data["safe"].value, data["referred"].value) == (5, 1)
    assert data["share_within"].value == 4 / 8
    assert data["median_hours"].value == 3.0  # 3, 3, 3, 3, 30, 30
    assert data["members"].value == 8


def test_small_counts_are_hidden_and_cannot_be_worked_out(org_a):
    follow_ups = _answers(org_a, 7)
    actions.record_contact(org_a.staff["professional"], follow_ups[0], contacted_at=follow_ups[0].opened_at
                           + dt.timedelta(hours=2), method="phone", outcome="referred", next_attempt_at=None,
                           plan="", note="")
    data, scope = _build(org_a, suppressed=True)
    assert data["opened"].value == 7 and not data["opened"].hidden
    assert data["closed"].hidden and data["referred"].hidden
    assert data["open"].hidden  # 6 = 7 − 1: shown, it would give the one followed up away
    assert data["median_hours"].hidden and data["share_within"].hidden
    assert scope.disclosure.audit() == []


def test_the_report_page_shows_the_figures(org_a, client_for):
    _answers(org_a, 6)
    html = client_for("coordinator").get("/reports/safety/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Followed up within the due time" in html
    assert client_for("peer_leader").get("/reports/safety/").status_code == 403
