"""The organisation's access log, for administrators and coordinators."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import AccessLog, Event
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


@staff_view(Perm.AUDIT_VIEW)
@require_http_methods(["GET"])
def audit_log(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    event = request.GET.get("event", "")
    rows = AccessLog.objects.filter(organization=membership.organization).select_related("actor")
    if event in Event.values:
        rows = rows.filter(event=event)
    else:
        event = ""
    page = Paginator(rows.order_by("-seq"), 50).get_page(request.GET.get("page"))
    audit.record_by(
        membership, Event.AUDIT_VIEW, request=request,
        extra={"page": page.number},
    )
    return render(request, "audit/log.html", {"page": page, "event": event, "events": Event.choices})
