"""How many members of an organisation are in each state (``MemberState``), read in
time that does not grow with the organisation.

On PostgreSQL the counts are the sums of ``MemberStateCount``'s rows, which a
trigger inserts as members' states change (+1 for the new state, -1 for the
former). Reading them costs one row per state and per change since the rows were
last added up: once an organisation's rows are many more than its states, they
are replaced by their sums (``compact``) in one statement, which other writers
never wait for (they only insert) and which two readers may run at once (the
second deletes and adds up only the rows the first left). Elsewhere (SQLite, for
development and tests) the states are counted row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connections, router

from peerpath.members import prepared_sql
from peerpath.members.models import MemberStateCount

_SUMS = """
SELECT status, stage, enrolled_month, service_consent, research_consent, professional, mentor, SUM(n), COUNT(*)
FROM "members_memberstatecount"
WHERE organization_id = %(organization)s
GROUP BY status, stage, enrolled_month, service_consent, research_consent, professional, mentor
"""

_BY_STATE = """
SELECT status, stage, date(enrolment_date, 'start of month'), service_consent, research_consent, professional, mentor,
    COUNT(*), COUNT(*)
FROM "members_memberstate"
WHERE organization_id = %(organization)s
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

_COMPACT = """
WITH gone AS (
    DELETE FROM "members_memberstatecount" WHERE organization_id = %(organization)s
    RETURNING organization_id, status, stage, enrolled_month, service_consent, research_consent, professional, mentor, n
)
INSERT INTO "members_memberstatecount" (organization_id, status, stage, enrolled_month, service_consent,
    research_consent, professional, mentor, n)
SELECT organization_id, status, stage, enrolled_month, service_consent, research_consent, professional, mentor, SUM(n)
FROM gone
GROUP BY organization_id, status, stage, enrolled_month, service_consent, research_consent, professional, mentor
HAVING SUM(n) <> 0
"""

SLACK = 200  # rows beyond two per state before an organisation's rows are added up


@dataclass(frozen=True)
class StateCount:
    """How many members (``n``) are in one state."""

    status: str
    stage: str | None  # None: no stage change recorded
    enrolled_month: dt.date  # the first day of the month they enrolled in
    service_consent: bool  # their latest service consent is in force
    research_consent: bool
    professional: bool  # they have a current professional
    mentor: bool  # a current peer mentor
    n: int


def counts(organization_id: int) -> list[StateCount]:
    """How many of the organisation's members are in each state (states with none left out)."""
    connection = connections[router.db_for_read(MemberStateCount)]
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        prepared_sql.execute(cursor, _SUMS if postgresql else _BY_STATE, {"organization": organization_id})
        rows = cursor.fetchall()
    if postgresql and sum(row[-1] for row in rows) > 2 * len(rows) + SLACK:
        compact(organization_id)
    return [StateCount(status, stage, prepared_sql.raw_date(month), bool(service), bool(research), bool(professional), bool(mentor), n)
            for status, stage, month, service, research, professional, mentor, n, _rows in rows if n]


def compact(organization_id: int) -> None:
    """Replace the organisation's count rows by their sums (PostgreSQL; elsewhere there
    are none). Rows inserted meanwhile by other transactions are left as they are."""
    connection = connections[router.db_for_write(MemberStateCount)]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT, {"organization": organization_id})
