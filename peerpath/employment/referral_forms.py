"""Forms of referral and intake. Every check names its field; nothing is saved
unless the whole form is valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.employment import rules
from peerpath.employment.forms import clean_phone_value, not_in_future, required_text
from peerpath.employment.models import CloseReason, Referral
from peerpath.members.forms import CHOOSE, DateInput, FormBase
from peerpath.members.models import Gender, Language, ReferralSource

# -- referrals ------------------------------------------------------------------------------


class ReferralForm(FormBase, forms.Form):
    source = forms.ChoiceField(label=_("Referred by"), choices=[CHOOSE, *ReferralSource.choices])
    received_on = forms.DateField(label=_("Referral received on"), widget=DateInput())
    person_name = forms.CharField(
        label=_("Name of the person referred"), max_length=100,
        error_messages={"required": _("Enter the name of the person referred.")},
    )
    person_phone = forms.CharField(label=_("Their phone"), max_length=30, required=False)
    referrer_name = forms.CharField(
        label=_("Referrer's name"), max_length=100, required=False,
        help_text=_("E.g. the occupational therapist of the day ward."),
    )
    referrer_contact = forms.CharField(label=_("Referrer's phone or email"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person hopes for. No one is turned away: there is no readiness test."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()

    def clean_person_name(self) -> str:
        return required_text(self.cleaned_data["person_name"], _("Enter the name of the person referred."))

    def clean_person_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["person_phone"])

    def clean_received_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["received_on"])


STEP_LABELS = {
    "contacted": _("Date of first contact"),
    "intake": _("Date of the intake meeting"),
}


def _step_date_error(referral: Referral, value: dt.date) -> None:
    problem = rules.step_date_problem(referral.step_dates, value, timezone.localdate())
    if problem == "future":
        raise forms.ValidationError(_("This date is in the future."))
    if problem == "before_previous":
        previous = rules.last_step_date(referral.step_dates)
        raise forms.ValidationError(
            _("This is before the previous step (%(date)s): steps go forward in time.")
            % {"date": previous.isoformat() if previous else ""}
        )


class ReferralStepForm(FormBase, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, referral: Referral, step: str, **kwargs: Any) -> None:
        self.referral = referral
        super().__init__(*args, **kwargs)
        self.fields["on"].label = STEP_LABELS.get(step, _("Date"))
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["on"]
        _step_date_error(self.referral, value)
        return value


class ReferralCloseForm(FormBase, forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=[CHOOSE, *CloseReason.choices])

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        self.referral = referral
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()

    def clean_closed_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["closed_on"]
        _step_date_error(self.referral, value)
        return value


class EnrolForm(FormBase, forms.Form):
    """The referred person becomes a member, with the service consent given at intake."""

    name = forms.CharField(label=_("Name"), max_length=100, error_messages={"required": _("Enter the member's name.")})
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100, required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=[CHOOSE, *Gender.choices])
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, initial=Language.ZH_HANT
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    enrolled_on = forms.DateField(label=_("Enrolment date"), widget=DateInput())
    consent_version = forms.CharField(
        label=_("Service consent: form version"), max_length=40, error_messages={"required": _("Enter the form version.")},
        help_text=_("The version printed on the consent form signed at intake."),
    )
    consent_given_on = forms.DateField(label=_("Service consent: date signed"), widget=DateInput())

    sections = [
        (_("Person"), ["name", "preferred_name", "birth_year", "gender", "preferred_language", "phone"]),
        (_("Enrolment and consent"), ["enrolled_on", "consent_version", "consent_given_on"]),
    ]

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        self.referral = referral
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["name"].initial = referral.person_name
        self.fields["phone"].initial = referral.person_phone
        self.fields["enrolled_on"].initial = today
        self.fields["consent_given_on"].initial = referral.intake_on

    @property
    def fieldsets(self) -> list[tuple[dict[str, Any], list[Any]]]:
        return [({"title": title, "clinical": False}, [self[n] for n in names]) for title, names in self.sections]

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], _("Enter the member's name."))

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"])

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not (this_year - 110 <= year <= this_year - 14):
            raise forms.ValidationError(
                _("Enter a birth year between %(low)s and %(high)s.") % {"low": this_year - 110, "high": this_year - 14}
            )
        return year

    def clean_consent_version(self) -> str:
        return required_text(self.cleaned_data["consent_version"], _("Enter the form version."))

    def clean_enrolled_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["enrolled_on"]
        _step_date_error(self.referral, value)
        return value

    def clean_consent_given_on(self) -> dt.date:
        value = not_in_future(self.cleaned_data["consent_given_on"])
        if self.referral.intake_on and value < self.referral.intake_on:
            raise forms.ValidationError(
                _("The consent is signed at the intake meeting (%(date)s) or later.")
                % {"date": self.referral.intake_on.isoformat()}
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given, enrolled = cleaned.get("consent_given_on"), cleaned.get("enrolled_on")
        if given and enrolled and given > enrolled:
            self.add_error("consent_given_on", _("The consent is signed before or on the enrolment date."))
        return cleaned

    def member_data(self) -> dict[str, Any]:
        keys = ("name", "preferred_name", "birth_year", "gender", "preferred_language", "phone")
        return {k: self.cleaned_data[k] for k in keys}

