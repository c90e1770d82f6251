"""The due list's lookups read the partial index of completed questionnaires
(``administration_completed``), also in the plan a prepared statement settles on
after a few runs (PostgreSQL's generic plan: one that cannot know the parameters'
values). With the statuses given as parameters that plan could not prove the
index's condition and read the full index and each row's status instead, twice
the time on the national set."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.measures.selectors import due_page

from .test_due_page import _rules, _tricky

pytestmark = pytest.mark.django_db


def _plan_of_the_due_statement(org_a) -> str:
    coordinator = org_a.staff["coordinator"]
    with CaptureQueriesContext(connection) as queries:
        due_page(coordinator, timezone.localdate())
    sql = queries.captured_queries[-1]["sql"]  # the plan's rules, then the due list
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            assert sql.startswith("EXECUTE peerpath_raw_")
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            try:
                cursor.execute(f"EXPLAIN {sql}")
                rows = cursor.fetchall()
            finally:
                cursor.execute("RESET plan_cache_mode")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            rows = cursor.fetchall()
        return "\n".join(str(row) for row in rows)


def test_the_lookups_read_the_index_of_completed_questionnaires(org_a):
    _rules(org_a.org)
    _tricky(org_a, "A9")
    assert due_page(org_a.staff["coordinator"], timezone.localdate()).total > 0
    plan = _plan_of_the_due_statement(org_a)
    if connection.vendor == "postgresql":
        # Which index PostgreSQL prefers for a test's few rows depends on its statistics
        # (another index won once in a full run); what decides whether the generic plan
        # can use the partial index at all is that each status is known to it: a
        # constant, never a parameter ($n).
        statuses = re.findall(r"\(status\)::text = ([^\s)]+)", plan)
        assert statuses and all(s.startswith("'") for s in statuses), plan
    else:
        assert "administration_completed" in plan, plan
        assert "measures_ad_organiz_71a478_idx" not in plan, plan  # the full index, read with each row's status
