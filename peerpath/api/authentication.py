"""Token authentication of the REST API: ``Authorization: Bearer pp_…``.

The token acts as its user's membership in the organisation it was created in:
the request gets that membership as ``request.membership``, so the policy module
decides exactly as it does on pages. A revoked or expired token, a disabled staff
account or a disabled user is refused (401). Failed attempts are counted per
client address; past ``PEERPATH_API_RATE_AUTH_FAILURES`` the address gets 429.
Browser sessions are not accepted by the API (no session authentication), so a
page can never be made to call it on a signed-in person's behalf.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from peerpath.api import actions, tokens
from peerpath.api.models import ApiToken
from peerpath.api.throttling import failure_limiter
from peerpath.tenancy.models import Membership

KEYWORD = "Bearer"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # no credentials: 401 from the permission check
        limiter = failure_limiter(request)
        wait = limiter.wait()
        if wait is not None:
            raise exceptions.Throttled(wait)
        try:
            user, token = self._check(parts)
        except exceptions.AuthenticationFailed:
            limiter.hit()
            raise
        # The token's membership replaces whatever a session cookie set: the policy
        # module sees the same ``request.membership`` as on pages.
        membership = token.membership  # type: ignore[attr-defined]
        request._request.membership = membership  # type: ignore[attr-defined]
        request._request.organization = membership.organization  # type: ignore[attr-defined]
        return user, token

    def _check(self, parts: list[bytes]) -> tuple[Any, ApiToken]:
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        if len(parts) != 2:
            raise invalid
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise invalid from None
        prefix = tokens.prefix_of(secret)
        if prefix is None:
            raise invalid
        token = ApiToken.objects.select_related("user", "organization").filter(prefix=prefix).first()
        if token is None or not tokens.matches(secret, token.token_hash):
            raise invalid
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        membership = (
            Membership.objects.filter(user=token.user, organization_id=token.organization_id, is_active=True)
            .select_related("organization", "user")
            .first()
        )
        if membership is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token's staff account is disabled."))
        token.membership = membership  # type: ignore[attr-defined]
        actions.touch(token, now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


def token_membership(request: Request) -> Membership:
    """The membership the request's token acts as (set by ``ApiTokenAuthentication``)."""
    token = request.auth
    if not isinstance(token, ApiToken):
        raise exceptions.NotAuthenticated()
    membership: Membership = token.membership  # type: ignore[attr-defined]
    return membership
