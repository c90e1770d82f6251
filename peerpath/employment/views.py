"""A member's employment pages: the record, and the forms that add to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.employment import actions, selectors
from peerpath.employment.forms import (
    JobEndingForm,
    JobForm,
    JobSearchForm,
    ProfileForm,
    SupportContactForm,
)
from peerpath.employment.labels import status_label
from peerpath.employment.models import Job, VocationalProfile
from peerpath.employment.status import JobSpan, status_on, tenure_days
from peerpath.members.models import Member
from peerpath.members.selectors import get_member_for_write
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.back import back_or, next_url
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


@dataclass
class JobRow:
    job: Job
    current: bool
    tenure_days: int

    @property
    def tenure_months(self) -> float:
        return round(self.tenure_days / 30.44, 1)


def job_rows(jobs: list[Job], today: dt.date) -> list[JobRow]:
    rows = []
    for job in jobs:
        span = JobSpan(job.start_date, job.end_date, job.is_competitive, job.hours_per_week)
        rows.append(JobRow(job, span.holds_on(today), tenure_days(span, today)))
    return rows


def _member_page(member: Member) -> str:
    return reverse("employment_member", kwargs={"code": member.code})


def _form_page(
    request: HttpRequest, form: Any, member: Member, title: str, *, wide: bool = False, **extra: Any
) -> HttpResponse:
    back = next_url(request)
    context = {
        "form": form, "title": title, "wide": wide, "next": back,
        "crumb": (_member_page(member), f"{member.code} {member.name}"), "cancel": back or _member_page(member),
        **extra,
    }
    return render(request, "employment/form.html", context)


@staff_view(Perm.EMPLOYMENT_VIEW)
@require_http_methods(["GET"])
def member_employment(request: HttpRequest, code: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    record = selectors.employment_record(membership, code, request=request)
    today = timezone.localdate()
    spans = [j.span() for j in record.jobs]
    status = status_on(spans, today)
    context = {
        "member": record.member,
        "record": record,
        "status": status,
        "status_label": status_label(status),
        "jobs": job_rows(record.jobs, today),
        "endings": [j for j in record.jobs if j.end_date is not None],
        "today": today,
        "may_record": can(membership, Perm.EMPLOYMENT_RECORD),
        "may_log": can(membership, Perm.SUPPORT_LOG),
    }
    return render(request, "employment/member.html", context)


def _profile_initial(profile: VocationalProfile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    names = ("sectors", "hours_per_week", "location", "shifts", "disclosure_preference", "goals", "work_history",
             "benefits_concerns")
    return {n: getattr(profile, n) for n in names}


@staff_view(Perm.EMPLOYMENT_RECORD)
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, code: str) -> HttpResponse:
    """A new dated version of the vocational profile, starting from the current one."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.EMPLOYMENT_RECORD)
    current = VocationalProfile.objects.for_org(membership.organization).filter(member=member).first()
    form = ProfileForm(request.POST or None, member=member, initial=_profile_initial(current))
    if request.method == "POST" and form.is_valid():
        if current is not None and set(form.changed_data) <= {"recorded_on"}:
            messages.info(request, _("Nothing changed in the profile."))
        else:
            actions.record_profile(membership, member, request=request, **form.cleaned_data)
            messages.success(request, _("Vocational profile saved."))
        return redirect(back_or(request, _member_page(member)))
    return _form_page(request, form, member, _("Vocational profile"), wide=True)


@staff_view(Perm.EMPLOYMENT_RECORD)
@require_http_methods(["GET", "POST"])
def job_create(request: HttpRequest, code: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.EMPLOYMENT_RECORD)
    currency = str(settings.PEERPATH_CURRENCY)
    form = JobForm(request.POST or None, member=member, employers=selectors.employers_for_choice(membership),
                   currency=currency)
    if request.method == "POST" and form.is_valid():
        actions.start_job(
            membership, member, employer=form.cleaned_data["employer"], new_employer=form.new_employer(),
            request=request, **form.job_fields(),
        )
        messages.success(request, _("Job start recorded."))
        return redirect(back_or(request, _member_page(member)))
    return _form_page(request, form, member, _("Record a job start"), wide=True)


@staff_view(Perm.EMPLOYMENT_RECORD)
@require_http_methods(["GET", "POST"])
def job_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.EMPLOYMENT_RECORD)
    job = selectors.job_for(membership, member, pk)
    form = JobForm(
        request.POST or None, member=member, employers=selectors.employers_for_choice(membership), job=job,
        currency=job.currency, initial=JobForm.initial_from(job),
    )
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.job_fields().items() if k in form.changed_data}
        employer = form.cleaned_data["employer"] if "employer" in form.changed_data else None
        changed = actions.update_job(
            membership, job, changes, employer=employer, new_employer=form.new_employer(), request=request
        )
        if changed:
            messages.success(request, _("Job saved."))
        return redirect(back_or(request, _member_page(member)))
    return _form_page(request, form, member, _("Change job: %(title)s") % {"title": job.title}, wide=True)


@staff_view(Perm.EMPLOYMENT_RECORD)
@require_http_methods(["GET", "POST"])
def job_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.EMPLOYMENT_RECORD)
    job = selectors.job_for(membership, member, pk)
    if job.end_date is not None:
        messages.info(request, _("This job's ending is already recorded."))
        return redirect(back_or(request, _member_page(member)))
    form = JobEndingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        actions.end_job(membership, job, request=request, **form.cleaned_data)
        messages.success(request, _("Job ending recorded."))
        return redirect(back_or(request, _member_page(member)))
    title = _("Record the ending: %(title)s, %(employer)s") % {"title": job.title, "employer": job.employer.name}
    return _form_page(request, form, member, title)


@staff_view(Perm.EMPLOYMENT_RECORD)
@require_http_methods(["GET", "POST"])
def job_search_create(request: HttpRequest, code: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.EMPLOYMENT_RECORD)
    form = JobSearchForm(request.POST or None, member=member, employers=selectors.employers_for_choice(membership))
    if request.method == "POST" and form.is_valid():
        actions.record_job_search(membership, member, request=request, **form.cleaned_data)
        messages.success(request, _("Job search activity recorded."))
        return redirect(back_or(request, _member_page(member)))
    return _form_page(request, form, member, _("Record a job search activity"))


@staff_view(Perm.SUPPORT_LOG)
@require_http_methods(["GET", "POST"])
def support_contact_create(request: HttpRequest, code: str) -> HttpResponse:
    """Log support from either track; peer leaders log peer-track support only."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.SUPPORT_LOG)
    jobs = (
        Job.objects.for_org(membership.organization).filter(member=member).select_related("employer")
        .only("organization_id", "member_id", "title", "start_date", "end_date", "employer__name")
        .order_by("-start_date")
    )
    current = next((j for j in jobs if j.end_date is None), None)
    form = SupportContactForm(
        request.POST or None, member=member, jobs=jobs, peer_only=not can(membership, Perm.EMPLOYMENT_RECORD),
        initial={"job": current.pk if current else None},
    )
    if request.method == "POST" and form.is_valid():
        actions.log_support_contact(membership, member, request=request, **form.cleaned_data)
        messages.success(request, _("Support contact logged."))
        return redirect(back_or(request, _member_page(member)))
    return _form_page(request, form, member, _("Log a support contact"))
