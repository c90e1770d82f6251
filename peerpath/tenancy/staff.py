"""Staff management for an organisation's administrators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Discipline, Membership, Role
from peerpath.tenancy.policy import Perm, require
from peerpath.tenancy.usernames import username_in_use

User = get_user_model()


class NewStaffForm(forms.Form):
    required_css_class = "required"

    username = forms.SlugField(label=gettext_lazy("Username"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Given name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Family name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Email"), help_text=gettext_lazy("A link to set a password is sent here."))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    discipline = forms.ChoiceField(label=gettext_lazy("Discipline"), choices=Discipline.choices, required=False)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].lower()
        if username_in_use(username):  # the same rule as a portal account's derived name
            raise forms.ValidationError(_("This username is taken. Choose another."))
        return username


class StaffForm(forms.ModelForm):
    required_css_class = "required"

    class Meta:
        model = Membership
        fields = ["role", "discipline", "is_active"]


@transaction.atomic(durable=True)
def add_staff(membership: Membership, data: dict[str, Any], request: HttpRequest) -> Membership:
    require(membership, Perm.STAFF_MANAGE)
    user = User.objects.create_user(
        username=data["username"], email=data["email"],
        first_name=data["first_name"], last_name=data["last_name"],
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    new = Membership.objects.create(
        user=user, organization=membership.organization, role=data["role"], discipline=data["discipline"]
    )
    audit.record_by(
        membership, Event.STAFF_ADDED,
        target=new, request=request, extra={"role": new.role},
    )
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
        "domain": request.get_host(),
    }
    transaction.on_commit(lambda: _send_password_link(user.email, context))
    return new


def _send_password_link(email: str, context: dict[str, Any]) -> None:
    """The welcome e-mail: a one-time link to choose a password (sent after commit)."""
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    body = render_to_string("registration/welcome_email.txt", context)
    send_mail(subject, body, None, [email])


@transaction.atomic(durable=True)
def change_staff(membership: Membership, target: Membership, form: StaffForm, request: HttpRequest) -> None:
    require(membership, Perm.STAFF_MANAGE)
    form.save()
    audit.record_by(
        membership, Event.STAFF_CHANGED,
        target=target, request=request,
        extra={"role": target.role, "active": target.is_active, "fields": sorted(form.changed_data)},
    )


@staff_view(Perm.STAFF_MANAGE)
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    rows = (
        Membership.objects.for_org(membership.organization)
        .select_related("user")
        .order_by("-is_active", "role", "user__last_name", "user__first_name")
    )
    return render(request, "tenancy/staff_list.html", {"rows": rows})


@staff_view(Perm.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = NewStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        add_staff(membership, form.cleaned_data, request)
        messages.success(request, _("Staff member added; a link to set a password was sent by email."))
        return redirect("staff_list")
    return render(request, "tenancy/staff_form.html", {"form": form, "title": _("Add staff")})


@staff_view(Perm.STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    try:
        target = Membership.objects.for_org(membership.organization).select_related("user").get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404("No such staff member") from None
    form = StaffForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        if target.pk == membership.pk and (
            form.cleaned_data["role"] != Role.ADMIN or not form.cleaned_data["is_active"]
        ):
            form.add_error("role", _("You cannot remove your own administrator role."))
        else:
            change_staff(membership, target, form, request)
            messages.success(request, _("Saved."))
            return redirect("staff_list")
    return render(
        request, "tenancy/staff_form.html",
        {"form": form, "target": target, "title": _("Edit staff member")},
    )


@transaction.atomic(durable=True)
def reset_second_factor(membership: Membership, target: Membership, request: HttpRequest) -> int:
    """Remove a staff member's authenticator devices (lost phone): at their next
    sign-in they set up a new one. Returns how many devices were removed."""
    require(membership, Perm.STAFF_MANAGE)
    removed, _ = TOTPDevice.objects.filter(user=target.user).delete()
    audit.record_by(membership, Event.OTP_DEVICE_RESET, target=target, request=request, extra={"devices": removed})
    return removed


@staff_view(Perm.STAFF_MANAGE)
@require_http_methods(["POST"])
def staff_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    try:
        target = Membership.objects.for_org(membership.organization).select_related("user").get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404("No such staff member") from None
    reset_second_factor(membership, target, request)
    messages.success(request, _("Two-step sign-in was reset: a new authenticator is set up at the next sign-in."))
    return redirect("staff_edit", pk=target.pk)
