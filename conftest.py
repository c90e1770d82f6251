"""Shared fixtures: two organisations, a staff user per role in each, and clients
signed in with a verified second factor (as real sessions of these roles are)."""

from __future__ import annotations

import os
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from peerpath.tenancy.models import Role
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory

ROLES = [r.value for r in Role]

# Property tests: no per-example deadline (CI machines vary); under CI the examples
# are derived from the test itself, so a failure there reproduces exactly.
hypothesis_settings.register_profile("peerpath", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "peerpath")


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PEERPATH_REQUIRE_2FA = True
    settings.LANGUAGE_CODE = "en"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_alert_refresh_left_over():
    """Each test runs in a transaction rolled back at its end: the members its writes
    gathered for an alert refresh on commit must not be refreshed by the next test."""
    from peerpath.alerts import triggers

    triggers.forget_pending()
    yield
    triggers.forget_pending()


def _tenant(label: str) -> SimpleNamespace:
    org = OrganizationFactory(name=f"Association {label}", slug=f"assoc-{label.lower()}")
    staff = {
        role: MembershipFactory(organization=org, role=role, user__username=f"{role}_{label.lower()}")
        for role in ROLES
    }
    member = MemberFactory(organization=org, code=f"{label}0001", name=f"王小明{label}")
    return SimpleNamespace(org=org, staff=staff, users={r: m.user for r, m in staff.items()}, member=member)


@pytest.fixture
def org_a(db) -> SimpleNamespace:
    """Organisation A, a user per role, and one member (code A0001)."""
    return _tenant("A")


@pytest.fixture
def org_b(db) -> SimpleNamespace:
    """Organisation B, a user per role, and one member (code B0001)."""
    return _tenant("B")


def verified_client(user) -> Client:
    """A client signed in as ``user`` who has passed the TOTP step."""
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(org_a) -> Callable[[str], Client]:
    """``client_for("coordinator")`` → a verified client of that role in org A."""

    def make(role: str, tenant: SimpleNamespace | None = None) -> Client:
        return verified_client((tenant or org_a).users[role])

    return make


@pytest.fixture
def coordinator(client_for) -> Client:
    return client_for("coordinator")
