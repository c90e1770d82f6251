"""Sign-in, the second factor (TOTP), password reset and organisation switch."""

from __future__ import annotations

from typing import Any

import segno
from axes.signals import user_locked_out
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.access import login_only
from peerpath.tenancy.middleware import SESSION_ORG_KEY
from peerpath.tenancy.models import Membership

SETUP_SESSION_KEY = "peerpath_totp_setup"


def landing_url(user: Any) -> str:
    """Where a signed-in user starts: staff on the dashboard, a member in the portal."""
    if not Membership.objects.filter(user=user, is_active=True).exists() and hasattr(user, "member_account"):
        return resolve_url("portal_home")
    return resolve_url("dashboard")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)


def home(request: HttpRequest) -> HttpResponse:
    """The site root: the landing page of whoever is signed in, else the login page."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(landing_url(request.user))


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        audit.record(Event.PASSWORD_RESET_REQUESTED, actor=None, organization=None, request=self.request)
        return super().form_valid(form)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    audit.record(
        Event.LOCKED_OUT, actor=None, organization=None, request=request,
        extra={"username": (username or "")[:150]},
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(gettext_lazy("Enter the six digits shown in your authenticator app."))
        return token


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return resolve_url("dashboard")


@never_cache
@login_only
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code; a user without a confirmed device first sets one up."""
    user: Any = request.user
    membership = getattr(request, "membership", None)
    org = membership.organization if membership else None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    setup = device is None
    if setup:
        pending_id = request.session.get(SETUP_SESSION_KEY)
        device = TOTPDevice.objects.filter(user=user, confirmed=False, pk=pending_id).first()
        if device is None:
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
            request.session[SETUP_SESSION_KEY] = device.pk
    assert device is not None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if setup:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                request.session.pop(SETUP_SESSION_KEY, None)
                audit.record(Event.OTP_DEVICE_ADDED, actor=user, organization=org, request=request)
            otp_login(request, device)
            audit.record(Event.OTP_VERIFIED, actor=user, organization=org, request=request)
            return redirect(_safe_next(request))
        audit.record(Event.OTP_FAILED, actor=user, organization=org, request=request)
        form.add_error("token", _("That code is not correct or has expired. Try the newest code."))
    context: dict[str, Any] = {"form": form, "setup": setup, "next": _safe_next(request)}
    if setup:
        qr = segno.make(device.config_url, error="m")
        context["qr_svg"] = qr.svg_inline(scale=5, dark="#111", light="#fff")
        context["secret"] = _base32(device)
    return render(request, "registration/two_factor.html", context)


def _base32(device: TOTPDevice) -> str:
    import base64

    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))  # easier to type by hand


@login_only
@require_http_methods(["POST"])
def switch_organization(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the active one."""
    try:
        org_id = int(request.POST.get("organization", ""))
    except ValueError:
        org_id = 0
    user: Any = request.user
    membership = Membership.objects.filter(user=user, organization_id=org_id, is_active=True).first()
    if membership is None:
        messages.error(request, _("You are not a member of that organisation."))
        return redirect("dashboard")
    request.session[SESSION_ORG_KEY] = membership.organization_id
    audit.record(Event.ORG_SWITCHED, actor=request.user, organization=membership.organization, request=request)
    return redirect("dashboard")
