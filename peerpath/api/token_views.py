"""Account pages to create, list and revoke one's own API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.api import actions, selectors
from peerpath.api.forms import TokenForm
from peerpath.api.throttling import creation_limiter
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


@staff_view(Perm.API_TOKEN)
@require_http_methods(["GET"])
def token_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    now = timezone.now()
    rows = [(t, t.state(now)) for t in selectors.own_tokens(membership)]
    return render(request, "api/token_list.html", {"rows": rows})


@never_cache
@staff_view(Perm.API_TOKEN)
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its secret once."""
    membership = request.membership  # type: ignore[attr-defined]
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        limiter = creation_limiter(membership.user_id)
        wait = limiter.wait()
        if wait is not None:
            response = render(request, "api/token_limited.html", {"minutes": max(1, round(wait / 60))}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            limiter.hit()
            token, secret = actions.create_token(
                membership, name=form.cleaned_data["name"], days=form.cleaned_data["days"], request=request
            )
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_form.html", {"form": form})


@staff_view(Perm.API_TOKEN)
@require_http_methods(["POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    token = selectors.get_own_token(membership, pk)
    if token.revoked_at is None:
        actions.revoke_token(membership, token, request=request)
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api_token_list")
