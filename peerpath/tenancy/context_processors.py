from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peerpath.tenancy import policy
from peerpath.tenancy.access import second_factor_missing


def tenancy(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "second_factor_pending": request.user.is_authenticated and second_factor_missing(request, membership),
        "membership": membership,
        "other_memberships": [m for m in getattr(request, "memberships", []) if m is not membership],
        "organization": getattr(request, "organization", None),
        "can": policy.perms_for(membership),
    }
