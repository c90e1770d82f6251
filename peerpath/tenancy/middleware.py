"""Sets ``request.membership`` and ``request.organization`` for staff users."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from peerpath.members import precompiled
from peerpath.tenancy.models import Membership

SESSION_ORG_KEY = "peerpath_org"


def _active_memberships(user_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=user_id, is_active=True)
        .select_related("organization", "user")
        .order_by("organization__name", "pk")
    )


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The signed-in user's active memberships, ordered by organisation name (read
    on every signed-in request: by SQL compiled once, ``members.precompiled``)."""
    if not request.user.is_authenticated:
        return []
    return precompiled.objects(("tenancy.active_memberships",), _active_memberships, {"user_id": request.user.pk})


def active_membership(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
    """The membership of the organisation chosen in the session, else the first."""
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
        memberships = user_memberships(request)
        membership = active_membership(request, memberships)
        request.memberships = memberships  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)
