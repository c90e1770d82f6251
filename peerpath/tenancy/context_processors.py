from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.http import HttpRequest

from peerpath.tenancy import policy
from peerpath.tenancy.access import second_factor_missing
from peerpath.tenancy.models import Membership


class Capabilities(Mapping[str, bool]):
    """``can.member_edit`` in templates: whether the acting membership holds that
    capability (``policy.perms_for`` as a mapping), asked of the policy when a
    template looks one up rather than for every capability on every page."""

    __slots__ = ("_membership",)

    def __init__(self, membership: Membership | None) -> None:
        self._membership = membership

    def __getitem__(self, name: str) -> bool:
        try:
            perm = policy.Perm[name.upper()] if name.islower() else None
        except KeyError:
            perm = None
        if perm is None:
            raise KeyError(name)
        return policy.can(self._membership, perm)

    def __iter__(self) -> Iterator[str]:
        return (perm.name.lower() for perm in policy.Perm)

    def __len__(self) -> int:
        return len(policy.Perm)


def tenancy(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "second_factor_pending": request.user.is_authenticated and second_factor_missing(request, membership),
        "membership": membership,
        "other_memberships": [m for m in getattr(request, "memberships", []) if m is not membership],
        "organization": getattr(request, "organization", None),
        "can": Capabilities(membership),
    }
