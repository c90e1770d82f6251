from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peerpath.tenancy import policy


def tenancy(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "organization": getattr(request, "organization", None),
        "can": policy.perms_for(membership),
    }
