"""The member's own side: "My reflections", the critical incidents a member wrote."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups.models import CriticalIncident
from peerpath.portal.access import member_view


@member_view
@require_http_methods(["GET"])
def my_reflections(request: HttpRequest) -> HttpResponse:
    """The signed-in member's own critical incidents, newest first (one query)."""
    account = request.account  # type: ignore[attr-defined]
    incidents = list(
        CriticalIncident.objects.for_org(account.organization).filter(member=account.member)
        .select_related("session__group").order_by("-session__date", "-pk")
    )
    audit.record(Event.PORTAL_VIEW, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra={"page": "reflections"})
    return render(request, "groups/reflections.html", {"account": account, "incidents": incidents})
