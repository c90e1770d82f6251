"""The report filters: one collapsible row, the period picked from recent quarters
(any other typed), organisations as checkboxes."""

from __future__ import annotations

import datetime as dt

from peerpath.outcomes.forms import ReportFilterForm
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.registry import get
from tests.factories import MembershipFactory

from .helpers import get_report

TODAY = dt.date(2026, 12, 7)


def form(membership, **data):
    return ReportFilterForm(data, membership=membership, spec=get("programme").spec, today=TODAY)


def test_the_period_is_picked_from_recent_quarters_or_typed(org_a):
    coordinator = org_a.staff["coordinator"]
    picker = form(coordinator).fields["quarter"]
    values = [v for v, _ in picker.choices]
    assert values[:4] == ["", "2026Q4", "2026Q3", "2026Q2"] and "2025" in values
    picked = form(coordinator, quarter="2026Q3")
    assert picked.is_valid() and picked.cleaned_data["period"] == parse_period("2026Q3")
    typed = form(coordinator, quarter="2026Q3", period="2026-07..2026-08")
    assert typed.is_valid() and typed.cleaned_data["period"] == parse_period("2026-07..2026-08")
    wrong = form(coordinator, period="last summer")
    assert not wrong.is_valid() and "period" in wrong.errors


def test_several_organisations_are_checkboxes(org_a, org_b):
    coordinator = org_a.staff["coordinator"]
    MembershipFactory(user=coordinator.user, organization=org_b.org, role="coordinator")
    html = str(form(coordinator)["organizations"])
    assert html.count('type="checkbox"') == 2


def test_the_filters_fold_into_one_row_above_the_results(client_for, org_a):
    html = get_report(client_for("coordinator"), "programme", quarter="2026Q3").content.decode()
    assert '<details class="report-filters">' in html  # folded once there are results
    assert "Filters: <strong>2026Q3</strong>" in html
    assert html.index('class="report-filters"') < html.index('class="report"')
    first = get_report(client_for("coordinator"), "programme", period="not a period").content.decode()
    assert '<details class="report-filters" open>' in first  # errors keep it open
