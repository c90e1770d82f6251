"""Writes of the api app: creating and revoking personal API tokens. Each is one
durable transaction with its audit entry."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from peerpath.api import tokens
from peerpath.api.models import ApiToken
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


@durable_action
def create_token(
    membership: Membership,
    *,
    name: str,
    days: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """A new token of the acting person in the acting organisation, valid for
    ``days`` (default ``PEERPATH_API_TOKEN_DAYS``). Returns the token row and the
    secret, which is shown once and never stored."""
    require(membership, Perm.API_TOKEN)
    days = settings.PEERPATH_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.PEERPATH_API_TOKEN_MAX_DAYS:
        raise ValueError(f"a token is valid for 1 to {settings.PEERPATH_API_TOKEN_MAX_DAYS} days")
    new = tokens.generate()
    token = ApiToken.objects.create(
        organization=membership.organization,
        user=membership.user,
        name=name,
        prefix=new.prefix,
        token_hash=new.hash,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit.record_by(
        membership, Event.API_TOKEN_CREATED, target=token, request=request,
        extra={"prefix": token.prefix, "days": days},
    )
    return token, new.secret


@durable_action
def revoke_token(membership: Membership, token: ApiToken, *, request: HttpRequest | None = None) -> ApiToken:
    """Revoke one of the acting person's own tokens (at once: the next request with
    it is refused). Revoking a revoked token changes nothing."""
    require(membership, Perm.API_TOKEN)
    if token.organization_id != membership.organization_id or token.user_id != membership.user_id:
        raise PermissionDenied("only one's own tokens of the same organisation")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record_by(membership, Event.API_TOKEN_REVOKED, target=token, request=request,
                    extra={"prefix": token.prefix})
    return token


def touch(token: ApiToken, now: dt.datetime, *, every: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    """Record that the token was used (at most once a minute, to spare the database)."""
    if token.last_used_at is None or now - token.last_used_at >= every:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
