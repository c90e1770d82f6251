"""How the member list and its searches read the database: the same members as the
plain query, the professionals' names without a query of their own, and (on
PostgreSQL) a search that reads members through indexes, not the organisation's
every member."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from peerpath.members import selectors
from peerpath.members.models import Member, MemberSearchToken
from peerpath.members.search import token_for_query
from tests.factories import CareTeamFactory, MemberFactory, UserFactory


def plain_search(membership: Any, query: str) -> list[str]:
    """The search as a plain ``IN`` query (what ``member_list`` gave before)."""
    token = token_for_query(query, membership.organization_id)
    by_name = MemberSearchToken.objects.filter(organization=membership.organization, token=token)
    found = Member.objects.filter(organization=membership.organization).filter(
        Q(code__istartswith=query) | Q(pk__in=by_name.values("member_id")))
    return list(found.order_by("code").values_list("code", flat=True))


@pytest.mark.django_db
def test_a_search_finds_the_members_the_plain_query_finds(org_a, org_b, coordinator_membership):
    MemberFactory(organization=org_a.org, code="M0012", name="陳美玲")
    MemberFactory(organization=org_a.org, code="M0013", name="Mary Jane Watson")
    MemberFactory(organization=org_a.org, code="MARY1", name="林志明")  # "mary" as a code prefix
    MemberFactory(organization=org_b.org, code="M0014", name="Mary Lee")
    for query in ("M00", "m0012", "mary", "美玲", "陳美玲", "Watson", "nobody", "%", "_"):
        found = [m.code for m in selectors.member_list(coordinator_membership, query=query)]
        assert found == plain_search(coordinator_membership, query), query
    assert [m.code for m in selectors.member_list(coordinator_membership, query="mary")] == ["M0013", "MARY1"]


@pytest.mark.django_db
def test_the_list_names_professionals_without_a_query_of_their_own(org_a, coordinator_membership):
    no_name = UserFactory(first_name="", last_name="", username="pro.wu")
    CareTeamFactory(member=org_a.member, professional=no_name, assigned_by=no_name)
    page = list(selectors.member_list(coordinator_membership))
    with CaptureQueriesContext(connection) as queries:
        selectors.attach_professional_names(page)
    assert len(queries) == 0
    assert {m.code: m.professional_name for m in page}[org_a.member.code] == "pro.wu"


@pytest.mark.django_db
def test_an_ended_professional_is_not_named(org_a, coordinator_membership):
    import datetime as dt

    gone = UserFactory(first_name="Ann", last_name="Ho")
    CareTeamFactory(member=org_a.member, professional=gone, assigned_by=gone,
                    ended_on=org_a.member.enrolment_date + dt.timedelta(days=3))
    page = list(selectors.member_list(coordinator_membership))
    selectors.attach_professional_names(page)
    assert {m.code: m.professional_name for m in page}[org_a.member.code] == ""


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        [[plan]] = cursor.fetchall()
    return json.dumps(plan if not isinstance(plan, str) else json.loads(plan))


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans and index")
def test_a_search_reads_members_by_code_prefix_and_name_through_indexes(org_a, coordinator):
    many = MemberFactory.build_batch(3000, organization=org_a.org)  # a table worth an index
    for i, member in enumerate(many):
        member.code, member.name, member.diagnosis = f"B{i:04d}", "", ""
    Member.objects.bulk_create(many)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
        cursor.execute("SET enable_seqscan = off")
    try:
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get("/members/", {"q": "B0012"}).status_code == 200
        reads = [q["sql"] for q in queries.captured_queries if '"members_membersearchtoken"' in q["sql"]]
        assert len(reads) == 2 and "COUNT(" in reads[0]  # the count, then the page
        # The count (the page's query, of at most 25 members in code order, may rather
        # walk the codes' index up to the first match: the planner weighs it).
        plan = _plan(reads[0])
        # both conditions of the OR from an index, the matching rows fetched by both
        assert '"BitmapOr"' in plan, plan
        assert '"member_code_prefix"' in plan and '"members_member_pkey"' in plan, plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")


@pytest.fixture
def assorted(org_a):
    """Members in every status, with and without a professional, a mentor, a stage
    and a service consent, some found by a name and some by a code."""
    import datetime as dt

    from tests.factories import ConsentFactory, StageChangeFactory

    staff = org_a.users["coordinator"]
    for i in range(14):
        member = MemberFactory(organization=org_a.org, code=f"M{i:03d}", name="陳美玲" if i % 4 == 0 else f"林{i}",
                               status=("active", "inactive", "discharged")[i % 3])
        if i % 2:
            CareTeamFactory(member=member, professional=UserFactory(first_name=f"P{i}"), assigned_by=staff)
        if i % 3:
            StageChangeFactory(member=member, stage="growth", changed_on=member.enrolment_date + dt.timedelta(days=i))
        if i % 5:
            ConsentFactory(member=member)
    MemberFactory(organization=org_a.org, code="X%_1", name="Mary")
    return org_a


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["", "active"])
@pytest.mark.parametrize("gap", ["", *selectors.GAPS])
def test_the_list_counts_and_pages_as_the_queryset_built_in_full(assorted, coordinator_membership, status, gap):
    from django.core.paginator import Paginator

    def read(members: Any) -> list[Any]:
        paginator = Paginator(members, 4)
        pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
        selectors.attach_professional_names([m for p in pages for m in p])
        return [paginator.count, [[(m.pk, m.code, m.name, m.status, m.enrolment_date, m.current_stage,
                                    m.professional_name) for m in p] for p in pages]]

    for query in ("", "m00", "M001", "陳美玲", "X%", "x%_", "%", "_", "nobody"):
        members = selectors.member_list(coordinator_membership, query=query, status=status, gap=gap)
        by_shape = read(members)
        assert members._shape is not None  # never built: the count and pages were precompiled
        in_full = read(selectors.member_list(coordinator_membership, query=query, status=status, gap=gap).all())
        assert by_shape == in_full, (query, status, gap)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_lists_count_is_a_prepared_statement_and_a_searchs_is_not(org_a, coordinator):
    for url in ("/members/", "/members/", "/members/?status=active&gap=no_mentor", "/members/?q=M00"):
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get(url).status_code == 200
        counts = [q["sql"] for q in queries.captured_queries
                  if q["sql"].startswith("EXECUTE ") or "COUNT(" in q["sql"]]
        assert len(counts) == 1, (url, counts)
        assert counts[0].startswith("EXECUTE ") == ("q=" not in url), (url, counts)
