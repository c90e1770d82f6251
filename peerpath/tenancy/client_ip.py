"""The client's address, for lockouts and the audit log (one function for both)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client.

    Without a proxy: the connection's address; forwarded headers are ignored
    (anyone can send them). Behind ``PEERPATH_PROXY_COUNT`` trusted proxies, each
    of which appends the address it received the request from to
    ``X-Forwarded-For``: the N-th address from the right, the one the outermost
    trusted proxy saw. Entries further left were written by the client and are
    not trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.PEERPATH_BEHIND_PROXY:
        return remote
    forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if a.strip()]
    count = settings.PEERPATH_PROXY_COUNT
    if len(forwarded) >= count and _valid(forwarded[-count]):
        return forwarded[-count]
    return remote
