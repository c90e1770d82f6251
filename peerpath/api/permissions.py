"""Every API endpoint declares the capability each method needs; the policy
module decides, as it does for pages. A request without a valid token is refused
with 401 before any of this."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from peerpath.api.models import ApiToken
from peerpath.tenancy.policy import Perm, can

if TYPE_CHECKING:
    from rest_framework.views import APIView


def required_perm(view: APIView, method: str) -> Perm | None:
    """The capability ``view`` declares for ``method`` (HEAD as GET); None if it
    declares none (then the method is refused: fail closed)."""
    perms: dict[str, Perm] = getattr(view, "perms", {})
    return perms.get("GET" if method == "HEAD" else method)


class HasPerm(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        perm = required_perm(view, request.method or "")
        return perm is not None and can(token.membership, perm)  # type: ignore[attr-defined]
