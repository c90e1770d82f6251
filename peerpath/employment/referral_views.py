"""Referrals and intake: the bridge from clinical care into the programme."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.employment import actions, rules, selectors
from peerpath.employment.models import Referral
from peerpath.employment.referral_forms import (
    EnrolForm,
    ReferralCloseForm,
    ReferralForm,
    ReferralStepForm,
)
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


def step_labels() -> dict[str, str]:
    return {
        "received": _("Received"),
        "contacted": _("First contact"),
        "intake": _("Intake meeting"),
        "enrolled": _("Enrolled"),
    }


def referral_rows(referrals: list[Referral], today: dt.date) -> list[dict[str, Any]]:
    """Per referral: each step's date and days since the previous one (None where
    not reached), and for an open referral the days since its last step."""
    labels = step_labels()
    rows = []
    for r in referrals:
        reached = {s.step: s for s in r.steps}
        last = rules.last_step_date(r.step_dates)
        rows.append({
            "referral": r,
            "cells": [(labels[step], reached.get(step)) for step in rules.STEPS],
            "waiting": (today - last).days if last and r.state == rules.OPEN else None,
        })
    return rows


def _form_page(request: HttpRequest, form: Any, referral: Referral, title: str, **extra: Any) -> HttpResponse:
    back = reverse("referral_detail", kwargs={"pk": referral.pk})
    context = {
        "form": form, "title": title, "crumb": (back, referral.person_name), "cancel": back, **extra,
    }
    return render(request, "employment/form.html", context)


def _audit_read(membership: Membership, request: HttpRequest, referral: Referral | None = None, **extra: Any) -> None:
    audit.record_by(membership, Event.REFERRAL_VIEW, target=referral, request=request, extra=extra or None)


@staff_view(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET"])
def referral_list(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    state = request.GET.get("state", "")
    if state not in selectors.REFERRAL_FILTERS:
        state = ""
    referrals = selectors.referral_list(membership, state)
    page = Paginator(referrals, settings.PEERPATH_MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _audit_read(membership, request, page=page.number, state=state, shown=len(page.object_list))
    context = {
        "page": page,
        "rows": referral_rows(page.object_list, timezone.localdate()),
        "state": state,
        "counts": selectors.referral_counts(membership),
    }
    return render(request, "employment/referral_list.html", context)


@staff_view(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        referral = actions.record_referral(membership, request=request, **form.cleaned_data)
        messages.success(request, _("Referral recorded."))
        return redirect("referral_detail", pk=referral.pk)
    back = reverse("referral_list")
    return render(request, "employment/form.html", {
        "form": form, "title": _("Record a referral"), "crumb": (back, _("Referrals")), "cancel": back,
    })


@staff_view(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    referral = selectors.referral_for(membership, pk)
    _audit_read(membership, request, referral)
    labels = step_labels()
    context = {
        "referral": referral,
        "steps": [(labels[s.step], s) for s in referral.steps],
        "next_step": referral.next_step,
        "next_label": labels.get(referral.next_step or "", ""),
        "today": timezone.localdate(),
    }
    return render(request, "employment/referral_detail.html", context)


def _open_or_back(request: HttpRequest, referral: Referral) -> HttpResponse | None:
    if referral.state != rules.OPEN:
        messages.info(request, _("This referral is no longer open."))
        return redirect("referral_detail", pk=referral.pk)
    return None


@staff_view(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next step of an open referral: first contact, then intake meeting."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    referral = selectors.referral_for(membership, pk)
    if (back := _open_or_back(request, referral)) is not None:
        return back
    step = referral.next_step
    if step == "enrolled":
        return redirect("referral_enrol", pk=referral.pk)
    assert step is not None
    form = ReferralStepForm(request.POST or None, referral=referral, step=step)
    if request.method == "POST" and form.is_valid():
        actions.record_referral_step(
            membership, referral, on=form.cleaned_data["on"], today=timezone.localdate(), request=request
        )
        messages.success(request, _("%(step)s recorded.") % {"step": step_labels()[step]})
        return redirect("referral_detail", pk=referral.pk)
    return _form_page(request, form, referral, step_labels()[step])


@staff_view(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    referral = selectors.referral_for(membership, pk)
    if (back := _open_or_back(request, referral)) is not None:
        return back
    form = ReferralCloseForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        actions.close_referral(
            membership, referral, closed_on=form.cleaned_data["closed_on"], reason=form.cleaned_data["reason"],
            today=timezone.localdate(), request=request,
        )
        messages.success(request, _("Referral closed."))
        return redirect("referral_detail", pk=referral.pk)
    return _form_page(request, form, referral, _("Close the referral"))


@staff_view(Perm.REFERRAL_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """The referred person becomes a member, with the service consent signed at intake."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    referral = selectors.referral_for(membership, pk)
    if (back := _open_or_back(request, referral)) is not None:
        return back
    if referral.next_step != "enrolled":
        messages.info(request, _("Record the intake meeting first: enrolment follows it."))
        return redirect("referral_detail", pk=referral.pk)
    form = EnrolForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        member = actions.enrol_referral(
            membership, referral, member_data=form.member_data(), enrolled_on=form.cleaned_data["enrolled_on"],
            consent_version=form.cleaned_data["consent_version"],
            consent_given_on=form.cleaned_data["consent_given_on"], today=timezone.localdate(), request=request,
        )
        messages.success(request, _("Enrolled as member %(code)s.") % {"code": member.code})
        return redirect("member_detail", code=member.code)
    if request.method == "GET":
        _audit_read(membership, request, referral, page="enrol_form")  # the form shows their name and phone
    return _form_page(request, form, referral, _("Enrol as a member"), wide=True)
