"""Queries compiled once per shape (``precompiled``), as ``get_member`` uses them:
each run has its own values (member, organisation), the columns a role may see are
part of the shape, and nothing read is kept (only SQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.members import precompiled, selectors
from peerpath.members.models import Member
from tests.factories import ConsentFactory, MemberFactory


def test_each_organisation_reads_its_own_member_with_the_same_code(org_a, org_b):
    MemberFactory(organization=org_a.org, code="X0001", name="甲")
    MemberFactory(organization=org_b.org, code="X0001", name="乙")
    a = selectors.get_member(org_a.staff["coordinator"], "X0001", cards=True)
    b = selectors.get_member(org_b.staff["coordinator"], "X0001", cards=True)
    assert (a.name, a.organization_id, a.organization) == ("甲", org_a.org.pk, org_a.org)
    assert (b.name, b.organization_id, b.organization) == ("乙", org_b.org.pk, org_b.org)


def test_another_organisations_member_is_not_found(org_a, org_b):
    selectors.get_member(org_a.staff["coordinator"], "A0001", cards=True)
    with pytest.raises(Http404):
        selectors.get_member(org_b.staff["coordinator"], "A0001", cards=True)
    with pytest.raises(Http404):
        selectors.get_member(org_a.staff["coordinator"], "B0001")


def test_the_fields_a_role_may_not_see_stay_unread_whoever_read_first(org_a):
    org_a.member.diagnosis = "思覺失調症"
    org_a.member.save()
    for role in ("peer_leader", "coordinator", "peer_leader"):
        member = selectors.get_member(org_a.staff[role], "A0001", cards=True)
        deferred = member.get_deferred_fields()
        if role == "peer_leader":
            assert {"diagnosis", "clinical_notes", "national_id"} <= deferred
        else:
            assert "diagnosis" not in deferred
            with CaptureQueriesContext(connection) as queries:
                assert member.diagnosis == "思覺失調症"
            assert len(queries) == 0


def test_every_read_sees_the_latest_data(org_a):
    membership = org_a.staff["coordinator"]
    assert selectors.get_member(membership, "A0001", cards=True).name == "王小明A"
    org_a.member.name = "王大明"
    org_a.member.save()
    ConsentFactory(member=org_a.member, kind="service", recorded_by=org_a.users["coordinator"])
    member = selectors.get_member(membership, "A0001", cards=True)
    assert member.name == "王大明"
    assert selectors.consent_cards(member)["service"] is not None


def test_each_read_is_one_query_and_audited(org_a):
    from peerpath.audit.models import AccessLog

    before = AccessLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        selectors.get_member(org_a.staff["coordinator"], "A0001", cards=True)
    reads = [precompiled.statement_sql(q["sql"]) for q in queries]  # a prepared statement's EXECUTE as its SQL
    assert sum(1 for sql in reads if "members_member" in sql and sql.startswith("SELECT")) == 1
    assert AccessLog.objects.count() == before + 1


@pytest.mark.django_db
def test_a_value_that_is_not_a_parameter_makes_the_shape_unusable():
    assert precompiled.sql(("test.unused",), lambda code: Member.objects.all(), {"code": "A0001"}) is None
    found = precompiled.sql(("test.used",), lambda code: Member.objects.filter(code=code), {"code": "A0001"})
    assert found is not None and found[1] == ["A0001"]
    again = precompiled.sql(("test.used",), lambda code: Member.objects.filter(code=code), {"code": "B0002"})
    assert again is not None and again[1] == ["B0002"]


def test_objects_gives_what_the_queryset_gives_with_each_runs_values(org_a, org_b):
    """Model instances with what is selected as related and the annotations, for
    the values of each run (an organisation, a code, a date)."""
    import datetime as dt

    from django.db.models import F

    def build(organization, code, day):
        return (Member.objects.filter(organization_id=organization, code=code, enrolment_date__lte=day)
                .select_related("organization").annotate(org_name=F("organization__name")))

    today = timezone.localdate()
    for tenant in (org_a, org_b, org_a):
        values = {"organization": tenant.org.pk, "code": tenant.member.code, "day": today}
        with CaptureQueriesContext(connection) as queries:
            found = precompiled.objects(("test.objects",), build, values)
            (member,) = found
            assert member.organization.name == tenant.org.name == member.org_name
            assert member.name == tenant.member.name
        assert len(queries) == 1
        assert [(m.pk, m.org_name) for m in found] == [(m.pk, m.org_name) for m in build(**values)]
    old = {"organization": org_a.org.pk, "code": "A0001", "day": org_a.member.enrolment_date - dt.timedelta(days=1)}
    assert precompiled.objects(("test.objects",), build, old) == []


def test_the_peer_groups_panel_shows_each_peer_leader_their_own_groups(org_a):
    """One compiled query per role; each peer leader's own id in it."""
    from peerpath.groups.member_page import peer_groups_panel
    from peerpath.groups.tests.conftest import make_group
    from tests.factories import MembershipFactory

    mine = make_group(org_a, name="甲團體", size=1)
    second = MembershipFactory(organization=org_a.org, role="peer_leader", user__username="peer_leader_a2")
    theirs = make_group(org_a, name="乙團體", size=1, peer_leader=False)
    theirs.group.peer_leader = second.user
    theirs.group.co_facilitator = None
    theirs.group.save()
    assert mine.group.peer_leader_id == org_a.users["peer_leader"].pk

    def groups(membership):
        panel = peer_groups_panel(org_a.member, membership)
        return [e.group.name for e in panel.context["current"]] if panel else []

    for _ in range(2):
        assert groups(org_a.staff["peer_leader"]) == ["甲團體"]
        assert groups(second) == ["乙團體"]
        assert sorted(groups(org_a.staff["coordinator"])) == ["乙團體", "甲團體"]


def test_the_helping_summary_compiled_once_counts_as_the_aggregate_does(org_a, org_b):
    """pathway's helping_summary (member page, portal) runs a query compiled once;
    its totals are those of the plain aggregate (``since`` takes that path)."""
    import datetime as dt

    from peerpath.pathway.models import HelpingContact
    from peerpath.pathway.selectors import helping_summary

    other = MemberFactory(organization=org_a.org, code="A0002")
    quiet = MemberFactory(organization=org_a.org, code="A0003")
    today = timezone.localdate()
    for helper, helped, minutes, ago in ((org_a.member, other, 30, 5), (other, org_a.member, 20, 200),
                                         (org_a.member, other, 15, 100)):
        HelpingContact.objects.create(organization=org_a.org, helper=helper, helped=helped, kind="phone",
                                      minutes=minutes, date=today - dt.timedelta(days=ago),
                                      logged_by=org_a.users["peer_leader"])
    for member in (org_a.member, other, quiet, org_b.member, org_a.member):
        with CaptureQueriesContext(connection) as queries:
            fast = helping_summary(member, today)
        assert len(queries) == 1
        assert fast == helping_summary(member, today, since=dt.date(1900, 1, 1))
    assert helping_summary(org_a.member, today).given == 45
    assert helping_summary(org_a.member, today).given_recent == 30
    assert helping_summary(quiet, today).contacts == 0


def test_the_open_alerts_panel_shows_each_role_and_member_what_it_may_see(org_a, org_b):
    """One compiled query per role: a peer leader never gets the clinical alert a
    coordinator saw, whoever came first; each member has their own alerts."""
    from peerpath.alerts.member_page import open_alerts
    from peerpath.alerts.tests.factories import AlertFactory

    clinical = AlertFactory(member=org_a.member, rule="safety", key="flag:1", clinical=True)
    peer = AlertFactory(member=org_a.member, rule="missed_sessions", key="k", audience=["peer_leader"])
    theirs = AlertFactory(member=org_b.member)

    def shown(tenant, role, member):
        panel = open_alerts(member, tenant.staff[role])
        return sorted(a.pk for a in panel.context["alerts"]) if panel else []

    for _ in range(2):
        assert shown(org_a, "coordinator", org_a.member) == sorted([clinical.pk, peer.pk])
        assert shown(org_a, "peer_leader", org_a.member) == [peer.pk]
        assert shown(org_b, "coordinator", org_b.member) == [theirs.pk]
        assert shown(org_b, "coordinator", org_a.member) == []


def _code_and_name(organization, moment, code):
    """Members of an organisation added before a moment, but one code and codes starting with
    %: values of each kind, and a constant that the SQL escapes."""
    return (Member.objects.filter(organization_id=organization, created_at__lt=moment).exclude(code=code)
            .exclude(code__startswith="%9").order_by("code").values_list("code", "created_at"))


def test_rows_take_datetimes_and_give_what_the_queryset_gives(org_a, org_b):
    import datetime as dt

    MemberFactory(organization=org_a.org, code="%9002")
    MemberFactory(organization=org_a.org, code="A0003")
    MemberFactory(organization=org_b.org, code="B0002")
    later = timezone.now() + dt.timedelta(minutes=1)
    for prepared in (False, True, True):
        for tenant, moment, code in ((org_a, later, "A0001"), (org_b, later, "A0009"),
                                     (org_a, org_a.member.created_at, "A0009")):
            values = {"organization": tenant.org.pk, "moment": moment, "code": code}
            with CaptureQueriesContext(connection) as queries:
                found = precompiled.rows(("test.rows",), _code_and_name, values, prepared=prepared)
            assert len(queries) == 1
            expected = list(_code_and_name(**values))
            assert [code for code, _ in found] == [code for code, _ in expected]
    assert [c for c, _ in precompiled.rows(("test.rows",), _code_and_name,
                                           {"organization": org_a.org.pk, "moment": later, "code": "A0001"})] == ["A0003"]


def test_a_shape_that_reads_nothing_runs_no_query(org_a):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(2):
            assert precompiled.rows(("test.nothing",), lambda member: None, {"member": org_a.member.pk}) == []
            assert precompiled.objects(("test.nothing",), lambda member: None, {"member": org_a.member.pk}) == []
    assert len(queries) == 0


def test_a_naive_datetime_has_no_stand_in():
    import datetime as dt

    with pytest.raises(TypeError):
        precompiled.rows(("test.naive",), _code_and_name,
                         {"organization": 1, "moment": dt.datetime(2026, 1, 1), "code": "A0001"})  # noqa: DTZ001


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_a_prepared_shape_is_planned_once_per_connection(org_a):
    values = {"organization": org_a.org.pk, "moment": timezone.now(), "code": "A0009"}
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert [c for c, _ in precompiled.rows(("test.prepared",), _code_and_name, values, prepared=True)] \
                == ["A0001"]
        [query] = queries.captured_queries
        assert query["sql"].startswith("EXECUTE peerpath_precompiled_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'peerpath_precompiled_%%'")
        prepared_before = cursor.fetchone()[0]
    precompiled.rows(("test.prepared",), _code_and_name, values, prepared=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'peerpath_precompiled_%%'")
        assert cursor.fetchone()[0] == prepared_before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_new_connection_prepares_again():
    from peerpath.tenancy.models import Organization

    org = Organization.objects.create(name="甲", slug="prepared-again")
    member = MemberFactory(organization=org, code="A0001")
    values = {"organization": org.pk, "moment": timezone.now(), "code": "A0009"}
    for _ in range(2):
        assert [c for c, _ in precompiled.rows(("test.reconnect",), _code_and_name, values, prepared=True)] \
            == [member.code]
        connection.close()


def test_the_safety_panel_reads_each_members_own_plan_and_follow_ups(org_a, org_b):
    """safety's current_plan and member_follow_ups (compiled once) give what the
    plain queries give, for each member and organisation in turn."""
    from django.test import Client

    from peerpath.safety import selectors
    from peerpath.safety.models import SafetyFollowUp, SafetyPlan
    from peerpath.safety.tests.conftest import answer_phq9, phq9_link

    for version in (1, 2):
        SafetyPlan.objects.create(organization=org_a.org, member=org_a.member, version=version,
                                  written_with=org_a.users["professional"])
    SafetyPlan.objects.create(organization=org_b.org, member=org_b.member, version=1,
                              written_with=org_b.users["professional"])
    answer_phq9(Client(), phq9_link(org_a), item9=2)
    quiet = MemberFactory(organization=org_a.org, code="A0002")
    for _ in range(2):
        for tenant, member in ((org_a, org_a.member), (org_b, org_b.member), (org_a, quiet), (org_b, org_a.member)):
            with CaptureQueriesContext(connection) as queries:
                plan = selectors.current_plan(member)
            assert len(queries) == 1
            expected = SafetyPlan.objects.filter(organization_id=member.organization_id, member=member) \
                .order_by("-version").first()
            if expected is None:
                assert plan is None
            else:
                assert (plan.pk, plan.version, plan.organization_id) == (expected.pk, expected.version,
                                                                         member.organization_id)
            follow_ups = selectors.member_follow_ups(tenant.staff["coordinator"], member)
            assert [f.pk for f in follow_ups] == list(
                SafetyFollowUp.objects.filter(organization=tenant.org, member=member).values_list("pk", flat=True))
            assert all(f.organization_id == tenant.org.pk for f in follow_ups)
    assert selectors.current_plan(org_a.member).version == 2
    assert len(selectors.member_follow_ups(org_a.staff["coordinator"], org_a.member)) == 1
    assert selectors.member_follow_ups(org_b.staff["coordinator"], org_a.member) == []
    assert selectors.member_follow_ups(org_a.staff["peer_leader"], org_a.member) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_only_the_timeline_the_member_page_opens_with_is_prepared(coordinator, org_a):
    """Each prepared statement keeps its plans in the server for the connection's
    life: a track or an earlier page is planned on each run instead."""
    from peerpath.members.timeline import PAGE_SIZE, Cursor, Window, read_window

    def statements(window):
        with CaptureQueriesContext(connection) as queries:
            read_window(org_a.member, window)
        return [q["sql"] for q in queries.captured_queries]

    [first] = statements(Window(limit=PAGE_SIZE + 1))
    assert first.startswith("EXECUTE peerpath_precompiled_")
    cursor = Cursor(timezone.localdate(), timezone.now(), "member.enrolled", org_a.member.pk)
    for window in (Window(limit=PAGE_SIZE + 1, track="peer"), Window(limit=PAGE_SIZE + 1, before=cursor), Window()):
        [query] = statements(window)
        assert not query.startswith("EXECUTE")


def test_objects_and_tuples_run_prepared_give_what_the_queryset_gives(org_a, org_b):
    """``objects`` and ``tuples`` with ``prepared`` (an EXECUTE on PostgreSQL, the
    SQL elsewhere): the queryset's instances, and a union's tuples with each value
    converted as iterating the union converts it (dates, booleans, on SQLite too)."""
    import datetime as dt

    from django.db.models import BooleanField, CharField, DateField, F, Value

    def members(organization, code):
        return Member.objects.filter(organization_id=organization).exclude(code=code).order_by("code")

    def union(organization, day):
        first = (Member.objects.filter(organization_id=organization, enrolment_date__lte=day).order_by()
                 .annotate(kind=Value(0), label=F("code"), day=F("enrolment_date"),
                           flag=Value(True, output_field=BooleanField())))
        second = (Member.objects.filter(organization_id=organization).order_by()
                  .annotate(kind=Value(1), label=Value("x", output_field=CharField()),
                            day=Value(None, output_field=DateField()), flag=Value(False, output_field=BooleanField())))
        columns = ("kind", "label", "day", "flag")
        return first.values_list(*columns).union(second.values_list(*columns), all=True).order_by("kind", "label")

    MemberFactory(organization=org_a.org, code="A0002")
    today = timezone.localdate()
    for _ in range(2):
        for tenant, code, day in ((org_a, "A0001", today), (org_b, "B0009", today),
                                  (org_a, "A0009", today - dt.timedelta(days=3650))):
            values = {"organization": tenant.org.pk, "code": code}
            with CaptureQueriesContext(connection) as queries:
                found = precompiled.objects(("test.objects_prepared",), members, values, prepared=True)
            [query] = queries.captured_queries
            assert query["sql"].startswith("EXECUTE") == (connection.vendor == "postgresql")
            assert [(m.pk, m.code, m.enrolment_date) for m in found] == [
                (m.pk, m.code, m.enrolment_date) for m in members(**values)]
            values = {"organization": tenant.org.pk, "day": day}
            rows = precompiled.tuples(("test.tuples",), union, values, prepared=True)
            assert rows == list(union(**values))
            assert all(isinstance(r[2], dt.date) and r[3] is True for r in rows if r[0] == 0)
            assert all(r[2] is None and r[3] is False for r in rows if r[0] == 1)
    assert [r[1] for r in precompiled.tuples(("test.tuples",), union, {"organization": org_a.org.pk, "day": today},
                                             prepared=True)] == ["A0001", "A0002", "x", "x"]


def test_statement_sql_names_the_sql_of_a_prepared_shape(org_a):
    values = {"organization": org_a.org.pk, "moment": timezone.now(), "code": "A0009"}
    with CaptureQueriesContext(connection) as queries:
        precompiled.rows(("test.statement_sql",), _code_and_name, values, prepared=True)
    [query] = queries.captured_queries
    assert '"members_member"' in precompiled.statement_sql(query["sql"])
    assert precompiled.statement_sql("SELECT 1") == "SELECT 1"
