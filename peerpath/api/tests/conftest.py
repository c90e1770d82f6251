"""Fixtures of the API tests: a token per role, and a fresh rate-limit cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from peerpath.api.actions import create_token


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate limits count in the cache, which outlives a test: start and end empty."""
    cache.clear()
    yield
    cache.clear()


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api_for(org_a) -> Callable[..., APIClient]:
    """``api_for("professional")`` → an API client with a fresh token of that role in org A."""

    def make(role: str, tenant: SimpleNamespace | None = None) -> APIClient:
        _token, secret = create_token((tenant or org_a).staff[role], name=f"test {role}")
        return token_client(secret)

    return make
