"""The export pages and the ``peerpath export`` command."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.audit.models import AccessLog, Event
from peerpath.exports.models import ExportJob, ResearchProject
from peerpath.tasks.worker import run_pending
from tests.factories import ConsentFactory


@pytest.fixture
def consented(org_a):
    ConsentFactory(member=org_a.member, kind="research", recorded_by=org_a.users["coordinator"])
    return org_a


def test_a_small_research_export_is_made_at_once_and_downloaded_by_its_requester(consented, client_for):
    client = client_for("researcher")
    response = client.post("/exports/research/new/", {"tables": ["jobs"], "format": "dta", "date_mode": "days",
                                                      "new_project": "Study 2026"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert job.state == "done" and job.project.name == "Study 2026"
    page = client.get(f"/exports/{job.pk}/")
    assert b"Download" in page.content and b"hx-get" not in page.content
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in download["Cache-Control"]
    assert "members.dta" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    audit = AccessLog.objects.get(event=Event.EXPORT_DOWNLOADED)
    assert audit.extra["format"] == "dta" and audit.extra["project"] == "Study 2026"
    requested = AccessLog.objects.get(event=Event.EXPORT_REQUESTED)
    assert requested.extra == {"kind": "research", "tables": ["jobs"], "format": "dta", "date_mode": "days",
                               "project": "Study 2026"}


@pytest.mark.parametrize("post,field", [
    ({"format": "pdf", "date_mode": "shift", "new_project": "S"}, "format"),
    ({"format": "csv", "date_mode": "real", "new_project": "S"}, "date_mode"),
    ({"format": "csv", "date_mode": "shift", "tables": ["notes"], "new_project": "S"}, "tables"),
    ({"format": "csv", "date_mode": "shift"}, "new_project"),
])
def test_bad_parameters_name_the_field_and_create_nothing(consented, client_for, post, field):
    response = client_for("coordinator").post("/exports/research/new/", post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ExportJob.objects.exists() and not ResearchProject.objects.exists()
    assert not AccessLog.objects.filter(event=Event.EXPORT_REQUESTED).exists()


def test_a_project_of_the_same_name_is_not_created_twice(consented, client_for):
    ResearchProject.objects.create(organization=consented.org, name="S", key="k", created_by=consented.users["admin"])
    response = client_for("coordinator").post("/exports/research/new/", {"format": "csv", "date_mode": "shift",
                                                                        "new_project": "S"})
    assert "new_project" in response.context["form"].errors
    assert ResearchProject.objects.count() == 1


def test_an_identifiable_export_needs_a_reason(org_a, client_for):
    response = client_for("admin").post("/exports/identifiable/new/", {"format": "csv", "reason": "  "})
    assert "reason" in response.context["form"].errors
    assert not ExportJob.objects.exists()
    response = client_for("admin").post("/exports/identifiable/new/",
                                        {"format": "xlsx", "reason": "Hand-over to the new hospital team."})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.kind == "identifiable" and job.state == "done"
    assert AccessLog.objects.get(event=Event.EXPORT_REQUESTED).extra["reason"].startswith("Hand-over")


def test_researchers_see_only_their_own_exports_and_coordinators_may_not_download_others(consented, client_for):
    from peerpath.exports import actions

    job = actions.run_job(actions.request_research_export(
        consented.staff["researcher"], tables=[], fmt="csv", date_mode="shift", new_project="S"))
    other = actions.run_job(actions.request_research_export(
        consented.staff["coordinator"], tables=[], fmt="csv", date_mode="shift",
        project=ResearchProject.objects.get()))
    researcher = client_for("researcher")
    assert researcher.get(f"/exports/{other.pk}/").status_code == 404
    assert researcher.get(f"/exports/{other.pk}/download/").status_code == 404
    listing = researcher.get("/exports/")
    assert [j.pk for j in listing.context["page"].object_list] == [job.pk]
    coordinator = client_for("coordinator")
    assert coordinator.get(f"/exports/{job.pk}/").status_code == 200
    assert coordinator.get(f"/exports/{job.pk}/download/").status_code == 403
    assert not AccessLog.objects.filter(event=Event.EXPORT_DOWNLOADED).exists()
    assert client_for("admin").get(f"/exports/{job.pk}/download/").status_code == 200


def test_an_expired_export_cannot_be_downloaded(consented, client_for):
    from django.utils import timezone

    from peerpath.exports import actions

    job = actions.run_job(actions.request_research_export(
        consented.staff["researcher"], tables=[], fmt="csv", date_mode="shift", new_project="S"))
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert client_for("researcher").get(f"/exports/{job.pk}/download/").status_code == 404


def test_a_large_export_is_queued_and_the_page_polls_its_progress(consented, client_for, settings):
    settings.PEERPATH_EXPORT_SYNC_MEMBERS = 0
    client = client_for("researcher")
    client.post("/exports/research/new/", {"format": "csv", "date_mode": "shift", "new_project": "S"})
    job = ExportJob.objects.get()
    assert job.state == "queued"
    page = client.get(f"/exports/{job.pk}/")
    assert f'hx-get="/exports/{job.pk}/progress/"'.encode() in page.content
    assert b'hx-trigger="every 3s"' in page.content
    assert run_pending() == 1  # the build task the request queued, run by a worker
    job.refresh_from_db()
    assert job.state == "done" and job.n_members == 1
    fragment = client.get(f"/exports/{job.pk}/progress/")
    assert b"hx-get" not in fragment.content and b"Download" in fragment.content


def test_the_run_command_prints_progress(consented):
    out = io.StringIO()
    call_command("export", "run", "--organisation", "assoc-a", "--user", "researcher_a", "--project", "S",
                 "--format", "sav", "--tables", "jobs,scores", stdout=out)
    assert "progress 1/" in out.getvalue() and "done, 1 members" in out.getvalue()
    assert ExportJob.objects.get().parameters["format"] == "sav"


def test_the_run_command_refuses_a_role_without_the_capability(consented):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Not allowed"):
        call_command("export", "run", "--organisation", "assoc-a", "--user", "professional_a", "--project", "S",
                     stdout=io.StringIO())
    assert not ExportJob.objects.exists()


def test_purge_command(consented):
    out = io.StringIO()
    call_command("export", "purge", stdout=out)
    assert "Deleted 0 expired export file(s)." in out.getvalue()


@pytest.mark.parametrize("n", [3, 30])
def test_the_list_page_has_a_fixed_number_of_queries(org_a, client_for, n):
    project = ResearchProject.objects.create(organization=org_a.org, name="S", key="k",
                                             created_by=org_a.users["admin"])
    ExportJob.objects.bulk_create([
        ExportJob(organization=org_a.org, kind="research", project=project, requested_by=org_a.users["researcher"],
                  parameters={"tables": [], "format": "csv", "date_mode": "shift"}) for _ in range(n)])
    client = client_for("researcher")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/exports/")
    assert response.status_code == 200 and len(response.context["page"].object_list) == min(n, 25)
    assert len(ctx.captured_queries) == 9, "\n".join(q["sql"] for q in ctx.captured_queries)
