"""Keeping a member's blind-index search tokens in step with their names."""

from __future__ import annotations

from django.conf import settings

from peerpath.members.crypto import query_token, search_tokens
from peerpath.members.models import Member, MemberSearchToken


def tokens_for(member: Member) -> set[str]:
    names = [n for n in (member.name, member.preferred_name) if n]
    return search_tokens(settings.PEERPATH_SEARCH_KEY, names)


def refresh_tokens(member: Member) -> None:
    """Replace the member's search tokens (call inside the writing transaction)."""
    MemberSearchToken.objects.filter(member=member).delete()
    MemberSearchToken.objects.bulk_create(
        MemberSearchToken(organization_id=member.organization_id, member=member, token=t)
        for t in sorted(tokens_for(member))
    )


def token_for_query(query: str) -> str | None:
    return query_token(settings.PEERPATH_SEARCH_KEY, query)
