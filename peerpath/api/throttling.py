"""Rate limits of the API (per token and per client address) and of the token
pages, counted in the default cache. Rates come from ``PEERPATH_API_RATES``
(settings, from the environment) and are read on every use, so that tests and
operators can change them without a restart of the module."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.checks import CheckMessage, Error, register
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from peerpath.api.models import ApiToken
from peerpath.api.rates import parse_rate, wait_seconds
from peerpath.tenancy.client_ip import client_ip

if TYPE_CHECKING:
    from rest_framework.views import APIView

RATE_NAMES = ("token", "ip", "auth_failures", "token_create")


def rate(name: str) -> tuple[int, int]:
    """(requests, seconds) of the configured rate ``name``."""
    return parse_rate(settings.PEERPATH_API_RATES[name])


class _ConfiguredThrottle(SimpleRateThrottle):
    rate_name = ""

    def get_rate(self) -> str:
        return str(settings.PEERPATH_API_RATES[self.rate_name])

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        if rate is None:
            return None, None
        return parse_rate(rate)


class TokenRateThrottle(_ConfiguredThrottle):
    """Requests per token (``PEERPATH_API_RATE_TOKEN``)."""

    scope = "api_token"  # noqa: S105 - a cache key scope, not a secret
    rate_name = "token"  # noqa: S105

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class IPRateThrottle(_ConfiguredThrottle):
    """Requests per client address, whatever the token (``PEERPATH_API_RATE_IP``)."""

    scope = "api_ip"
    rate_name = "ip"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class Limiter:
    """A counter of events per key in a sliding window (failed token attempts from
    an address; token creations by a person)."""

    def __init__(self, rate_name: str, ident: str) -> None:
        self.limit, self.period = rate(rate_name)
        self.key = f"peerpath_limit_{rate_name}_{ident}"

    def _history(self, now: float) -> list[float]:
        history: list[float] = cache.get(self.key, [])
        return [t for t in history if t > now - self.period]

    def wait(self) -> int | None:
        """Seconds to wait before the next event is allowed, or None if allowed now."""
        now = time.time()
        seconds = wait_seconds(self._history(now), now, self.limit, self.period)
        return None if seconds is None else math.ceil(seconds)

    def hit(self) -> None:
        now = time.time()
        cache.set(self.key, [now, *self._history(now)], self.period)


def failure_limiter(request: HttpRequest | Request) -> Limiter:
    """Failed token attempts from the client's address (``PEERPATH_API_RATE_AUTH_FAILURES``)."""
    return Limiter("auth_failures", client_ip(request) or "unknown")


def creation_limiter(user_id: int) -> Limiter:
    """Tokens created by one person (``PEERPATH_API_RATE_TOKEN_CREATE``)."""
    return Limiter("token_create", str(user_id))


@register()
def api_rates_are_valid(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in RATE_NAMES:
        try:
            rate(name)
        except (KeyError, ValueError) as exc:
            env = f"PEERPATH_API_RATE_{name.upper()}"
            errors.append(Error(f"{env}: {exc}", id="peerpath.E070"))
    return errors
