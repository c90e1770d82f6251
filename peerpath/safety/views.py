"""Staff pages of the safety path: a follow-up and its contacts, the member's
safety plan (and its one-page print), the organisation's crisis contacts and
follow-up time, the list of open follow-ups, and answering a kiosk call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members.models import Member
from peerpath.members.selectors import get_member
from peerpath.outcomes.pdf import render_pdf
from peerpath.safety import actions, selectors
from peerpath.safety.forms import ContactForm, CrisisContactFormSet, PlanForm, SettingsForm
from peerpath.safety.models import SafetyPlan
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.back import back_or
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


def _member(request: HttpRequest, code: str) -> Member:
    return get_member(request.membership, code, request=request)  # type: ignore[attr-defined]


@never_cache
@staff_view(Perm.SAFETY_FOLLOW_UP)
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code)
    item = selectors.get_follow_up(membership, member, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and item.state == "open" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_contact(
                membership, item, contacted_at=data["contacted_at"], method=data["method"],
                outcome=data["outcome"], next_attempt_at=data.get("next_attempt_at"), plan=data.get("plan") or "",
                note=data.get("note") or "", request=request,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The follow-up contact was recorded."))
            return redirect(back_or(request, reverse("member_detail", kwargs={"code": member.code})))
    plan = selectors.current_plan(member)
    return render(request, "safety/follow_up.html", {
        "member": member, "item": item, "form": form, "plan": plan, "now": timezone.now(),
        "next": request.GET.get("next") or request.POST.get("next", ""),
    }, status=400 if request.method == "POST" else 200)


@never_cache
@staff_view(Perm.SAFETY_FOLLOW_UP)
@require_http_methods(["GET"])
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """The open follow-ups this person must act on (overdue first)."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    items = list(selectors.open_follow_ups(membership))
    audit.record_by(membership, Event.SAFETY_VIEW, request=request, extra={"page": "list", "count": len(items)})
    return render(request, "safety/follow_up_list.html", {"items": items, "now": timezone.now()})


@never_cache
@staff_view(Perm.MEMBER_VIEW)
@require_http_methods(["GET"])
def plan_view(request: HttpRequest, code: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code)
    plan = selectors.current_plan(member)
    if not can(membership, Perm.SAFETY_PLAN) and not selectors.may_see_plan(membership, plan):
        raise PermissionDenied("safety plans are clinical information")
    audit.record_by(membership, Event.SAFETY_VIEW, target=member, request=request,
                    extra={"member": member.pk, "page": "plan", "version": plan.version if plan else None})
    versions = selectors.plan_versions(member) if can(membership, Perm.SAFETY_PLAN) else []
    return render(request, "safety/plan.html", {
        "member": member, "plan": plan, "versions": versions, "steps": _steps(plan),
        "may_edit": can(membership, Perm.SAFETY_PLAN),
    })


@never_cache
@staff_view(Perm.SAFETY_PLAN)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code)
    current = selectors.current_plan(member)
    initial = {step: getattr(current, step) for step in SafetyPlan.STEPS} if current else {}
    if current:
        initial["share_with_mentor"] = current.share_with_mentor
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.save_plan(membership, member, steps={s: data.get(s) or "" for s in SafetyPlan.STEPS},
                              share_with_mentor=bool(data.get("share_with_mentor")), request=request)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The safety plan was saved as a new version."))
            return redirect(back_or(request, reverse("safety_plan", kwargs={"code": member.code})))
    return render(request, "safety/plan_edit.html", {"member": member, "form": form, "current": current},
                  status=400 if request.method == "POST" else 200)


def _steps(plan: SafetyPlan | None) -> list[tuple[str, str, str]]:
    """(field, label, text) of each step of the plan, in Stanley & Brown's order."""
    if plan is None:
        return []
    return [(step, SafetyPlan.step_label(step), getattr(plan, step)) for step in SafetyPlan.STEPS]


def plan_pdf_response(member: Member, plan: SafetyPlan, language: str) -> HttpResponse:
    """The plan as one A4 page (the member keeps it in a wallet or on the fridge)."""
    contacts = selectors.crisis_contacts(member.organization_id)
    pdf = render_pdf("safety/plan_print.html", {
        "member": member, "plan": plan, "steps": _steps(plan), "contacts": contacts,
    }, language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="safety-plan-{member.code}-v{plan.version}.pdf"'
    return response


@never_cache
@staff_view(Perm.MEMBER_VIEW)
@require_http_methods(["GET"])
def plan_pdf(request: HttpRequest, code: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code)
    plan = selectors.current_plan(member)
    if plan is None:
        raise Http404("No safety plan yet")
    if not selectors.may_see_plan(membership, plan):
        raise PermissionDenied("safety plans are clinical information")
    audit.record_by(membership, Event.SAFETY_VIEW, target=member, request=request,
                    extra={"member": member.pk, "page": "plan_pdf", "version": plan.version})
    from peerpath.measures.library import interface_language

    return plan_pdf_response(member, plan, interface_language())


@never_cache
@staff_view(Perm.SAFETY_SETTINGS)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    organization_id = membership.organization_id
    contacts = selectors.crisis_contacts(organization_id)
    initial = [{"name": c.name, "number": c.number, "hours": c.hours, "note": c.note} for c in contacts]
    form = SettingsForm(request.POST or None, initial={"follow_up_hours": selectors.follow_up_hours(organization_id)})
    formset = CrisisContactFormSet(request.POST or None, initial=initial, prefix="contacts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            {k: (f.cleaned_data.get(k) or "").strip() for k in ("name", "number", "hours", "note")}
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            actions.save_settings(membership, follow_up_hours=form.cleaned_data["follow_up_hours"], contacts=rows,
                                  request=request)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The crisis contacts and the follow-up time were saved."))
            return redirect("safety_settings")
    return render(request, "safety/settings.html", {"form": form, "formset": formset},
                  status=400 if request.method == "POST" else 200)


@staff_view(Perm.KIOSK_CALL)
@require_http_methods(["POST"])
def kiosk_call_answered(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    call = selectors.get_kiosk_call(membership, pk)
    try:
        actions.answer_kiosk_call(membership, call, request=request)
    except PermissionDenied:
        pass  # a colleague answered it a moment ago: nothing left to do
    messages.success(request, _("Thank you. The call was marked as answered."))
    return redirect(back_or(request, reverse("dashboard")))


def page_context(member: Member) -> dict[str, Any]:
    """What the crisis page shows, for the portal and the closing page."""
    follow_up = selectors.open_follow_up_of(member)
    return {
        "follow_up": follow_up,
        "contacts": selectors.crisis_contacts(member.organization_id),
        "plan": selectors.current_plan(member),
    }
