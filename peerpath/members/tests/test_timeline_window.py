"""A window of the timeline reads at most a window's rows of each source, and
shows the same entries, in the same order, as the whole timeline read at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from peerpath.members.tests.test_timeline import days_ago, walk
from peerpath.members.timeline import TimelineEntry, Window, _union, build_timeline
from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory, StageChangeFactory

pytestmark = pytest.mark.django_db


def everything(org_a, role: str = "coordinator") -> list[TimelineEntry]:
    """The whole timeline in one read (no window: no source is limited)."""
    return build_timeline(org_a.member, org_a.staff[role])


def group_sessions(org_a, days: list[int]) -> None:
    """The member attended a session of one of two groups on each of these days ago."""
    from peerpath.groups.models import Attendance, PeerGroup, Session

    groups = [PeerGroup.objects.create(organization=org_a.org, name=f"G{n}", started_on=days_ago(900))
              for n in range(2)]
    for n, ago in enumerate(days):
        session = Session.objects.create(organization=org_a.org, group=groups[n % 2], date=days_ago(ago),
                                         recorded_by=org_a.users["peer_leader"])
        Attendance.objects.create(organization=org_a.org, session=session, member=org_a.member, status="present")


def helping(org_a, days: list[int]) -> None:
    """Helping contacts, the member helping another and being helped in turn (the
    branch that matches either side)."""
    from peerpath.pathway.models import HelpingContact

    other = MemberFactory(organization=org_a.org, code="A0002")
    for n, ago in enumerate(days):
        pair = (org_a.member, other) if n % 2 else (other, org_a.member)
        HelpingContact.objects.create(organization=org_a.org, helper=pair[0], helped=pair[1], kind="phone",
                                      minutes=10 + n, date=days_ago(ago), logged_by=org_a.users["peer_leader"])


def interleaved(org_a) -> None:
    """Five sources whose rows interleave day by day (and share days), one of them
    with many more rows than a window."""
    staff = org_a.users["coordinator"]
    for n in range(70):  # the long one: a stage change every other day
        StageChangeFactory(member=org_a.member, changed_on=days_ago(2 * n), recorded_by=staff)
    for n in range(0, 60, 3):
        ConsentFactory(member=org_a.member, given_on=days_ago(2 * n), recorded_by=staff)  # the same days
        CareTeamFactory(member=org_a.member, professional=org_a.users["professional"], started_on=days_ago(n + 1),
                        ended_on=days_ago(n), assigned_by=staff)
    group_sessions(org_a, list(range(1, 90, 4)))
    helping(org_a, list(range(0, 80, 5)))


def test_every_page_of_an_interleaved_history_is_that_part_of_the_whole_timeline(coordinator, org_a):
    interleaved(org_a)
    whole = everything(org_a)
    assert len(whole) > 4 * 25
    assert {e.kind for e in whole[:25]} >= {"stage.changed", "consent.given", "group.session", "pathway.helping"}
    first = coordinator.get("/members/A0001/").context["timeline"]
    assert first == whole[:25]
    entries, pages = walk(coordinator)
    assert entries == whole
    assert pages == -(-len(whole) // 25)


def test_a_source_with_more_rows_than_a_window_fills_it_and_the_rest_follows(coordinator, org_a):
    staff = org_a.users["coordinator"]
    for n in range(60):  # newer than anything else
        StageChangeFactory(member=org_a.member, changed_on=days_ago(n), recorded_by=staff)
    for n in range(10):
        ConsentFactory(member=org_a.member, given_on=days_ago(100 + n), recorded_by=staff)
    whole = everything(org_a)
    first = coordinator.get("/members/A0001/").context["timeline"]
    assert {e.kind for e in first} == {"stage.changed"} and first == whole[:25]
    entries, _ = walk(coordinator)
    assert entries == whole
    assert [e.kind for e in entries[60:70]] == ["consent.given"] * 10


def test_entries_of_the_same_day_and_moment_keep_their_order_across_pages(coordinator, org_a):
    """Ties on the date, and on the time within it: the source's name, then the row,
    decide, as in the whole timeline; pages end inside the tie."""
    from peerpath.members.models import Consent, StageChange

    staff = org_a.users["coordinator"]
    for n in range(30):
        StageChangeFactory(member=org_a.member, changed_on=days_ago(n // 10), recorded_by=staff)
        ConsentFactory(member=org_a.member, given_on=days_ago(n // 10), recorded_by=staff)
    moment = timezone.now() - dt.timedelta(hours=1)
    StageChange.objects.filter(member=org_a.member).update(created_at=moment)
    Consent.objects.filter(member=org_a.member).update(created_at=moment)
    whole = everything(org_a)
    today = [e for e in whole if e.date == days_ago(0)]
    assert [e.kind for e in today] == ["stage.changed"] * 10 + ["consent.given"] * 10
    assert [e.sort_key[2] for e in today[:10]] == sorted((e.sort_key[2] for e in today[:10]), reverse=True)
    entries, pages = walk(coordinator)
    assert entries == whole and pages == 3


def test_a_track_and_a_peer_leader_page_through_the_same_entries_as_the_whole_timeline(client_for, org_a):
    interleaved(org_a)
    from peerpath.members.timeline import timeline_page

    peer, _ = walk(client_for("coordinator"), track="peer")
    assert peer == [e for e in everything(org_a) if e.track == "peer"]
    assert len(peer) > 25
    shown, _ = walk(client_for("peer_leader"))
    assert shown == everything(org_a, "peer_leader")
    page = timeline_page(org_a.member, org_a.staff["peer_leader"], limit=7)
    assert page.entries == everything(org_a, "peer_leader")[:7]


def questionnaires(org_a, days: list[int]) -> None:
    """A completed PHQ-9 on each of these days ago, with its total stored."""
    from peerpath.measures.models import Administration, AdministrationStatus, StoredScore

    for n, ago in enumerate(days):
        administration = Administration.objects.create(
            organization=org_a.org, member=org_a.member, instrument_id="phq9", instrument_version=1, mode="staff",
            status=AdministrationStatus.COMPLETED, taken_on=days_ago(ago), answers={})
        StoredScore.objects.create(
            organization=org_a.org, administration=administration, member=org_a.member, instrument_id="phq9",
            score_id="total", value=n % 27, n_answered=9, band_index=0, taken_on=days_ago(ago),
            definition_version=1, computed_at=timezone.now())


def test_questionnaires_interleaved_with_other_sources_page_as_the_whole_timeline(coordinator, org_a):
    """A limited source whose rows carry subqueries (the score), more than a window
    of it, interleaved and on the same days as other sources."""
    questionnaires(org_a, list(range(0, 120, 2)))
    for n in range(0, 120, 6):
        StageChangeFactory(member=org_a.member, changed_on=days_ago(n), recorded_by=org_a.users["coordinator"])
    group_sessions(org_a, list(range(1, 120, 3)))
    whole = everything(org_a)
    done = [e for e in whole if e.kind == "questionnaire.completed"]
    assert len(done) == 60 and all(e.detail for e in done)  # each with its score
    first = coordinator.get("/members/A0001/").context["timeline"]
    assert first == whole[:25]
    assert {e.kind for e in first} == {"questionnaire.completed", "stage.changed", "group.session"}
    entries, _ = walk(coordinator)
    assert entries == whole


def test_each_limited_source_reads_at_most_a_window_of_its_newest_rows(org_a):
    """Every branch of a source marked ``limited`` (and only those) is limited to the
    window, on each database; the whole timeline is not."""
    from peerpath.members.timeline import _providers

    def sql(window: Window) -> str:
        union = _union(org_a.member, window)
        assert union is not None
        return union.query.get_compiler(connection=connection).as_sql()[0]

    limited = {s.name for provider in _providers for s in provider(org_a.member) if s.limited}
    assert {"questionnaire.completed", "member.updated", "stage.changed"} <= limited
    assert sql(Window()).count("LIMIT 26") == 0
    assert sql(Window(limit=26)).count("LIMIT 26") == len(limited) + 1  # each limited branch, and the union
    assert sql(Window(limit=26, clinical=False)).count("LIMIT 26") == len(limited)  # no questionnaires


def _nodes(plan: dict) -> list[dict]:
    return [plan] + [node for child in plan.get("Plans", []) for node in _nodes(child)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN ANALYZE is PostgreSQL's")
def test_a_questionnaires_score_is_read_only_for_the_rows_a_window_keeps(org_a):
    """Of 60 questionnaires, the first window's query reads the score (two
    subqueries a row) of 26 at most: PostgreSQL runs them after the branch's limit."""
    import json

    questionnaires(org_a, list(range(60)))
    union = _union(org_a.member, Window(limit=26))
    assert union is not None
    sql, params = union.query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        [[plans]] = cursor.fetchall()
    plans = json.loads(plans) if isinstance(plans, str) else plans
    nodes = _nodes(plans[0]["Plan"])
    scores = [n for n in nodes if n.get("Relation Name") == "measures_storedscore"]
    assert scores and all(n["Actual Loops"] <= 26 for n in scores)
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in scores) <= 2 * 26
