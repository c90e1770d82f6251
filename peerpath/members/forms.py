"""Forms for member records. Every check names its field; nothing is saved
unless the whole form is valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.members import rules
from peerpath.members.models import CareTeamAssignment, ConsentKind, Member, Stage, Status
from peerpath.members.validators import phone_is_valid, taiwan_id_is_valid
from peerpath.tenancy.models import Membership, Role, display_name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_in_future(value: dt.date) -> dt.date:
    """A date that has happened: from 1900 to today (the rule every entry point uses)."""
    return rules.clean_past_date(value)


class FormBase:
    """Shared behaviour of Peerpath forms: required fields are marked."""

    required_css_class = "required"


CHOOSE = ("", _("— choose —"))


class MemberForm(FormBase, forms.ModelForm):
    # Sections of the form, shown as fieldsets (field names; "clinical" marks the section).
    sections = [
        (_("Person"), False, ["name", "preferred_name", "birth_year", "gender", "preferred_language"]),
        (_("Programme"), False, ["enrolment_date", "status", "referral_source", "stage"]),
        (_("Contact"), False, ["phone", "email", "address", "emergency_contact"]),
        (_("Identifiers"), False, ["national_id"]),
        (_("Clinical"), True, ["diagnosis", "clinical_notes"]),
    ]

    class Meta:
        model = Member
        fields = [
            "name", "preferred_name", "birth_year", "gender", "preferred_language",
            "enrolment_date", "status", "referral_source",
            "phone", "email", "address", "emergency_contact", "national_id",
            "diagnosis", "clinical_notes",
        ]
        # The model stores email as encrypted text; validate it as an address.
        field_classes = {"email": forms.EmailField}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "preferred_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "emergency_contact": forms.TextInput(attrs={"autocomplete": "off"}),
            "national_id": forms.TextInput(attrs={"autocomplete": "off"}),
            "enrolment_date": DateInput(),
            "diagnosis": forms.TextInput(attrs={"autocomplete": "off"}),
            "clinical_notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "national_id": _("Optional. Letter and nine digits, e.g. A123456789."),
            "diagnosis": _("Clinical: never shown to peer leaders."),
            "clinical_notes": _("Clinical: never shown to peer leaders."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Enter the member's name.")
        for name in ("gender", "referral_source"):
            field = self.fields[name]
            field.choices = [CHOOSE, *[c for c in field.choices if c[0] != ""]]  # type: ignore[attr-defined]
            if self.instance.pk is None:
                field.initial = ""

    @property
    def fieldsets(self) -> list[tuple[dict[str, Any], list[Any]]]:
        return [
            ({"title": title, "clinical": clinical}, [self[n] for n in names if n in self.fields])
            for title, clinical, names in self.sections
        ]

    def clean_name(self) -> str:
        name: str = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the member's name."))
        return name

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not (this_year - 110 <= year <= this_year - 14):
            raise forms.ValidationError(
                _("Enter a birth year between %(low)s and %(high)s.")
                % {"low": this_year - 110, "high": this_year - 14}
            )
        return year

    def clean_enrolment_date(self) -> dt.date:
        return _not_in_future(self.cleaned_data["enrolment_date"])

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not phone_is_valid(phone):
            raise forms.ValidationError(_("Enter a phone number of digits, spaces, +, - or brackets."))
        return phone

    def clean_national_id(self) -> str:
        value: str = self.cleaned_data["national_id"].strip().upper()
        if value and not taiwan_id_is_valid(value):
            raise forms.ValidationError(_("This is not a valid national ID number (check the letter and digits)."))
        return value


class NewMemberForm(MemberForm):
    stage = forms.ChoiceField(
        label=_("Recovery stage at enrolment"),
        choices=[("", _("Not assessed yet")), *Stage.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = Status.ACTIVE
        self.fields["enrolment_date"].initial = timezone.localdate()


class ConsentForm(FormBase, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of consent"), choices=ConsentKind.choices)
    version = forms.CharField(
        label=_("Form version"), max_length=40, help_text=_("The version printed on the signed consent form.")
    )
    given_on = forms.DateField(label=_("Date signed"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate()

    def clean_version(self) -> str:
        version: str = self.cleaned_data["version"].strip()
        if not version:
            raise forms.ValidationError(_("Enter the form version."))
        return version

    def clean_given_on(self) -> dt.date:
        return _not_in_future(self.cleaned_data["given_on"])


class WithdrawConsentForm(FormBase, forms.Form):
    withdrawn_on = forms.DateField(label=_("Date withdrawn"), widget=DateInput())

    def __init__(self, *args: Any, given_on: dt.date, **kwargs: Any) -> None:
        self.given_on = given_on
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()

    def clean_withdrawn_on(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["withdrawn_on"])
        if value < self.given_on:
            raise forms.ValidationError(_("Consent cannot be withdrawn before the date it was given."))
        return value


class StageForm(FormBase, forms.Form):
    stage = forms.ChoiceField(label=_("Recovery stage"), choices=Stage.choices)
    changed_on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["changed_on"].initial = timezone.localdate()

    def clean_changed_on(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["changed_on"])
        if value < self.member.enrolment_date:
            raise forms.ValidationError(_("The date is before the member's enrolment."))
        return value


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class MentorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class CareTeamForm(FormBase, forms.Form):
    professional = StaffChoiceField(
        label=_("Professional"), queryset=get_user_model().objects.none(), required=False,
        empty_label=_("— none —"),
    )
    mentor = MentorChoiceField(
        label=_("Peer mentor"), queryset=Member.objects.none(), required=False, empty_label=_("— none —")
    )
    started_on = forms.DateField(
        label=_("Effective from"),
        widget=DateInput(),
        help_text=_("A change ends the current professional's or mentor's assignment on this date."),
    )

    def __init__(self, *args: Any, member: Member, membership: Membership, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        org = membership.organization
        staff_ids = Membership.objects.for_org(org).filter(
            is_active=True, role__in=[Role.PROFESSIONAL, Role.COORDINATOR]
        ).values("user_id")
        self.fields["professional"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(pk__in=staff_ids, is_active=True).order_by("last_name", "first_name")
        )
        self.fields["mentor"].queryset = (  # type: ignore[attr-defined]
            Member.objects.for_org(org).filter(status=Status.ACTIVE).exclude(pk=member.pk).order_by("code")
        )
        self.fields["started_on"].initial = timezone.localdate()

    def clean_started_on(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["started_on"])
        if value < self.member.enrolment_date:
            raise forms.ValidationError(_("The date is before the member's enrolment."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        started_on = cleaned.get("started_on")
        roles = [role for role, field in (("professional", "professional"), ("peer_mentor", "mentor"))
                 if field in self.changed_data]
        if started_on is None or not roles:
            return cleaned
        # Only the roles being changed matter: their current assignment ends on this date.
        latest = (
            CareTeamAssignment.objects.for_org(self.member.organization)
            .filter(member=self.member, ended_on__isnull=True, role__in=roles)
            .order_by("-started_on")
            .values_list("started_on", flat=True)
            .first()
        )
        if latest is not None and started_on < latest:
            self.add_error(
                "started_on",
                _("The date is before the current assignment started (%(date)s).") % {"date": latest.isoformat()},
            )
        return cleaned
