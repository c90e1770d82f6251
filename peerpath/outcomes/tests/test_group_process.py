"""The group-process report on a hand-counted programme: two groups over 2025Q1 and
2025Q2 (sessions, attendance, rosters, coded incidents, GCQ-S answers)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from peerpath.groups.models import (
    Attendance,
    CriticalIncident,
    IncidentCoding,
    PeerGroup,
    RosterEntry,
    Session,
)
from peerpath.measures.library import instrument
from peerpath.measures.models import Administration, StoredScore
from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.reports import group_process
from peerpath.outcomes.scope import ReportScope
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from tests.factories import ConsentFactory, MemberFactory

D = dt.date
PERIOD = "2025Q1..2025Q2"


def make_group(org, user, name: str, code_set: str = "yalom") -> PeerGroup:
    return PeerGroup.objects.create(organization=org, name=name, kind="job_retention", started_on=D(2024, 6, 1),
                                    code_set=code_set, peer_leader=user)


def on_roster(group, member, joined: dt.date, left: dt.date | None = None) -> None:
    RosterEntry.objects.create(organization=group.organization, group=group, member=member, joined_on=joined,
                               left_on=left)


def session(group, day: dt.date, user, statuses: dict) -> Session:
    s = Session.objects.create(organization=group.organization, group=group, date=day, recorded_by=user)
    for member, status in statuses.items():
        Attendance.objects.create(organization=group.organization, session=s, member=member, status=status)
    return s


def incident(s: Session, member, user, *codings: tuple[str, list[str]]) -> None:
    inc = CriticalIncident.objects.create(organization=s.organization, session=s, member=member, text="（測試）",
                                          recorded_by=user)
    for rank, (code_set, factors) in enumerate(codings, start=1):
        IncidentCoding.objects.create(organization=s.organization, incident=inc, coder=user, rank=rank,
                                      code_set=code_set, factors=factors, coded_at=timezone.now())


def gcqs(member, day: dt.date, **scores: float) -> None:
    inst = instrument("gcqs")
    admin = Administration.objects.create(organization=member.organization, member=member, instrument_id="gcqs",
                                          instrument_version=inst.version, mode="kiosk", status="completed",
                                          taken_on=day)
    for score_id, value in scores.items():
        StoredScore.objects.create(organization=member.organization, administration=admin, member=member,
                                   instrument_id="gcqs", score_id=score_id, value=value, n_answered=12,
                                   taken_on=day, definition_version=inst.version, computed_at=timezone.now())


@pytest.fixture
def programme(org_a, org_b) -> SimpleNamespace:
    org, user = org_a.org, org_a.users["peer_leader"]
    m = {i: MemberFactory(organization=org, enrolment_date=D(2024, 1, 1)) for i in range(1, 10)}
    g1 = make_group(org, user, "週三職場續航團體")
    g2 = make_group(org, user, "週五同儕支持團體")
    # Group 1: m1–m5 from December; m5 leaves in Q1; m6 joins in Q1; m4 and m3 leave in Q2.
    for i in (1, 2):
        on_roster(g1, m[i], D(2024, 12, 1))
    on_roster(g1, m[3], D(2024, 12, 1), D(2025, 6, 1))
    on_roster(g1, m[4], D(2024, 12, 1), D(2025, 5, 10))
    on_roster(g1, m[5], D(2024, 12, 1), D(2025, 2, 15))
    on_roster(g1, m[6], D(2025, 2, 1))
    # Group 2: m7–m9 and m1, nobody leaves.
    for i in (7, 8, 9, 1):
        on_roster(g2, m[i], D(2024, 11, 1))
    # Sessions and attendance.
    session(g1, D(2024, 12, 20), user, {m[1]: "absent"})  # before the period
    s1 = session(g1, D(2025, 1, 8), user, {m[1]: "present", m[2]: "late", m[3]: "absent", m[4]: "excused",
                                           m[5]: "present"})
    s2 = session(g1, D(2025, 2, 5), user, {m[1]: "present", m[2]: "absent", m[3]: "present", m[6]: "present"})
    s3 = session(g1, D(2025, 4, 9), user, {m[1]: "present", m[2]: "present", m[6]: "absent"})
    s4 = session(g2, D(2025, 1, 10), user, {m[7]: "present", m[8]: "present", m[9]: "absent", m[1]: "present"})
    # Critical incidents (first coder counted, second ignored).
    incident(s1, m[1], user, ("yalom", ["hope", "altruism"]), ("yalom", ["hope"]))
    incident(s1, m[2], user, ("yalom", ["altruism"]))
    incident(s2, m[3], user, ("yalom", ["cohesiveness"]))
    incident(s4, m[7], user, ("yalom", ["hope", "cohesiveness"]))
    incident(s3, m[1], user, ("yalom", ["hope"]))
    incident(s4, m[8], user)  # not coded
    incident(s4, m[9], user, ("bloch_crouch", ["interpersonal_action", "acceptance"]))
    # Group climate.
    gcqs(m[1], D(2025, 1, 8), engaged=4.0, avoiding=1.0, conflict=0.5)
    gcqs(m[2], D(2025, 1, 8), engaged=5.0, avoiding=2.0, conflict=1.5)
    gcqs(m[7], D(2025, 1, 10), engaged=3.0)
    gcqs(m[1], D(2025, 4, 9), engaged=2.0)
    # Another organisation's group is not counted.
    other = make_group(org_b.org, org_b.users["peer_leader"], "其他團體")
    b = MemberFactory(organization=org_b.org, enrolment_date=D(2024, 1, 1))
    on_roster(other, b, D(2024, 12, 1))
    session(other, D(2025, 1, 8), org_b.users["peer_leader"], {b: "present"})
    return SimpleNamespace(org=org, m=m, g1=g1, g2=g2)


def scope_of(org, *, research_only: bool = False, suppress: bool = False, group=None) -> ReportScope:
    return ReportScope(organizations=(org,), period=parse_period(PERIOD), today=D(2026, 1, 15),
                       suppression=Suppression(suppress or research_only, 5), research_only=research_only,
                       group=group, language="en")


def values(cells) -> list:
    return [None if c.value is None else round(c.value, 4) for c in cells]


def test_sessions_held_per_group_and_quarter(programme):
    r = group_process.build(scope_of(programme.org))
    assert r["quarters"] == ["2025Q1", "2025Q2"]
    assert [g["label"] for g in r["groups"]] == ["週三職場續航團體", "週五同儕支持團體"]
    assert values(r["groups"][0]["sessions"]) == [2, 1]
    assert values(r["groups"][1]["sessions"]) == [1, 0]
    assert values(r["total"]["sessions"]) == [3, 1]


def test_attendance_rate_counts_attended_over_expected(programme):
    r = group_process.build(scope_of(programme.org))
    # Group 1, Q1: attended 3 + 3 of expected 4 + 4 (the excused absence is not expected); Q2: 2 of 3.
    assert values(r["groups"][0]["attendance"]) == [0.75, round(2 / 3, 4)]
    assert r["groups"][0]["attendance"][0].n == 5  # members expected: m1, m2, m3, m5, m6
    assert values(r["groups"][1]["attendance"]) == [0.75, None]
    # All groups, Q1: 9 of 12.
    assert values(r["total"]["attendance"]) == [0.75, round(2 / 3, 4)]
    assert r["total"]["attendance"][0].n == 8


def test_mean_of_the_members_own_rates_weighs_each_member_the_same(programme):
    r = group_process.build(scope_of(programme.org))
    # By hand, group 1 in Q1 (sessions of 8 January and 5 February): m1 2 of 2, m2 1 of 2
    # (late counts), m3 1 of 2, m4 excused (not expected: no rate), m5 1 of 1, m6 1 of 1.
    # Pooled: 6 / 8 = 0.75. Mean of the members' rates: (1 + 0.5 + 0.5 + 1 + 1) / 5 = 0.8.
    assert values(r["groups"][0]["attendance"])[0] == 0.75
    assert values(r["groups"][0]["attendance_mean"])[0] == 0.8
    assert r["groups"][0]["attendance_mean"][0].n == 5
    # Q2 (9 April): m1 and m2 present, m6 absent: 2 / 3 both ways.
    assert values(r["groups"][0]["attendance_mean"])[1] == round(2 / 3, 4)
    # All groups, Q1: m1's own rate is over both groups (2 of 2 and 1 of 1: 3 of 3 = 1);
    # m7, m8 1; m9 0; with group 1's m2, m3 0.5 and m5, m6 1: 6 / 8 members = 0.75
    # (pooled: 9 of 12 = 0.75).
    assert values(r["total"]["attendance_mean"]) == [0.75, round(2 / 3, 4)]
    assert r["total"]["attendance_mean"][0].n == 8


def test_member_rates_pool_a_members_rows_before_averaging():
    # one member at 1 of 3 in one group and 3 of 3 in another: own rate 4/6; another 1 of 1
    rows = [(1, 1, 3), (1, 3, 3), (2, 1, 1), (3, 0, 0)]  # member 3 only excused: no rate
    assert group_process.member_rates(rows) == (5, 7, 2, pytest.approx((4 / 6 + 1) / 2))


def test_retention_is_the_share_still_on_the_roster_at_the_quarters_end(programme):
    r = group_process.build(scope_of(programme.org))
    # Group 1: Q1 m1–m5 at the start, m5 left → 4/5; Q2 m1–m4 and m6, m3 and m4 left → 3/5.
    assert values(r["groups"][0]["retention"]) == [0.8, 0.6]
    assert values(r["groups"][1]["retention"]) == [1.0, 1.0]
    assert values(r["total"]["retention"]) == [round(8 / 9, 4), round(7 / 9, 4)]


def test_factor_profile_counts_first_codings_per_code_set(programme):
    r = group_process.build(scope_of(programme.org))
    profiles = {p["name"]: p for p in r["profiles"]}
    yalom = next(p for name, p in profiles.items() if "Yalom" in name)
    shares = {f["name"]: (f["period"].value, values(f["quarters"])) for f in yalom["factors"]}
    assert yalom["incidents"].value == 5
    assert values(yalom["quarter_incidents"]) == [4, 1]
    hope = next(v for k, v in shares.items() if "hope" in k.lower())
    altruism = next(v for k, v in shares.items() if "altruism" in k.lower())
    assert hope == (pytest.approx(3 / 5), [0.5, 1.0])
    assert altruism == (pytest.approx(2 / 5), [0.5, 0.0])
    bloch = next(p for name, p in profiles.items() if "Bloch" in name)
    assert bloch["incidents"].value == 1
    named = {f["name"]: f["period"].value for f in bloch["factors"] if f["period"].value}
    assert sorted(named.values()) == [1.0, 1.0] and len(named) == 2  # interpersonal_action and acceptance


def test_climate_is_the_mean_per_quarter_and_subscale(programme):
    r = group_process.build(scope_of(programme.org))
    by_label = {s["label"]: values(s["quarters"]) for s in r["climate"]["subscales"]}
    assert by_label["Engaged"] == [4.0, 2.0]
    assert by_label["Avoiding"] == [1.5, None]


def test_one_group_only_when_a_group_is_chosen(programme):
    r = group_process.build(scope_of(programme.org, group=programme.g1))
    assert [g["label"] for g in r["groups"]] == ["週三職場續航團體"]
    assert values(r["total"]["attendance"]) == [0.75, round(2 / 3, 4)]
    # Climate: answers of members who attended this group's session that day (m7 was at group 2).
    engaged = next(s for s in r["climate"]["subscales"] if s["label"] == "Engaged")
    assert values(engaged["quarters"]) == [4.5, 2.0]
    yalom = next(p for p in r["profiles"] if "Yalom" in p["name"])
    assert yalom["incidents"].value == 4


def test_all_groups_retention_is_built_from_members_not_roster_places(programme):
    for i in (1, 2, 7, 8):
        ConsentFactory(member=programme.m[i], kind="research")
    r = group_process.build(scope_of(programme.org, research_only=True))
    # Q1 start: group 1 has m1, m2; group 2 has m7, m8, m1: 5 places but 4 members, all still there
    q1 = r["total"]["retention"][0]
    assert q1.value == 1.0 and q1.n == 4 and q1.hidden
    staff = group_process.build(scope_of(programme.org))["total"]["retention"][0]
    assert staff.n == 8 and staff.value == pytest.approx(8 / 9)  # m1–m9 on 9 places


def test_researchers_see_numbered_groups_and_hidden_small_cells(programme):
    for i in (1, 2, 3, 5, 6, 7, 8):
        ConsentFactory(member=programme.m[i], kind="research")
    r = group_process.build(scope_of(programme.org, research_only=True))
    assert [g["label"] for g in r["groups"]] == ["Group 1", "Group 2"]
    # Group 1, Q1 attendance: m1, m2, m3, m5, m6 consented (5 members) → shown; Q2: 3 members → hidden.
    assert r["groups"][0]["attendance"][0].value == pytest.approx(0.75)
    assert not r["groups"][0]["attendance"][0].hidden
    assert r["groups"][0]["attendance"][1].hidden
    assert not r["groups"][0]["attendance_mean"][0].hidden and r["groups"][0]["attendance_mean"][1].hidden
    # Group 2: m9 gave no consent: Q1 attendance of m7, m8, m1 → 3 of 3, from 3 members → hidden.
    assert r["groups"][1]["attendance"][0].hidden and r["groups"][1]["attendance"][0].value == 1.0


def test_researcher_page_does_not_name_the_groups(programme, client_for):
    for i in range(1, 10):
        ConsentFactory(member=programme.m[i], kind="research")
    response = get_report(client_for("researcher"), "group_process", period=PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    report = html[html.index('<div class="report">'):]
    assert "Group 1" in report and "Group 2" in report
    assert "週三職場續航團體" not in html and "週五同儕支持團體" not in html
    assert "&lt; 5" in html


def test_coordinator_page_names_the_groups(programme, client_for):
    html = get_report(client_for("coordinator"), "group_process", period=PERIOD).content.decode()
    assert "週三職場續航團體" in html and "80.0%" in html and "66.7%" in html
    # both attendance figures, each saying what it is
    assert "Attendance rate (pooled)" in html and "Mean of the members' own attendance rates" in html


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pdf_contains_the_figures(programme, client_for, language):
    response = get_report(client_for("coordinator"), "group_process", pdf=True, language=language, period=PERIOD)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "2025Q1" in text and "週三職場續航團體" in text
    assert "75.0%" in text  # all groups' attendance in Q1 (8 members)
    assert "< 5" in text  # e.g. group 1's retention in Q1: one member left
    assert ("植入希望" if language == "zh-hant" else "Instillation of hope") in text  # factor names


def test_query_count_is_fixed_whatever_the_data_size(programme, org_a, django_assert_num_queries):
    with django_assert_num_queries(7):
        group_process.build(scope_of(programme.org, research_only=True))
    user = org_a.users["peer_leader"]
    more = [MemberFactory(organization=programme.org, enrolment_date=D(2024, 1, 1)) for _ in range(6)]
    g3 = make_group(programme.org, user, "第三團體")
    for m in more:
        on_roster(g3, m, D(2024, 12, 1))
        ConsentFactory(member=m, kind="research")
    for day in (D(2025, 1, 15), D(2025, 3, 15), D(2025, 5, 15)):
        s = session(g3, day, user, dict.fromkeys(more, "present"))
        for m in more:
            incident(s, m, user, ("yalom", ["universality"]))
            gcqs(m, day, engaged=3.0, avoiding=1.0, conflict=1.0)
    with django_assert_num_queries(7):
        r = group_process.build(scope_of(programme.org, research_only=True))
    assert values(r["groups"][2]["attendance"]) == [1.0, 1.0]
