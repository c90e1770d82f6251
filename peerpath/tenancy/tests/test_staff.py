"""Administrators manage their organisation's staff."""

from django.contrib.auth import get_user_model
from django.core import mail

from peerpath.audit.models import AccessLog, Event
from peerpath.tenancy.models import Membership


def test_an_admin_adds_staff_who_get_a_password_link(org_a, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("admin").post(
            "/staff/new/",
            {"username": "newot", "first_name": "怡", "last_name": "周", "email": "newot@example.org",
             "role": "professional", "discipline": "ot"},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newot")
    assert membership.organization == org_a.org and membership.role == "professional"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1 and "/account/reset/" in mail.outbox[0].body
    assert AccessLog.objects.filter(event=Event.STAFF_ADDED, target_id=str(membership.pk)).exists()


def test_a_taken_username_is_refused_and_nothing_is_created(org_a, client_for):
    users_before = get_user_model().objects.count()
    response = client_for("admin").post(
        "/staff/new/",
        {"username": org_a.users["researcher"].username, "first_name": "A", "last_name": "B",
         "email": "x@example.org", "role": "researcher"},
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert get_user_model().objects.count() == users_before


def test_an_admin_changes_a_role(org_a, client_for):
    target = org_a.staff["peer_leader"]
    response = client_for("admin").post(f"/staff/{target.pk}/", {"role": "professional", "discipline": "es", "is_active": "on"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "professional"


def test_an_admin_cannot_remove_their_own_admin_role(org_a, client_for):
    own = org_a.staff["admin"]
    response = client_for("admin").post(f"/staff/{own.pk}/", {"role": "coordinator", "is_active": "on"})
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.role == "admin"


def test_a_deactivated_membership_loses_access(org_a, client_for):
    client = client_for("professional")
    org_a.staff["professional"].is_active = False
    org_a.staff["professional"].save()
    assert client.get("/members/").status_code == 403


def test_an_admin_resets_a_lost_authenticator(org_a, client_for):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from conftest import verified_client

    target = org_a.staff["professional"]
    verified_client(target.user)
    assert TOTPDevice.objects.filter(user=target.user).exists()
    response = client_for("admin").post(f"/staff/{target.pk}/reset-two-factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target.user).exists()
    assert AccessLog.objects.filter(event=Event.OTP_DEVICE_RESET, target_id=str(target.pk)).exists()
