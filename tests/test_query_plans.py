"""The pages staff live on never read a growing table from end to end.

Each query a page runs is explained by PostgreSQL with sequential scans switched
off (``enable_seqscan = off``): a table that has an index the query can use is then
read through it, and a table that has none is still read with a "Seq Scan" — so a
sequential scan left in the plan names a missing index, whatever the table's size
in the test. The tables checked are those that grow with members, sessions and
time (a national network holds millions of their rows); small lookup tables
(organisations, instruments, settings) are left to the planner. SQLite has no such
planner switch: this check runs in the PostgreSQL suite.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.groups.tests.conftest import make_group
from peerpath.groups.tests.test_query_counts import sessions

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="EXPLAIN with enable_seqscan is PostgreSQL's")

GROWING = {
    "members_member", "members_consent", "members_stagechange", "members_careteamassignment",
    "members_historicalmember", "members_membersearchtoken", "members_memberstate",
    "measures_administration", "measures_storedscore", "measures_resultflag",
    "groups_attendance", "groups_session", "groups_rosterentry", "groups_criticalincident",
    "groups_incidentcoding", "employment_job", "employment_jobending", "employment_supportcontact",
    "employment_employercontact",
    "pathway_helpingcontact", "alerts_alert", "safety_safetyfollowup", "audit_accesslog",
}


def _scans(plan: dict[str, Any]) -> list[str]:
    """The growing tables a plan reads with a sequential scan."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in GROWING:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


def _statement(sql: str) -> str:
    """The SQL of a statement: for the EXECUTE of a prepared statement (pages run
    some of their queries so: ``members.precompiled``), the prepared statement's own
    (EXPLAIN EXECUTE gives the plan it runs with)."""
    match = re.match(r"\s*EXECUTE\s+(\w+)", sql, re.I)
    if match is None:
        return sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [match.group(1)])
        found = cursor.fetchone()
    return found[0] if found else sql


def _sequential(sql: str) -> list[str]:
    execute = re.match(r"\s*EXECUTE\s+\w+(.*)", sql, re.I | re.S)
    with connection.cursor() as cursor:
        if execute is None:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            [[plans]] = cursor.fetchall()
        else:
            # A prepared statement is prepared afresh, so that it is planned with
            # this check's settings (one prepared earlier may keep a plan made without).
            cursor.execute(re.sub(r"^PREPARE\s+\w+", "PREPARE peerpath_plan_check", _statement(sql)))
            try:
                cursor.execute("EXPLAIN (FORMAT JSON) EXECUTE peerpath_plan_check" + execute.group(1))
                [[plans]] = cursor.fetchall()
            finally:
                cursor.execute("DEALLOCATE peerpath_plan_check")
    plans = json.loads(plans) if isinstance(plans, str) else plans
    return [table for entry in plans for table in _scans(entry["Plan"])]


@pytest.mark.django_db
@postgresql_only
def test_the_daily_pages_read_growing_tables_through_indexes(client_for, org_a):
    made = make_group(org_a)
    group = made.group
    sessions(org_a, made, 0, 2)  # attendance, so that the group climate's query runs
    member = org_a.member
    pages = {
        "professional": [f"/members/{member.code}/", f"/members/{member.code}/timeline/", "/caseload/",
                         f"/groups/{group.pk}/?history=all",
                         "/dashboard/", f"/members/{member.code}/questionnaires/"],
        "coordinator": ["/dashboard/", "/members/", f"/groups/{group.pk}/"],
        "peer_leader": ["/dashboard/", f"/groups/{group.pk}/"],
    }
    checked, offenders, tables = 0, [], set()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        for role, urls in pages.items():
            client = client_for(role)
            for url in urls:
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, (role, url, response.status_code)
                for query in queries.captured_queries:
                    sql = query["sql"]
                    if not re.match(r"\s*(SELECT|WITH|EXECUTE)\b", sql, re.I):
                        continue
                    checked += 1
                    text = _statement(sql)
                    tables |= {(url, table) for table in GROWING if f'"{table}"' in text}
                    offenders += [(role, url, table, text[:200]) for table in _sequential(sql)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
    assert checked > 50  # the pages ran their queries
    assert (f"/groups/{group.pk}/", "measures_storedscore") in tables  # the group climate was checked
    assert not offenders, "\n".join(map(str, offenders))


def test_the_growing_tables_are_tables():
    """The list cannot rot: each name is a model's table (on every database)."""
    from django.apps import apps

    assert GROWING <= {model._meta.db_table for model in apps.get_models()}


@pytest.mark.django_db
@postgresql_only
def test_the_check_finds_a_query_that_no_index_serves():
    """A filter on a column with no index is reported (the check can fail)."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        assert _sequential("SELECT id FROM members_member WHERE preferred_name = 'x'") == ["members_member"]
        assert _sequential("SELECT id FROM members_member WHERE id = 1") == []  # the primary key
        # The EXECUTE of a prepared statement is checked as the statement (prepared by a page).
        with connection.cursor() as cursor:
            cursor.execute("PREPARE peerpath_test_check (text) AS "
                           "SELECT id FROM members_member WHERE preferred_name = $1")
        assert _statement("EXECUTE peerpath_test_check('x')").startswith("PREPARE peerpath_test_check")
        assert _sequential("EXECUTE peerpath_test_check('x')") == ["members_member"]
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE peerpath_test_check")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
