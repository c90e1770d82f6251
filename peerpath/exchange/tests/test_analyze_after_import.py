"""A large import refreshes the planner statistics of the tables it filled (ANALYZE),
after it commits; a small one leaves them to autovacuum."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


def _file() -> str:
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    header = ["會員編號", "問卷", "填答日期", *[str(i) for i in range(1, 10)]]
    rows = [["A0001", "phq9", day, *[1] * 9]]
    return "\n".join(",".join(str(c) for c in row) for row in [header, *rows]) + "\n"


def _analyzed(run_import, django_capture_on_commit_callbacks) -> list[str]:
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        batch, check = run_import("responses", _file())
    assert check.problems == [] and batch.state == "committed"
    return [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith("ANALYZE")]


def test_a_large_import_analyzes_the_tables_it_wrote(run_import, settings, django_capture_on_commit_callbacks):
    settings.PEERPATH_ANALYZE_ROWS = 2  # this file writes one administration and two scores
    statements = _analyzed(run_import, django_capture_on_commit_callbacks)
    assert [s.split()[-1].strip('"') for s in statements] == [
        "measures_administration", "measures_storedscore", "measures_resultflag"]


def test_a_small_import_does_not(run_import, settings, django_capture_on_commit_callbacks):
    settings.PEERPATH_ANALYZE_ROWS = 10_000
    assert _analyzed(run_import, django_capture_on_commit_callbacks) == []
