"""Token authentication: who gets in, as whom, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import verified_client
from peerpath.api.actions import create_token, revoke_token
from peerpath.api.models import ApiToken
from peerpath.api.tests.conftest import token_client
from peerpath.api.throttling import TokenRateThrottle
from tests.factories import MembershipFactory

MEMBERS = "/api/v1/members/"
RATES = {"token": "120/minute", "ip": "600/minute", "auth_failures": "20/hour", "token_create": "10/hour"}


def test_a_request_without_a_token_is_refused_with_401_naming_the_scheme(org_a):
    response = APIClient().get(MEMBERS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_session_is_not_enough(org_a):
    response = verified_client(org_a.users["admin"]).get(MEMBERS)
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer nonsense", "Bearer a b", "Bearer pp_0123456789_" + "a" * 43,
                                    "Basic dXNlcjpwYXNz"])
def test_a_wrong_or_unknown_token_is_refused(org_a, header):
    response = APIClient().get(MEMBERS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_a_valid_token_acts_as_its_membership(org_a):
    _token, secret = create_token(org_a.staff["professional"], name="script")
    response = token_client(secret).get(MEMBERS)
    assert response.status_code == 200
    assert [m["code"] for m in response.json()["results"]] == ["A0001"]


def test_a_token_acts_in_the_organisation_it_was_created_in_whatever_the_session(org_a, org_b):
    # The same person works in both organisations; the token belongs to B.
    person = org_a.users["professional"]
    in_b = MembershipFactory(organization=org_b.org, user=person, role="professional")
    _token, secret = create_token(in_b, name="for B")
    client = verified_client(person)  # a session in A as well
    response = client.get(MEMBERS, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [m["code"] for m in response.json()["results"]] == ["B0001"]


def test_a_token_with_one_character_changed_is_refused(org_a):
    _token, secret = create_token(org_a.staff["professional"], name="script")
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert token_client(tampered).get(MEMBERS).status_code == 401


def test_a_revoked_token_is_refused(org_a):
    token, secret = create_token(org_a.staff["professional"], name="script")
    revoke_token(org_a.staff["professional"], token)
    response = token_client(secret).get(MEMBERS)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_an_expired_token_is_refused(org_a):
    token, secret = create_token(org_a.staff["professional"], name="script", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = token_client(secret).get(MEMBERS)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_of_a_disabled_staff_account_is_refused(org_a):
    _token, secret = create_token(org_a.staff["professional"], name="script")
    org_a.staff["professional"].is_active = False
    org_a.staff["professional"].save(update_fields=["is_active"])
    assert token_client(secret).get(MEMBERS).status_code == 401


def test_a_token_of_a_disabled_user_is_refused(org_a):
    _token, secret = create_token(org_a.staff["professional"], name="script")
    user = org_a.users["professional"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert token_client(secret).get(MEMBERS).status_code == 401


def test_use_is_recorded_on_the_token(org_a):
    token, secret = create_token(org_a.staff["professional"], name="script")
    assert token.last_used_at is None
    token_client(secret).get(MEMBERS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_repeated_failed_tokens_from_one_address_are_throttled_with_retry_after(org_a, settings):
    settings.PEERPATH_API_RATES = {**RATES, "auth_failures": "3/hour"}
    _token, secret = create_token(org_a.staff["professional"], name="script")
    client = APIClient()
    for _ in range(3):
        assert client.get(MEMBERS, HTTP_AUTHORIZATION="Bearer pp_0123456789_" + "a" * 43).status_code == 401
    response = token_client(secret).get(MEMBERS)  # even a good token, from that address, for a while
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600


def test_requests_without_any_token_do_not_count_as_failures(org_a, settings):
    settings.PEERPATH_API_RATES = {**RATES, "auth_failures": "2/hour"}
    _token, secret = create_token(org_a.staff["professional"], name="script")
    for _ in range(5):
        APIClient().get(MEMBERS)
    assert token_client(secret).get(MEMBERS).status_code == 200


def test_each_token_has_its_own_rate_limit(org_a, settings):
    settings.PEERPATH_API_RATES = {**RATES, "token": "2/minute"}
    _token, first = create_token(org_a.staff["professional"], name="one")
    _token, second = create_token(org_a.staff["professional"], name="two")
    client = token_client(first)
    assert [client.get(MEMBERS).status_code for _ in range(3)] == [200, 200, 429]
    assert 0 < int(client.get(MEMBERS)["Retry-After"]) <= 60
    assert token_client(second).get(MEMBERS).status_code == 200


def test_one_address_has_a_rate_limit_across_tokens(org_a, settings):
    settings.PEERPATH_API_RATES = {**RATES, "ip": "3/minute"}
    secrets = [create_token(org_a.staff["professional"], name=f"t{i}")[1] for i in range(4)]
    assert [token_client(s).get(MEMBERS).status_code for s in secrets] == [200, 200, 200, 429]


def test_the_throttle_reads_the_rate_configured_now(settings):
    settings.PEERPATH_API_RATES = {**RATES, "token": "7/hour"}
    throttle = TokenRateThrottle()
    assert (throttle.num_requests, throttle.duration) == (7, 3600)
