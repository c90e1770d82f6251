"""Signing in: lockout, the second factor, sessions, password reset."""

from __future__ import annotations

import base64
import re

import pytest
from django.conf import settings
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from peerpath.audit.models import AccessLog, Event

PASSWORD = "correct horse battery"


def _login(client, user, password=PASSWORD):
    return client.post("/account/login/", {"username": user.username, "password": password})


def test_after_repeated_failures_the_account_is_locked(org_a, client):
    user = org_a.users["professional"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user, "wrong password")
    response = _login(client, user)  # even the right password is refused now
    assert response.status_code == 429
    assert b"locked" in response.content.lower()
    assert AccessLog.objects.filter(event=Event.LOCKED_OUT).exists()
    assert "_auth_user_id" not in client.session


def test_a_role_with_identifiable_data_must_set_up_a_second_factor(org_a, client):
    user = org_a.users["coordinator"]
    assert _login(client, user).status_code == 302
    response = client.get("/members/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/?next=%2Fmembers%2F"
    page = client.get(response["Location"])
    assert page.context["setup"] is True
    html = page.content.decode()
    assert "<svg" in html
    assert 'aria-label="Main"' not in html  # no way around the second step from its own page


def test_setting_up_totp_with_a_correct_code_lets_the_user_in(org_a, client):
    user = org_a.users["coordinator"]
    _login(client, user)
    page = client.get("/account/two-factor/?next=/members/")
    shown = page.context["secret"].replace(" ", "")
    key = base64.b32decode(shown + "=" * (-len(shown) % 8))
    response = client.post("/account/two-factor/", {"token": f"{totp(key):06d}", "next": "/members/"})
    assert response.status_code == 302 and response["Location"] == "/members/"
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/members/").status_code == 200
    assert AccessLog.objects.filter(event=Event.OTP_DEVICE_ADDED, actor=user).exists()


def test_a_wrong_code_is_refused_with_a_message(org_a, client):
    user = org_a.users["professional"]
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, user)
    response = client.post("/account/two-factor/", {"token": "000000"})
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    assert client.get("/members/").status_code == 302
    assert AccessLog.objects.filter(event=Event.OTP_FAILED, actor=user).exists()


def test_the_next_parameter_cannot_send_the_user_elsewhere(org_a, client):
    user = org_a.users["coordinator"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _login(client, user)
    response = client.post(
        "/account/two-factor/", {"token": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/"


def test_a_researcher_needs_no_second_factor(org_a, client):
    _login(client, org_a.users["researcher"])
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("demo_setting", [False])
def test_the_requirement_can_be_turned_off(org_a, client, settings, demo_setting):
    settings.PEERPATH_REQUIRE_2FA = demo_setting
    _login(client, org_a.users["coordinator"])
    assert client.get("/members/").status_code == 200


def test_sessions_expire_when_idle_and_with_the_browser():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60


def test_passwords_are_hashed_with_argon2_in_production():
    from peerpath import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_password_reset_sends_a_working_link(org_a, client):
    user = org_a.users["professional"]
    response = client.post("/account/password-reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/account/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"},
    )
    user.refresh_from_db()
    assert user.check_password("a new long passphrase 42")


def test_password_reset_does_not_reveal_unknown_addresses(db, client):
    response = client.post("/account/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_switching_to_an_organisation_the_user_belongs_to(org_a, org_b):
    from conftest import verified_client
    from peerpath.tenancy.models import Membership

    user = org_a.users["coordinator"]
    Membership.objects.create(user=user, organization=org_b.org, role="coordinator")
    client = verified_client(user)
    assert client.get(f"/members/{org_b.member.code}/").status_code == 404
    client.post("/account/organisation/", {"organization": org_b.org.pk})
    assert client.get(f"/members/{org_b.member.code}/").status_code == 200
    assert client.get(f"/members/{org_a.member.code}/").status_code == 404


def test_switching_to_a_foreign_organisation_is_refused(org_a, org_b, coordinator):
    coordinator.post("/account/organisation/", {"organization": org_b.org.pk})
    assert coordinator.get(f"/members/{org_b.member.code}/").status_code == 404
    assert coordinator.get(f"/members/{org_a.member.code}/").status_code == 200


def test_a_signed_in_user_changes_their_password(org_a, client_for):
    client = client_for("peer_leader")
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "another long passphrase 7",
         "new_password2": "another long passphrase 7"},
    )
    assert response.status_code == 302
    user = org_a.users["peer_leader"]
    user.refresh_from_db()
    assert user.check_password("another long passphrase 7")


def test_a_wrong_old_password_changes_nothing(org_a, client_for):
    client = client_for("peer_leader")
    response = client.post(
        "/account/password/",
        {"old_password": "not it", "new_password1": "another long passphrase 7",
         "new_password2": "another long passphrase 7"},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    org_a.users["peer_leader"].refresh_from_db()
    assert org_a.users["peer_leader"].check_password(PASSWORD)


def test_a_user_of_two_organisations_sees_a_switcher_and_others_do_not(org_a, org_b):
    from conftest import verified_client
    from peerpath.tenancy.models import Membership

    user = org_a.users["coordinator"]
    Membership.objects.create(user=user, organization=org_b.org, role="professional")
    html = verified_client(user).get("/dashboard/").content.decode()
    assert 'name="organization"' in html and org_b.org.name in html
    single = verified_client(org_a.users["professional"]).get("/dashboard/").content.decode()
    assert 'name="organization"' not in single


def test_switching_organisation_changes_the_role_too(org_a, org_b):
    from conftest import verified_client
    from peerpath.tenancy.models import Membership

    user = org_a.users["researcher"]
    Membership.objects.create(user=user, organization=org_b.org, role="coordinator")
    client = verified_client(user)
    assert client.get("/members/").status_code == 403  # a researcher in A
    client.post("/account/organisation/", {"organization": org_b.org.pk})
    assert client.get("/members/").status_code == 200  # a coordinator in B
