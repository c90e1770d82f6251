"""``peerpath report --queue``: one background task per organisation stores its
report PDF exactly once; the report-files page lists and hands them out, audited,
to the organisation's staff only; the nightly purge deletes expired ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerpath.audit.models import AccessLog, Event
from peerpath.outcomes import files
from peerpath.outcomes.models import ReportFile
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import pdf_text
from peerpath.tasks.housekeeping import purge
from peerpath.tasks.worker import run_pending


@pytest.fixture
def queued(org_a, org_b):
    data.programme(org_a)
    data.more_workers(org_a)  # caseload 14 in 2026Q3
    call_command("report", "programme", "--queue", "--period", "2026Q3", "--language", "en")
    return org_a, org_b


def test_one_task_per_organisation_holds_ids_and_options_only(queued):
    org_a, org_b = queued
    rows = DBTaskResult.objects.filter(task_path="peerpath.outcomes.tasks.render_report_file")
    assert sorted(r.args_kwargs["args"][0] for r in rows) == sorted([org_a.org.pk, org_b.org.pk])
    assert all(r.args_kwargs["args"][1:] == ["programme", "2026Q3", "en", {}] for r in rows)
    assert not ReportFile.objects.exists()  # nothing rendered until a worker runs them


def test_the_worker_stores_one_readable_pdf_per_organisation(queued):
    org_a, org_b = queued
    assert run_pending() == 2
    a = ReportFile.objects.get(organization=org_a.org)
    b = ReportFile.objects.get(organization=org_b.org)
    text = pdf_text(bytes(a.content))
    assert "2026-07-01 – 2026-09-30 (2026Q3)" in text and "\n14\nActive caseload\n" in text
    assert "Association A" in text and "Association B" not in text
    assert "Association B" in pdf_text(bytes(b.content))
    assert (a.report, a.period, a.language, a.size) == ("programme", "2026Q3", "en", len(bytes(a.content)))
    days = (a.expires_at - a.created_at).total_seconds() / 86400
    assert round(days) == 7  # PEERPATH_EXPORT_DAYS
    # Each rendering is audited in its own organisation's chain, as the system.
    entry = AccessLog.objects.get(event=Event.REPORT_EXPORT, organization=org_a.org)
    assert entry.actor is None and entry.extra["via"] == "task" and entry.extra["period"] == "2026Q3"


def test_a_task_run_again_stores_no_second_file(queued):
    assert run_pending() == 2
    first = set(ReportFile.objects.values_list("pk", "sha256"))
    # As if each task had been taken for dead and run again by another worker.
    DBTaskResult.objects.update(status="READY", finished_at=None)
    assert run_pending() == 2
    assert set(ReportFile.objects.values_list("pk", "sha256")) == first


def test_the_task_id_is_unique_among_stored_files(queued):
    run_pending()
    a = ReportFile.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFile.objects.create(organization=a.organization, task_id=a.task_id, report="programme",
                                  period="2026Q3", language="en", content=b"x", sha256="", size=1,
                                  expires_at=a.expires_at)


def test_an_attempt_that_lost_the_race_returns_the_stored_file(org_a, monkeypatch):
    """Two attempts of one task render at once: the second to store it finds the first's file."""
    render = files.render_report
    stored = {}

    def render_then_other_attempt_stores(*args, **kwargs):
        content = render(*args, **kwargs)
        stored["row"] = ReportFile.objects.create(
            organization=org_a.org, task_id="t-1", report="programme", period="2026Q3", language="en",
            content=content, sha256="other", size=len(content), expires_at=timezone.now() + dt.timedelta(days=1))
        return content

    monkeypatch.setattr(files, "render_report", render_then_other_attempt_stores)
    result = files.store_report("t-1", org_a.org.pk, "programme", "2026Q3", "en", {})
    assert result == stored["row"] and ReportFile.objects.count() == 1


def test_the_page_lists_the_files_and_the_download_is_audited(queued, client_for):
    org_a, _org_b = queued
    run_pending()
    mine = ReportFile.objects.get(organization=org_a.org)
    client = client_for("coordinator")
    assert b'href="/reports/files/"' in client.get("/reports/").content
    page = client.get("/reports/files/", HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="/reports/files/{mine.pk}/"'.encode() in page.content
    assert b"2026Q3" in page.content
    before = AccessLog.objects.filter(event=Event.REPORT_EXPORT, organization=org_a.org).count()
    response = client.get(f"/reports/files/{mine.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Active caseload" in pdf_text(response.content)
    entries = AccessLog.objects.filter(event=Event.REPORT_EXPORT, organization=org_a.org)
    assert entries.count() == before + 1
    entry = entries.order_by("-pk").first()
    assert entry.actor == org_a.users["coordinator"]
    assert (entry.extra["via"], entry.extra["file"], entry.extra["sha256"]) == ("stored file", mine.pk, mine.sha256)


def test_another_organisations_file_is_not_found_nor_listed(queued, client_for):
    org_a, org_b = queued
    run_pending()
    theirs = ReportFile.objects.get(organization=org_b.org)
    client = client_for("coordinator")
    assert client.get(f"/reports/files/{theirs.pk}/").status_code == 404
    assert f"/reports/files/{theirs.pk}/".encode() not in client.get("/reports/files/").content
    assert not AccessLog.objects.filter(event=Event.REPORT_EXPORT, organization=org_b.org,
                                        actor__isnull=False).exists()


def test_researchers_see_neither_the_page_nor_its_link(org_a, client_for):
    client = client_for("researcher")
    assert b"/reports/files/" not in client.get("/reports/").content
    assert client.get("/reports/files/").status_code == 403


def test_expired_files_are_gone_from_the_page_and_purged_nightly(queued, client_for):
    org_a, _org_b = queued
    run_pending()
    mine = ReportFile.objects.get(organization=org_a.org)
    ReportFile.objects.filter(pk=mine.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client_for("coordinator").get(f"/reports/files/{mine.pk}/").status_code == 404
    assert purge()["report_files"] == 1
    assert list(ReportFile.objects.values_list("organization", flat=True)) == [queued[1].org.pk]


def test_queue_refuses_a_bad_period_and_names_it(org_a):
    with pytest.raises(CommandError, match="--period"):
        call_command("report", "programme", "--queue", "--period", "2026Q5")
    assert not DBTaskResult.objects.exists()


def test_queue_with_org_queues_that_organisation_only(org_a, org_b):
    call_command("report", "programme", "--queue", "--org", "assoc-b")
    (row,) = DBTaskResult.objects.all()
    assert row.args_kwargs["args"][0] == org_b.org.pk
