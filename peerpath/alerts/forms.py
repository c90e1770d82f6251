"""Forms of the alerts app. Every check names its field; nothing is saved unless
the whole form is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from peerpath.alerts.models import AlertSettings
from peerpath.members.forms import FormBase

NOTE_MAX = 2000


class AcknowledgeForm(FormBase, forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: who is following this up, and how."),
    )

    def clean_note(self) -> str:
        return str(self.cleaned_data["note"]).strip()


class ResolveForm(FormBase, forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required: what was done, or why no action is needed."),
        error_messages={"required": _("Say what was done, or why no action is needed.")},
    )

    def clean_note(self) -> str:
        note = str(self.cleaned_data["note"]).strip()
        if not note:
            raise forms.ValidationError(_("Say what was done, or why no action is needed."))
        return note


# Bounds of each threshold: (lowest, highest) allowed.
BOUNDS: dict[str, tuple[int, int]] = {
    "no_contact_days": (3, 90),
    "job_end_contact_days": (1, 30),
    "missed_sessions": (2, 10),
    "mentor_days": (1, 90),
    "new_member_days": (30, 730),
    "isolation_days": (14, 365),
}


class AlertSettingsForm(FormBase, forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = list(AlertSettings.THRESHOLD_FIELDS)
        help_texts = {
            "no_contact_days": _("A member in work with no contact from either track for this many days."),
            "job_end_contact_days": _("After a job ending, no contact from either track for this many days."),
            "missed_sessions": _("Group sessions missed in a row (excused absences do not count)."),
            "mentor_days": _("A new member still without a peer mentor this many days after enrolment."),
            "new_member_days": _("How long after enrolment a member counts as new."),
            "isolation_days": _("No helping contact given or received for this many days."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in BOUNDS.items():
            field = self.fields[name]
            field.widget.attrs.update({"min": low, "max": high})
            # One message naming the bounds, instead of the model field's generic ones.
            field.validators = [
                v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)
            ] + [_between(low, high)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mentor, new = cleaned.get("mentor_days"), cleaned.get("new_member_days")
        if mentor is not None and new is not None and new <= mentor:
            self.add_error("new_member_days", _("Must be longer than the days without a peer mentor."))
        return cleaned


def _between(low: int, high: int) -> Any:
    def check(value: int) -> None:
        if value is not None and not (low <= value <= high):
            raise forms.ValidationError(
                _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
            )

    return check
