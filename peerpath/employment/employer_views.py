"""Employers and job development: the employer list, each employer's contacts,
openings and the members who work there."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.employment import actions, selectors
from peerpath.employment.forms import EmployerContactForm, EmployerForm, OpeningForm
from peerpath.employment.models import Employer, Sector
from peerpath.members.models import Member, Status
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


def _form_page(request: HttpRequest, form: Any, employer: Employer | None, title: str, **extra: Any) -> HttpResponse:
    if employer is not None:
        back = reverse("employer_detail", kwargs={"pk": employer.pk})
        crumb = (back, employer.name)
    else:
        back = reverse("employer_list")
        crumb = (back, _("Employers"))
    context = {"form": form, "title": title, "crumb": crumb, "cancel": back, **extra}
    return render(request, "employment/form.html", context)


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET"])
def employer_list(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    query = request.GET.get("q", "").strip()[:100]
    employers = selectors.employer_list(membership, query=query)
    page = Paginator(employers, settings.PEERPATH_MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    audit.record_by(membership, Event.EMPLOYER_VIEW, request=request,
                    extra={"page": page.number, "shown": len(page.object_list)})
    context = {"page": page, "query": query, "sector_labels": dict(Sector.choices)}
    return render(request, "employment/employer_list.html", context)


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET", "POST"])
def employer_create(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    form = EmployerForm(request.POST or None, organization_id=membership.organization_id)
    if request.method == "POST" and form.is_valid():
        employer = actions.create_employer(membership, request=request, **form.cleaned_data)
        messages.success(request, _("Employer added."))
        return redirect("employer_detail", pk=employer.pk)
    return _form_page(request, form, None, _("Add an employer"))


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET"])
def employer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    record = selectors.employer_record(membership, pk, request=request)
    return render(request, "employment/employer_detail.html", {"record": record, "employer": record.employer})


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET", "POST"])
def employer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    employer = selectors.employer_for(membership, pk)
    form = EmployerForm(request.POST or None, instance=employer, organization_id=membership.organization_id)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if actions.update_employer(membership, employer, changes, request=request):
            messages.success(request, _("Employer saved."))
        return redirect("employer_detail", pk=employer.pk)
    return _form_page(request, form, employer, _("Change employer details"))


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET", "POST"])
def employer_contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    employer = selectors.employer_for(membership, pk)
    members = (
        Member.objects.for_org(membership.organization).filter(status=Status.ACTIVE)
        .only("organization_id", "code", "name").order_by("code")
    )
    form = EmployerContactForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        actions.record_employer_contact(membership, employer, request=request, **form.cleaned_data)
        messages.success(request, _("Job development contact recorded."))
        return redirect("employer_detail", pk=employer.pk)
    # The form lists the organisation's active members: a read of the member list.
    audit.record_by(membership, Event.MEMBER_LIST, request=request, extra={"page": "employer_contact_form"})
    return _form_page(request, form, employer, _("Record a job development contact"))


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET", "POST"])
def opening_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    employer = selectors.employer_for(membership, pk)
    form = OpeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.save_opening(membership, employer, request=request, **form.cleaned_data)
        messages.success(request, _("Job opening saved."))
        return redirect("employer_detail", pk=employer.pk)
    return _form_page(request, form, employer, _("Add a job opening"))


@staff_view(Perm.EMPLOYER_MANAGE)
@require_http_methods(["GET", "POST"])
def opening_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    opening = selectors.opening_for(membership, pk)
    form = OpeningForm(request.POST or None, initial=OpeningForm.initial_from(opening))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            actions.save_opening(membership, opening.employer, opening=opening, request=request, **changes)
            messages.success(request, _("Job opening saved."))
        return redirect("employer_detail", pk=opening.employer_id)
    return _form_page(request, form, opening.employer, _("Change job opening: %(title)s") % {"title": opening.title})
