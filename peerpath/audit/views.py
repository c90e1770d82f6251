"""The organisation's access log, for administrators and coordinators."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import AccessLog, Event
from peerpath.members.models import Member
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership, Organization
from peerpath.tenancy.policy import Perm


def describe_targets(rows: Any, organization: Organization) -> None:
    """Give each row a readable ``target_label`` (member code, staff username) in
    two queries for the whole page, whatever its length."""
    member_ids, membership_ids = set(), set()
    for row in rows:
        if row.target_type == "members.member":
            member_ids.add(int(row.target_id))
        elif isinstance(row.extra.get("member"), int):
            member_ids.add(row.extra["member"])
        if row.target_type == "tenancy.membership":
            membership_ids.add(int(row.target_id))
    codes = dict(Member.objects.for_org(organization).filter(pk__in=member_ids).values_list("pk", "code"))
    staff = dict(
        Membership.objects.for_org(organization).filter(pk__in=membership_ids).values_list("pk", "user__username")
    )
    for row in rows:
        member = int(row.target_id) if row.target_type == "members.member" else row.extra.get("member")
        if row.target_type == "tenancy.membership":
            row.target_label = _("staff %(username)s") % {"username": staff.get(int(row.target_id), "?")}
        elif member in codes:
            row.target_label = _("member %(code)s") % {"code": codes[member]}
        else:
            row.target_label = ""


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
    describe_targets(page.object_list, membership.organization)
    audit.record_by(
        membership, Event.AUDIT_VIEW, request=request,
        extra={"page": page.number},
    )
    return render(request, "audit/log.html", {"page": page, "event": event, "events": Event.choices})
