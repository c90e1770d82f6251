"""The member's own safety pages on the portal: the crisis page (what happens
next, by when, whom to call) and their safety plan, one tap from it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.library import interface_language
from peerpath.portal.access import member_view
from peerpath.safety import selectors
from peerpath.safety.views import _steps, page_context, plan_pdf_response


@never_cache
@member_view
@require_http_methods(["GET"])
def crisis(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    context = page_context(account.member)
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "safety"})
    return render(request, "safety/portal_crisis.html", {**context, "account": account})


@never_cache
@member_view
@require_http_methods(["GET"])
def plan(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    current = selectors.current_plan(account.member)
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "safety_plan"})
    return render(request, "safety/portal_plan.html", {
        "account": account, "plan": current, "steps": _steps(current),
        "contacts": selectors.crisis_contacts(account.organization_id),
    })


@never_cache
@member_view
@require_http_methods(["GET"])
def plan_pdf(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    current = selectors.current_plan(account.member)
    if current is None:
        raise Http404("No safety plan yet")
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "safety_plan_pdf"})
    return plan_pdf_response(account.member, current, interface_language())
