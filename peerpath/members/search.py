"""Keeping a member's blind-index search tokens in step with their names.

Each organisation gets its own index key, derived from ``PEERPATH_SEARCH_KEY``
and the organisation's id, so equal names in two organisations give unrelated
tokens (the index reveals nothing across tenants).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from peerpath.members.crypto import query_token, search_tokens
from peerpath.members.models import Member, MemberSearchToken


def organisation_key(organization_id: int) -> str:
    return hmac.new(
        settings.PEERPATH_SEARCH_KEY.encode("utf-8"), f"org:{organization_id}".encode(), hashlib.sha256
    ).hexdigest()


def tokens_for(member: Member) -> set[str]:
    names = [n for n in (member.name, member.preferred_name) if n]
    return search_tokens(organisation_key(member.organization_id), names)


def refresh_tokens(member: Member) -> None:
    """Replace the member's search tokens (call inside the writing transaction)."""
    MemberSearchToken.objects.filter(member=member).delete()
    MemberSearchToken.objects.bulk_create(
        MemberSearchToken(organization_id=member.organization_id, member=member, token=t)
        for t in sorted(tokens_for(member))
    )


def token_for_query(query: str, organization_id: int) -> str | None:
    return query_token(organisation_key(organization_id), query)
