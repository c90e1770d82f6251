"""The account pages to create, list and revoke API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import verified_client
from peerpath.api.actions import create_token
from peerpath.api.models import ApiToken
from peerpath.api.tests.conftest import token_client
from peerpath.audit.models import AccessLog, Event
from tests.factories import UserFactory

LIST = "/account/api-tokens/"
NEW = "/account/api-tokens/new/"


def revoke_url(token: ApiToken) -> str:
    return f"/account/api-tokens/{token.pk}/revoke/"


@pytest.mark.parametrize("role", ["admin", "coordinator", "professional", "peer_leader", "researcher"])
def test_every_staff_role_may_create_a_token_and_sees_its_secret_once(org_a, role):
    client = verified_client(org_a.users[role])
    response = client.post(NEW, {"name": "monthly report", "days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"pp_{token.prefix}_") and secret in response.content.decode()
    assert secret not in token.token_hash
    assert response["Cache-Control"].startswith("max-age=0")
    listing = client.get(LIST).content.decode()
    assert "monthly report" in listing and f"pp_{token.prefix}_" in listing and secret not in listing


def test_creating_a_token_is_audited_without_the_secret(org_a):
    response = verified_client(org_a.users["professional"]).post(NEW, {"name": "script", "days": "7"})
    entry = AccessLog.objects.get(event=Event.API_TOKEN_CREATED)
    assert entry.actor == org_a.users["professional"] and entry.organization == org_a.org
    assert response.context["secret"] not in str(entry.extra)


def test_the_token_lasts_the_chosen_number_of_days(org_a):
    verified_client(org_a.users["professional"]).post(NEW, {"name": "script", "days": "30"})
    token = ApiToken.objects.get()
    assert (token.expires_at - token.created_at).days in (29, 30)


@pytest.mark.parametrize("data,field", [({"name": "", "days": "30"}, "name"), ({"name": "   ", "days": "30"}, "name"),
                                        ({"name": "x", "days": "0"}, "days"), ({"name": "x", "days": "400"}, "days"),
                                        ({"name": "x", "days": "many"}, "days")])
def test_bad_input_names_the_field_and_creates_nothing(org_a, data, field):
    response = verified_client(org_a.users["professional"]).post(NEW, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_ones_own_tokens_of_this_organisation(org_a, org_b):
    create_token(org_a.staff["professional"], name="mine")
    create_token(org_a.staff["coordinator"], name="a colleague's")
    create_token(org_b.staff["professional"], name="elsewhere")
    page = verified_client(org_a.users["professional"]).get(LIST).content.decode()
    assert "mine" in page and "a colleague&#x27;s" not in page and "elsewhere" not in page


def test_revoking_stops_the_token_at_once_and_is_audited(org_a):
    token, secret = create_token(org_a.staff["professional"], name="script")
    response = verified_client(org_a.users["professional"]).post(revoke_url(token))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AccessLog.objects.filter(event=Event.API_TOKEN_REVOKED, target_id=str(token.pk)).count() == 1
    assert token_client(secret).get("/api/v1/members/").status_code == 401


def test_a_colleagues_token_cannot_be_revoked(org_a):
    token, secret = create_token(org_a.staff["coordinator"], name="theirs")
    assert verified_client(org_a.users["admin"]).post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_organisations_token_cannot_be_revoked(org_a, org_b):
    token, _secret = create_token(org_b.staff["admin"], name="theirs")
    assert verified_client(org_a.users["admin"]).post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_portal_member_may_not_create_tokens(org_a):
    client = Client()
    client.force_login(UserFactory())
    assert client.post(NEW, {"name": "x", "days": "30"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_pages_require_the_second_factor(org_a):
    client = Client()
    client.force_login(org_a.users["professional"])
    response = client.post(NEW, {"name": "x", "days": "30"})
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")
    assert not ApiToken.objects.exists()


def test_creating_many_tokens_quickly_is_limited_with_retry_after(org_a, settings):
    settings.PEERPATH_API_RATES = {**settings.PEERPATH_API_RATES, "token_create": "2/hour"}
    client = verified_client(org_a.users["professional"])
    statuses = [client.post(NEW, {"name": f"t{i}", "days": "30"}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    response = client.post(NEW, {"name": "again", "days": "30"})
    assert 0 < int(response["Retry-After"]) <= 3600
    assert ApiToken.objects.count() == 2
