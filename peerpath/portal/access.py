"""Access to the member portal: a signed-in user with an enabled member account."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from peerpath.portal.models import MemberAccount

View = Callable[..., HttpResponse]


def account_of(request: HttpRequest) -> MemberAccount | None:
    if not request.user.is_authenticated:
        return None
    return (
        MemberAccount.objects.select_related("member", "organization")
        .filter(user_id=request.user.pk, is_active=True, member__status="active")
        .first()
    )


def member_view(view: View) -> View:
    """Anonymous → login page; a user without an enabled member account (staff
    included) → 403. The view gets the account as ``request.account``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        account = account_of(request)
        if account is None:
            raise PermissionDenied("no member account")
        request.account = account  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
