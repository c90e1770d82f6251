"""The due list reads the last completed dates the database keeps
(``measures_lastcompleted``), not the questionnaires themselves, also in the plan a
prepared statement settles on after a few runs (PostgreSQL's generic plan: one that
cannot know the parameters' values); the status it filters members on is written into
the statement, never a parameter (with the questionnaires' statuses given as
parameters, that plan could not use their partial index: twice the time on the
national set)."""

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


def test_the_due_list_reads_the_last_completed_dates_not_the_questionnaires(org_a):
    _rules(org_a.org)
    _tricky(org_a, "A9")
    assert due_page(org_a.staff["coordinator"], timezone.localdate()).total > 0
    plan = _plan_of_the_due_statement(org_a)
    assert "measures_lastcompleted" in plan or "last_completed_in_org" in plan, plan
    assert "measures_administration" not in plan and "administration_completed" not in plan, plan
    if connection.vendor == "postgresql":
        statuses = re.findall(r"\(status\)::text = ([^\s)]+)", plan)
        assert statuses and all(s.startswith("'") for s in statuses), plan
