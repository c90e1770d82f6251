"""The decorator every staff page uses: login, second factor, role capability."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import urlencode

from peerpath.tenancy import policy
from peerpath.tenancy.models import Membership

View = Callable[..., HttpResponse]


def second_factor_missing(request: HttpRequest, membership: Membership | None) -> bool:
    if not settings.PEERPATH_REQUIRE_2FA or not policy.needs_second_factor(membership):
        return False
    return not request.user.is_verified()  # type: ignore[union-attr]


def staff_view(perm: policy.Perm) -> Callable[[View], View]:
    """Anonymous → login page; missing second factor → 2FA step; role without
    ``perm`` → 403. The view receives the acting membership as ``request.membership``."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership: Membership | None = getattr(request, "membership", None)
            if membership is None:
                raise PermissionDenied("no organisation")
            if second_factor_missing(request, membership):
                return redirect(f"{settings.OTP_VERIFY_URL}?{urlencode({'next': request.get_full_path()})}")
            policy.require(membership, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def login_only(view: View) -> View:
    """For account pages any signed-in user may use (2FA set-up, org switch)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
