"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"
_EXPORTERS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 403, "peer_leader": 403,
              "researcher": 200}

MATRIX: dict[str, dict[str, object]] = {
    "export_list": _EXPORTERS,
    "export_new_research": {**_EXPORTERS, "admin": 403},
    "export_new_identifiable": {**_EXPORTERS, "coordinator": 403, "researcher": 403},
    # the example export: a finished research export requested by the researcher
    "export_detail": _EXPORTERS,
    "export_progress": _EXPORTERS,
    "export_download": {**_EXPORTERS, "coordinator": 403},  # the requester or an administrator
}
OBJECT_ROUTES: set[str] = {"export_detail", "export_progress", "export_download"}
GET_ONLY: set[str] = {"export_detail", "export_progress", "export_download"}
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = ["exports.ExportJob", "exports.ResearchProject", "exports.ExportFile"]


def setup(tenant: SimpleNamespace) -> None:
    """Create this app's example objects for a tenant (organisation A or B)."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    from peerpath.exports.actions import _fernet
    from peerpath.exports.models import ExportFile, ExportJob, ResearchProject

    project = ResearchProject.objects.create(organization=tenant.org, name="Study", key="k" * 64,
                                             created_by=tenant.users["coordinator"])
    now = timezone.now()
    tenant.export_job = ExportJob.objects.create(
        organization=tenant.org, kind="research", project=project, requested_by=tenant.users["researcher"],
        parameters={"tables": [], "format": "csv", "date_mode": "shift"}, state="done", n_members=1,
        finished_at=now, expires_at=now + dt.timedelta(days=7))
    data = b"PK example"
    ExportFile.objects.create(organization=tenant.org, job=tenant.export_job, content=_fernet().encrypt(data),
                              sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name.startswith("export_"):
        return {"<int:pk>": str(tenant.export_job.pk)}
    return {}
