"""Sets ``request.membership`` and ``request.organization`` for staff users."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from peerpath.tenancy.models import Membership

SESSION_ORG_KEY = "peerpath_org"


def active_membership(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("organization", "user")
    )
    if not memberships:
        return None
    wanted = request.session.get(SESSION_ORG_KEY)
    for m in memberships:
        if m.organization_id == wanted:
            return m
    return memberships[0]


class TenancyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = active_membership(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)
