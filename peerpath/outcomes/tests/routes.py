"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"
# Programme reports: aggregated figures for every staff role but peer leaders;
# researchers count research-consented members only, small cells hidden.
REPORT_ROLES = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 403,
                "researcher": 200}
# Recording a fidelity review: administrators and coordinators.
REVIEWERS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 403, "peer_leader": 403,
             "researcher": 403}
# The outcome-report settings: administrators and coordinators.
SETTINGS = REVIEWERS
# One member's progress report: clinical staff of the member's organisation.
CLINICAL = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 403,
            "researcher": 403}

MATRIX: dict[str, dict[str, object]] = {
    "report_index": REPORT_ROLES,
    "report_page": REPORT_ROLES,
    "report_pdf": REPORT_ROLES,
    "fidelity_review_create": REVIEWERS,
    "report_settings": SETTINGS,
    # A review names its reviewers and holds their notes: not for researchers.
    "fidelity_review_detail": {**REPORT_ROLES, "researcher": 403},
    "member_report": CLINICAL,
    "member_report_pdf": CLINICAL,
    # Stored report PDFs count every member: not for researchers.
    "report_files": {**REPORT_ROLES, "researcher": 403},
    "report_file_download": {**REPORT_ROLES, "researcher": 403},
}
OBJECT_ROUTES: set[str] = {"fidelity_review_detail", "member_report", "member_report_pdf", "report_file_download"}
GET_ONLY: set[str] = {"report_index", "report_page", "report_pdf", "fidelity_review_detail", "member_report",
                      "member_report_pdf", "report_files", "report_file_download"}
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = ["outcomes.FidelityReview", "outcomes.OutcomeSettings", "outcomes.ReportFile"]


def setup(tenant: SimpleNamespace) -> None:
    """Create this app's example objects for a tenant: a fidelity review and a stored report file."""
    import datetime as dt
    import hashlib

    from django.utils import timezone

    from peerpath.outcomes.models import ReportFile
    from peerpath.outcomes.tests.factories import FidelityReviewFactory

    tenant.fidelity_review = FidelityReviewFactory(organization=tenant.org)
    tenant.report_file = ReportFile.objects.create(
        organization=tenant.org, task_id=f"route-{tenant.org.slug}", report="programme", period="2026Q3",
        language="en", content=b"%PDF-", sha256=hashlib.sha256(b"%PDF-").hexdigest(),
        size=5, expires_at=timezone.now() + dt.timedelta(days=1))


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name in {"report_page", "report_pdf"}:
        return {"<slug:slug>": "programme"}
    if name == "report_file_download":
        return {"<int:pk>": str(tenant.report_file.pk)}
    if name == "fidelity_review_detail":
        return {"<int:pk>": str(tenant.fidelity_review.pk)}
    if name in {"member_report", "member_report_pdf"}:
        return {"<str:code>": tenant.member.code}
    return {}
