"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

ANON = "anonymous"
# Jobs, endings, job search and support contacts: staff of both tracks (peer
# leaders see no clinical detail); researchers and portal members see nothing.
READERS: dict[str, object] = {
    ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 200, "researcher": 403,
}
# Recording jobs and profiles, employers and job development, referrals: professional staff.
PROFESSIONAL_STAFF: dict[str, object] = {**READERS, "peer_leader": 403}

MATRIX: dict[str, dict[str, object]] = {
    "employment_member": READERS,
    "employment_profile": PROFESSIONAL_STAFF,
    "job_create": PROFESSIONAL_STAFF,
    "job_edit": PROFESSIONAL_STAFF,
    "job_end": PROFESSIONAL_STAFF,
    "job_search_create": PROFESSIONAL_STAFF,
    "support_contact_create": READERS,  # peer leaders log peer-track support
    "employer_list": PROFESSIONAL_STAFF,
    "employer_create": PROFESSIONAL_STAFF,
    "employer_detail": PROFESSIONAL_STAFF,
    "employer_edit": PROFESSIONAL_STAFF,
    "employer_contact_create": PROFESSIONAL_STAFF,
    "opening_create": PROFESSIONAL_STAFF,
    "opening_edit": PROFESSIONAL_STAFF,
    "referral_list": PROFESSIONAL_STAFF,
    "referral_create": PROFESSIONAL_STAFF,
    "referral_detail": PROFESSIONAL_STAFF,
    "referral_step": PROFESSIONAL_STAFF,
    "referral_close": PROFESSIONAL_STAFF,
    "referral_enrol": PROFESSIONAL_STAFF,
}
OBJECT_ROUTES: set[str] = {
    "employment_member", "employment_profile", "job_create", "job_edit", "job_end", "job_search_create",
    "support_contact_create", "employer_detail", "employer_edit", "employer_contact_create", "opening_create",
    "opening_edit", "referral_detail", "referral_step", "referral_close", "referral_enrol",
}
GET_ONLY: set[str] = {"employment_member", "employer_detail", "referral_detail"}
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = [
    "employment.Referral", "employment.VocationalProfile", "employment.Employer", "employment.EmployerContact",
    "employment.JobOpening", "employment.JobSearchActivity", "employment.Job", "employment.JobEnding",
    "employment.SupportContact",
]


def setup(tenant: SimpleNamespace) -> None:
    """Create this app's example objects for a tenant (organisation A or B)."""
    from peerpath.employment.models import Employer, Job, JobOpening, Referral

    today = timezone.localdate()
    staff = tenant.users["professional"]
    org = tenant.org
    tenant.employer = Employer.objects.create(organization=org, name="示範餐飲有限公司", sector="food_service",
                                              created_by=staff)
    tenant.job = Job.objects.create(
        organization=org, member=tenant.member, employer=tenant.employer, title="廚房助手",
        start_date=today - dt.timedelta(days=30), hours_per_week=Decimal("20"), hourly_wage=Decimal("196"),
        currency="TWD", in_community=True, open_to_anyone=True, minimum_wage_or_more=True, disclosure="partial",
        created_by=staff,
    )
    tenant.opening = JobOpening.objects.create(organization=org, employer=tenant.employer, title="外場服務員",
                                               posted_on=today - dt.timedelta(days=5), created_by=staff)
    tenant.referral = Referral.objects.create(
        organization=org, source="day_ward", person_name="林小華", received_on=today - dt.timedelta(days=10),
        contacted_on=today - dt.timedelta(days=8), recorded_by=staff,
    )
    tenant.referral_at_intake = Referral.objects.create(
        organization=org, source="clinic", person_name="陳小安", received_on=today - dt.timedelta(days=10),
        contacted_on=today - dt.timedelta(days=8), intake_on=today - dt.timedelta(days=2), recorded_by=staff,
    )


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name in ("job_edit", "job_end"):
        return {"<int:pk>": str(tenant.job.pk)}
    if name.startswith("employer_") or name == "opening_create":
        return {"<int:pk>": str(tenant.employer.pk)}
    if name == "opening_edit":
        return {"<int:pk>": str(tenant.opening.pk)}
    if name == "referral_enrol":
        return {"<int:pk>": str(tenant.referral_at_intake.pk)}
    if name.startswith("referral_"):
        return {"<int:pk>": str(tenant.referral.pk)}
    return {}
