"""Reports, research exports and API lists read from the replica; everything
else, and every read after a write in the same request, from the primary.

Run against a real streaming replica by ``make test-replica`` (see conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from peerpath.api.actions import create_token
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.exports import actions as exports
from peerpath.members.models import Member
from peerpath.ops.dbrouter import REPLICA, replica_reads, request_scope
from peerpath.ops.tests.conftest import DATABASES
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import get_report
from tests.factories import ConsentFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)


def _sql(context: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in context.captured_queries)


def test_a_report_is_read_from_the_replica_and_shows_the_same_figures(org_a, client_for, replica):
    data.programme(org_a)
    client = client_for("coordinator")
    replica.sync()
    with replica.captured() as on_replica, CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        response = get_report(client, "programme", period="2026Q3")
    assert response.status_code == 200
    r = response.context["r"]
    # programme_data's hand-computed figures: active caseload 8, 3 in a competitive job on 09-30
    assert (r["caseload"].value, r["employed_now"].value) == (8, 3)
    assert '"employment_job"' in _sql(on_replica) and '"members_member"' in _sql(on_replica)
    assert '"employment_job"' not in _sql(on_primary)  # the figures came from the replica alone
    assert '"audit_accesslog"' in _sql(on_primary)  # the report's audit entry was written to the primary
    if replica.real:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True  # a standby: the queries really went to the replica


def test_reads_after_a_write_in_the_same_request_stay_on_the_primary(org_a, replica):
    replica.sync()
    with request_scope(), replica_reads():
        with replica.captured() as before_write:
            assert Member.objects.count() == 1
        MemberFactory(organization=org_a.org, code="A0002")
        with replica.captured() as after_write:
            assert Member.objects.count() == 2  # its own write, which the replica may not have yet
    assert len(before_write.captured_queries) == 1
    assert after_write.captured_queries == []


def test_writing_an_audit_entry_does_not_keep_the_request_on_the_primary(org_a, replica):
    replica.sync()
    with request_scope(), replica_reads():
        audit.record_by(org_a.staff["coordinator"], Event.REPORT_VIEW, extra={"report": "programme"})
        with replica.captured() as reads:
            Member.objects.count()
    assert len(reads.captured_queries) == 1


def test_reads_inside_a_transaction_stay_on_the_primary(org_a, replica):
    with replica_reads(), transaction.atomic(), replica.captured() as reads:
        MemberFactory(organization=org_a.org, code="A0002")
        assert Member.objects.count() == 2
    assert reads.captured_queries == []


def test_reads_outside_a_report_export_or_list_stay_on_the_primary(org_a, replica):
    with replica.captured() as reads:
        assert Member.objects.count() == 1
    assert reads.captured_queries == []


def test_an_api_list_is_read_from_the_replica_after_the_token_is_checked_on_the_primary(org_a, replica):
    _token, secret = create_token(org_a.staff["coordinator"], name="replica test")
    replica.sync()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with replica.captured() as on_replica, CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        response = client.get("/api/v1/members/")
    assert response.status_code == 200, response.content
    assert [m["code"] for m in response.json()["results"]] == ["A0001"]
    assert '"members_member"' in _sql(on_replica)
    assert '"api_apitoken"' in _sql(on_primary) and '"api_apitoken"' not in _sql(on_replica)


def test_a_queued_research_export_reads_its_members_from_the_replica(org_a, replica):
    coordinator = org_a.users["coordinator"]
    for code in ("R001", "R002"):
        member = MemberFactory(organization=org_a.org, code=code, enrolment_date=dt.date(2024, 1, 10))
        ConsentFactory(member=member, kind="research", given_on=dt.date(2024, 1, 10), recorded_by=coordinator)
    job = exports.request_research_export(org_a.staff["researcher"], tables=["stages"], fmt="csv",
                                          date_mode="shift", project=None, new_project="Replica study")
    replica.sync()
    with replica.captured() as on_replica:
        job = exports.run_job(job)  # as the worker runs it: outside any request
    assert job.state == "done", job.error
    assert job.n_members == 2
    assert '"members_member"' in _sql(on_replica) and '"members_consent"' in _sql(on_replica)


def test_the_report_command_reads_the_replica(org_a, replica, tmp_path):
    data.programme(org_a)
    replica.sync()
    out = tmp_path / "programme.html"
    with replica.captured() as on_replica, CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        call_command("report", "programme", "--period", "2026Q3", "--format", "html", "--org", org_a.org.slug,
                     "--language", "en", "-o", str(out))
    assert out.exists() and "Programme" in out.read_text(encoding="utf-8")
    assert '"employment_job"' in _sql(on_replica) and '"employment_job"' not in _sql(on_primary)
