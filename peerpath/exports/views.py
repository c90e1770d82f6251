"""Export pages: the list, the two request forms, a job's page with live
progress, and the download. Views parse input, call selectors and actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.exports import actions, selectors
from peerpath.exports.collect import OPTIONAL_TABLES
from peerpath.exports.forms import IdentifiableExportForm, ResearchExportForm
from peerpath.exports.models import ExportJob, ExportState
from peerpath.exports.tasks import build_export
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm, can


def _maybe_run_now(job: ExportJob) -> None:
    """Small exports run at once; larger ones are queued for a background worker
    (``peerpath worker``), and the export's page shows their progress."""
    if actions.members_of(job, actions.requester(job)).count() <= settings.PEERPATH_EXPORT_SYNC_MEMBERS:
        actions.run_job(job)
    else:
        build_export.enqueue(job.pk)


@staff_view(Perm.DASHBOARD_VIEW)
@require_http_methods(["GET"])
def export_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    page = Paginator(selectors.visible_jobs(membership), 25).get_page(request.GET.get("page"))
    return render(request, "exports/list.html", {
        "page": page,
        "can_research": can(membership, Perm.EXPORT_RESEARCH),
        "can_identifiable": can(membership, Perm.EXPORT_IDENTIFIABLE),
    })


@staff_view(Perm.EXPORT_RESEARCH)
@require_http_methods(["GET", "POST"])
def export_new_research(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = ResearchExportForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        job = actions.request_research_export(
            membership, tables=d["tables"], fmt=d["format"], date_mode=d["date_mode"], project=d["project"],
            new_project=d["new_project"], aggregates_only=d["aggregates_only"], request=request)
        _maybe_run_now(job)
        return redirect("export_detail", pk=job.pk)
    return render(request, "exports/form.html", {"form": form, "title": _("New research export"),
                                                 "research": True})


@staff_view(Perm.EXPORT_IDENTIFIABLE)
@require_http_methods(["GET", "POST"])
def export_new_identifiable(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = IdentifiableExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        job = actions.request_identifiable_export(
            membership, tables=d["tables"], fmt=d["format"], reason=d["reason"], request=request)
        _maybe_run_now(job)
        return redirect("export_detail", pk=job.pk)
    return render(request, "exports/form.html", {"form": form, "title": _("New identifiable export"),
                                                 "research": False})


def _job_context(request: HttpRequest, pk: int) -> dict[str, object]:
    membership = request.membership  # type: ignore[attr-defined]
    job = selectors.get_job(membership, pk)
    may_download = (job.state == ExportState.DONE and not job.expired
                    and (job.requested_by_id == membership.user_id or can(membership, Perm.EXPORT_IDENTIFIABLE)))
    return {"job": job, "may_download": may_download, "tables": table_names(job.parameters)}


def table_names(parameters: dict[str, Any]) -> list[str]:
    """The export's tables by their names in the interface language (the file
    names stay in the codebook)."""
    if parameters.get("aggregates_only"):
        return [str(_("Summary (aggregates only)"))]
    chosen = [str(OPTIONAL_TABLES.get(t, t)) for t in parameters.get("tables", [])]
    return [str(_("Members")), *chosen, str(_("Summary"))]


@staff_view(Perm.DASHBOARD_VIEW)
@require_http_methods(["GET"])
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_export_role(request.membership)  # type: ignore[attr-defined]
    return render(request, "exports/detail.html", _job_context(request, pk))


@staff_view(Perm.DASHBOARD_VIEW)
@require_http_methods(["GET"])
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's state and progress, polled by the detail page while it runs."""
    selectors.require_export_role(request.membership)  # type: ignore[attr-defined]
    return render(request, "exports/_progress.html", _job_context(request, pk))


@never_cache
@staff_view(Perm.DASHBOARD_VIEW)
@require_http_methods(["GET"])
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    job = selectors.get_job(membership, pk)
    if job.state != ExportState.DONE or job.expired or not hasattr(job, "file"):
        raise Http404("This export is not ready or has expired")
    data = actions.export_bytes(membership, job, request=request)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{job.file_name()}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
