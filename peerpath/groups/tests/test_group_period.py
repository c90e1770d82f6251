"""The group page's attendance chart and group climate show the last 12 months up
to the group's latest session (what the page reads follows that period, not the
group's age); the whole history is one link away (``?history=all``), and the
sessions table keeps its latest sessions with their counts whatever their age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.groups import group_page, selectors
from peerpath.groups.models import CriticalIncident, IncidentCoding, Session
from peerpath.groups.profile import quarter_start
from peerpath.groups.tests.test_climate import gcqs, session


@pytest.mark.parametrize(("latest", "recent"), [
    (dt.date(2026, 12, 5), dt.date(2026, 1, 1)),
    (dt.date(2026, 1, 31), dt.date(2025, 2, 1)),
    (dt.date(2026, 11, 1), dt.date(2025, 12, 1)),
])
def test_the_period_is_the_twelve_calendar_months_up_to_the_latest_session(latest, recent):
    shown = group_page.period(latest, dt.date(2020, 5, 6), whole=False)
    assert (shown.since, shown.recent, shown.earlier) == (recent, recent, True)
    whole = group_page.period(latest, dt.date(2020, 5, 6), whole=True)
    assert (whole.since, whole.recent, whole.earlier) == (selectors.EVER, recent, True)
    assert not group_page.period(latest, recent, whole=False).earlier  # nothing before the 12 months
    assert group_page.period(None, None, whole=False) == group_page.Period(selectors.EVER, None, None, False)


@pytest.mark.parametrize(("latest", "since"), [
    (dt.date(2026, 12, 5), dt.date(2025, 1, 1)),
    (dt.date(2026, 1, 31), dt.date(2024, 4, 1)),
    (dt.date(2026, 9, 30), dt.date(2024, 10, 1)),
])
def test_the_codings_read_are_those_of_the_8_quarters_up_to_the_latest_session(latest, since):
    assert group_page.period(latest, None, whole=False).codings_since == since
    assert group_page.period(latest, None, whole=True).codings_since == selectors.EVER


def monthly(tenant, made, months: int) -> list[dt.date]:
    """A session on the 10th of each of the last ``months`` months (everyone present
    but the last member, absent), and each present member's GCQ-S that day."""
    today = timezone.localdate()
    days = []
    for n in range(months):
        m = today.year * 12 + today.month - 1 - n - 1
        day = dt.date(m // 12, m % 12 + 1, 10)
        days.append(day)
        present = made.members[:-1]
        session(tenant, made.group, day, {**{x: "present" for x in present}, made.members[-1]: "absent"})
        for x in present:
            gcqs(x, day, engaged=float(n), avoiding=1.0, conflict=2.0)
    return days  # newest first


def test_the_page_shows_the_last_12_months_and_links_to_the_whole_history(client_for, org_a, group_a):
    days = monthly(org_a, group_a, 20)
    client = client_for("professional")
    url = f"/groups/{group_a.group.pk}/"
    page = client.get(url)
    recent = group_page.period(days[0], days[-1], whole=False).recent
    assert recent is not None
    assert [row[0] for row in page.context["attendance"]["rows"]] == [d.replace(day=1) for d in days if d >= recent]
    assert len(page.context["attendance"]["rows"]) == 12
    assert [day for day, _means, _n in page.context["climate"]["table"]] == [d for d in days if d >= recent]
    html = page.content.decode()
    assert f"<tbody>{group_page.attendance_rows(page.context['attendance']['rows'][:12])}</tbody>" in html
    assert f'href="{url}?history=all"' in html and days[-1].isoformat() in html and recent.isoformat() in html
    # The sessions table: the latest 20 sessions (20 months), each with its counts.
    assert [(s.date, s.attended, s.expected) for s in page.context["sessions"]] == [(d, 3, 4) for d in days]

    whole = client.get(url, {"history": "all"})
    assert whole.status_code == 200
    assert [row[0] for row in whole.context["attendance"]["rows"]] == [d.replace(day=1) for d in days]
    assert [day for day, _means, _n in whole.context["climate"]["table"]] == days[:12]  # the table's 12 latest
    assert len(whole.context["climate"]["svg"]) > len(page.context["climate"]["svg"])  # more points drawn
    assert f'href="{url}"' in whole.content.decode() and f'href="{url}?history=all"' not in whole.content.decode()


def test_a_group_of_less_than_12_months_has_no_link(client_for, org_a, group_a):
    monthly(org_a, group_a, 5)
    page = client_for("professional").get(f"/groups/{group_a.group.pk}/")
    assert len(page.context["attendance"]["rows"]) == 5
    assert "history=all" not in page.content.decode()


def test_a_group_without_sessions_shows_its_page_without_a_period(client_for, group_a):
    page = client_for("coordinator").get(f"/groups/{group_a.group.pk}/")
    assert page.status_code == 200
    assert page.context["sessions"] == [] and page.context["attendance"]["rows"] == []
    assert "history=all" not in page.content.decode()


def test_the_factor_profile_shows_8_quarters_and_the_whole_history_every_quarter(client_for, org_a, group_a):
    days = monthly(org_a, group_a, 30)
    for day in days:
        incident = CriticalIncident.objects.create(organization=org_a.org, session=Session.objects.get(
            group=group_a.group, date=day), member=group_a.members[0], text="有收穫",
            recorded_by=org_a.users["peer_leader"])
        for rank, coder in ((1, "coordinator"), (2, "professional")):
            IncidentCoding.objects.create(organization=org_a.org, incident=incident, rank=rank, code_set="yalom",
                                          coder=org_a.users[coder], factors=["hope"], coded_at=timezone.now())
    client = client_for("professional")
    url = f"/groups/{group_a.group.pk}/"
    page, whole = client.get(url), client.get(url, {"history": "all"})
    quarters = sorted({quarter_start(d) for d in days}, reverse=True)
    assert len(quarters) > 8
    shown = [q.quarter for q in page.context["profile"]["quarters"]]
    assert len(shown) == 8 and shown == [q.quarter for q in whole.context["profile"]["quarters"]]
    assert shown[-1] == f"{quarters[7].year}-Q{(quarters[7].month - 1) // 3 + 1}"
    # The page read the codings of those 8 quarters only.
    since = page.context["period"].codings_since
    assert since == quarters[7]
    assert 0 < len(selectors.codings(group_a.group, since)) < len(selectors.codings(group_a.group))
    assert page.context["profile"]["svg"] == whole.context["profile"]["svg"]  # the latest quarter
    assert [r.period for r in page.context["kappa"]["rows"]] == [r.period for r in whole.context["kappa"]["rows"]]
    assert page.context["kappa"]["last_year"] == whole.context["kappa"]["last_year"]
