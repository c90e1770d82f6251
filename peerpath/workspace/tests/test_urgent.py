"""Urgent panels that domain apps register come first on the caseload and the dashboard."""

from __future__ import annotations

import pytest

from peerpath.workspace import urgent
from peerpath.workspace.urgent import UrgentPanel
from tests.factories import CareTeamFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dummy_panel(monkeypatch):
    """A registered urgent panel that remembers what it was asked for."""
    monkeypatch.setattr(urgent, "_functions", [])
    calls: list[tuple[str, list[int] | None]] = []

    @urgent.register
    def follow_ups(membership, member_ids):
        calls.append((membership.role, member_ids))
        if membership.role == "researcher":
            return None
        items = [{"url": "/members/A0001/", "text": "A0001 needs a call", "detail": "due 10:00"}]
        return UrgentPanel(template="workspace/_urgent_panel.html", title="Safety follow-ups due",
                           context={"items": items}, order=1, member_ids=frozenset(member_ids or []))

    return calls


def test_the_caseload_shows_registered_panels_above_everything_for_the_members_it_shows(client_for, org_a,
                                                                                         dummy_panel):
    member = MemberFactory(organization=org_a.org, code="A0101")
    CareTeamFactory(member=member, professional=org_a.users["professional"], assigned_by=org_a.users["coordinator"])
    page = client_for("professional").get("/caseload/").content.decode()
    assert dummy_panel == [("professional", [member.pk])]
    assert "Safety follow-ups due" in page and "A0001 needs a call" in page and "due 10:00" in page
    assert page.index("Safety follow-ups due") < page.index('<table class="list caseload')
    assert 'id="row-A0101" class="urgent' in page  # the row the panel is about is marked


def test_the_dashboard_shows_them_first_for_everything_the_viewer_acts_on(client_for, dummy_panel):
    page = client_for("coordinator").get("/dashboard/").content.decode()
    assert dummy_panel == [("coordinator", None)]
    assert page.index("Safety follow-ups due") < page.index('id="h-alerts"')


def test_a_panel_that_returns_nothing_shows_nothing(client_for, dummy_panel):
    page = client_for("researcher").get("/dashboard/").content.decode()
    assert "Safety follow-ups due" not in page


def test_panels_are_ordered_by_their_order(monkeypatch, org_a):
    monkeypatch.setattr(urgent, "_functions", [])
    urgent.register(lambda m, ids: UrgentPanel(template="t", title="later", order=50))
    urgent.register(lambda m, ids: UrgentPanel(template="t", title="first", order=5))
    assert [p.title for p in urgent.build_urgent(org_a.staff["coordinator"], None)] == ["first", "later"]
