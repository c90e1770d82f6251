"""The helping network: metrics of small graphs checked by hand, the isolation
window, and the picture."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.pathway.network import (
    Contact,
    analyse,
    isolated_member_ids,
    layout,
    network_for,
    window_start,
)
from peerpath.pathway.network_svg import network_svg

# -- hand-checked graphs (no database) -------------------------------------------


def contact(a: int, b: int, count: int = 1, minutes: int = 30) -> Contact:
    return Contact(helper=a, helped=b, count=count, minutes=minutes)


def node(report, code: str):
    return next(n for n in report.nodes if n.code == code)


def test_a_star():
    # C helps three members. n = 4, m = 3: density 2·3 / (4·3) = 0.5.
    # Every pair of leaves (3 pairs) passes through C: betweenness 3 / ((4-1)(4-2)/2) = 1.
    nodes = {1: "C", 2: "L1", 3: "L2", 4: "L3"}
    report = analyse(nodes, [contact(1, 2), contact(1, 3), contact(4, 1)])
    assert report.density == 0.5
    assert [(n.code, n.degree, n.betweenness) for n in report.nodes] == [
        ("C", 3, 1.0), ("L1", 1, 0.0), ("L2", 1, 0.0), ("L3", 1, 0.0),
    ]
    assert report.components == [["C", "L1", "L2", "L3"]]
    assert report.isolates == []


def test_a_path():
    # a – b – c – d: n = 4, m = 3, density 0.5. b lies on the shortest paths a–c and
    # a–d: 2 / 3 = 0.6667; c likewise (b–d, a–d); the ends on none.
    nodes = {1: "a", 2: "b", 3: "c", 4: "d"}
    report = analyse(nodes, [contact(1, 2), contact(3, 2), contact(3, 4)])
    assert report.density == 0.5
    assert [(n.code, n.degree, n.betweenness) for n in report.nodes] == [
        ("a", 1, 0.0), ("b", 2, 0.6667), ("c", 2, 0.6667), ("d", 1, 0.0),
    ]


def test_two_components_and_an_isolated_member():
    # a – b, a triangle c – d – e, and f alone: n = 6, m = 4, density 8 / 30 = 0.2667.
    # In a triangle no one lies between the others: betweenness 0 everywhere.
    nodes = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e", 6: "f"}
    report = analyse(nodes, [contact(1, 2), contact(3, 4), contact(4, 5), contact(5, 3)],
                     recently_tied={1, 2})
    assert report.density == 0.2667
    assert report.components == [["c", "d", "e"], ["a", "b"], ["f"]]
    assert report.isolates == ["f"]
    assert all(n.betweenness == 0 for n in report.nodes)
    assert report.at_risk == ["c", "d", "e", "f"]


def test_help_both_ways_is_one_tie_and_minutes_are_kept_per_direction():
    nodes = {1: "a", 2: "b"}
    report = analyse(nodes, [contact(1, 2, count=2, minutes=90), contact(2, 1, count=1, minutes=20)])
    [tie] = report.ties
    assert (tie.contacts, tie.minutes, tie.mentoring) == (3, 110, False)
    assert (node(report, "a").minutes_given, node(report, "a").minutes_received) == (90, 20)
    assert (node(report, "b").minutes_given, node(report, "b").minutes_received) == (20, 90)
    assert report.density == 1.0


def test_a_mentoring_pair_is_a_tie_without_contacts():
    nodes = {1: "a", 2: "b", 3: "c"}
    report = analyse(nodes, [contact(1, 2)], mentoring=[(3, 1), (2, 1)])
    ties = {(nodes[t.a], nodes[t.b]): (t.contacts, t.mentoring) for t in report.ties}
    assert ties == {("a", "b"): (1, True), ("a", "c"): (0, True)}
    assert report.isolates == []


def test_help_to_someone_outside_the_network_counts_as_minutes_but_no_tie():
    report = analyse({1: "a"}, [contact(1, 99, minutes=45)])
    assert report.ties == []
    assert node(report, "a").minutes_given == 45
    assert report.density == 0.0
    assert report.isolates == ["a"]


def test_without_a_window_no_one_is_at_risk():
    report = analyse({1: "a", 2: "b"}, [])
    assert report.at_risk == []


def test_the_layout_is_the_same_every_time_and_inside_the_unit_square():
    nodes = {i: f"M{i:04d}" for i in range(1, 9)}
    report = analyse(nodes, [contact(1, i) for i in range(2, 6)] + [contact(6, 7)])
    first = layout(nodes, report.ties)
    assert first == layout(dict(reversed(list(nodes.items()))), report.ties)
    assert set(first) == set(nodes)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in first.values())


def test_the_picture_shows_codes_only_and_needs_no_css():
    nodes = {1: "M0001", 2: "M0002", 3: "M0003"}
    report = analyse(nodes, [contact(1, 2)], mentoring=[(3, 1)], recently_tied={1, 2})
    report.positions = layout(nodes, report.ties)
    svg = network_svg(report, "Network <test>", "three members")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "style" not in svg
    assert "<title" in svg and "Network &lt;test&gt;" in svg
    assert all(code in svg for code in nodes.values())
    assert svg.count('class="member at-risk"') == 1  # M0003: a square
    assert svg.count('class="member"') == 2
    assert 'stroke-dasharray' in svg  # the mentoring pair without a contact
    assert svg == network_svg(report, "Network <test>", "three members")


# -- from the database -----------------------------------------------------------


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def test_the_isolation_window_includes_today_and_the_first_day():
    today = dt.date(2026, 3, 31)
    assert window_start(today, 60) == dt.date(2026, 1, 31)  # 1 + 28 (February) + 31 (March) = 60 days
    assert window_start(today, 1) == today


@pytest.fixture
def members(org_a):
    from tests.factories import MemberFactory

    return [org_a.member] + [MemberFactory(organization=org_a.org, code=f"A{i:04d}") for i in range(2, 6)]


def log(org_a, helper, helped, day: dt.date, minutes: int = 30):
    from peerpath.pathway.models import HelpingContact

    return HelpingContact.objects.create(organization=org_a.org, helper=helper, helped=helped, kind="phone",
                                         minutes=minutes, date=day, logged_by=org_a.users["peer_leader"])


def test_isolated_members_have_no_contact_either_way_in_the_window(org_a, members, django_assert_num_queries):
    a1, a2, a3, a4, a5 = members
    log(org_a, a1, a2, days_ago(59))  # the window's first day: both tied
    log(org_a, a3, a4, days_ago(60))  # one day too early
    log(org_a, a5, a3, days_ago(0))  # today: a5 gave, a3 received
    with django_assert_num_queries(2):
        isolated = isolated_member_ids(org_a.org.pk, timezone.localdate(), 60)
    assert isolated == {a4.pk}


def test_inactive_members_are_never_flagged(org_a, members):
    members[3].status = "inactive"
    members[3].save()
    assert members[3].pk not in isolated_member_ids(org_a.org.pk, timezone.localdate(), 60)


def test_another_organisations_contacts_do_not_count(org_a, org_b, members):
    from tests.factories import MemberFactory

    b2 = MemberFactory(organization=org_b.org, code="B0002")
    log(org_b, org_b.member, b2, days_ago(1))
    assert isolated_member_ids(org_a.org.pk, timezone.localdate(), 60) == {m.pk for m in members}


def test_the_network_of_a_period(org_a, members, django_assert_num_queries):
    from tests.factories import CareTeamFactory

    a1, a2, a3, a4, a5 = members
    log(org_a, a1, a2, days_ago(10), minutes=60)
    log(org_a, a2, a1, days_ago(20), minutes=30)
    log(org_a, a1, a3, days_ago(200))  # before the period
    CareTeamFactory(member=a4, role="peer_mentor", professional=None, mentor=a1, started_on=days_ago(300),
                    assigned_by=org_a.users["coordinator"])
    with django_assert_num_queries(4):
        report = network_for(org_a.org.pk, days_ago(90), timezone.localdate(), timezone.localdate(), 60)
    ties = {(t.a, t.b): (t.contacts, t.minutes, t.mentoring) for t in report.ties}
    assert ties == {(a1.pk, a2.pk): (2, 90, False), (a1.pk, a4.pk): (0, 0, True)}
    assert node(report, "A0001").minutes_given == 60 and node(report, "A0001").minutes_received == 30
    assert report.isolates == ["A0003", "A0005"]
    assert report.at_risk == ["A0003", "A0004", "A0005"]
    assert set(report.positions) == {m.pk for m in members}
