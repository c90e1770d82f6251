"""Written SQL run as a prepared statement on PostgreSQL (``members.prepared_sql``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.members import prepared_sql

pytestmark = pytest.mark.django_db

SQL = """SELECT COUNT(*), %(day)s, %(word)s FROM "members_member"
WHERE organization_id = %(organization)s AND (enrolment_date <= %(day)s OR code = %(word)s)"""


def _run(values: dict[str, object]) -> tuple[list[tuple[object, ...]], str]:
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        prepared_sql.execute(cursor, SQL, values)
        rows = cursor.fetchall()
    return rows, queries.captured_queries[-1]["sql"]


def test_each_run_gives_the_rows_of_its_own_values(org_a, org_b):
    day = dt.date(2030, 1, 1)
    values = {"organization": org_a.org.pk, "day": connection.ops.adapt_datefield_value(day), "word": "A0001"}
    with connection.cursor() as cursor:
        cursor.execute(SQL, values)
        plain = cursor.fetchall()
    first, sql = _run(values)
    again, _ = _run(values)
    other, _ = _run({**values, "organization": org_b.org.pk, "word": "nobody"})
    assert first == again == plain and first[0][0] == 1
    assert other[0][0] == 1 and other[0][2] == "nobody"
    if connection.vendor == "postgresql":
        assert sql.startswith("EXECUTE peerpath_raw_")  # planned once per connection
        assert prepared_sql.statement_sql(sql) == SQL
    else:
        assert prepared_sql.statement_sql(sql) == sql


def test_a_value_without_an_sql_type_is_refused():
    if connection.vendor != "postgresql":
        pytest.skip("values are typed for PREPARE on PostgreSQL only")
    with connection.cursor() as cursor, pytest.raises(TypeError):
        prepared_sql.execute(cursor, "SELECT %(x)s", {"x": 1.5})
