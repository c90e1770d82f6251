"""Forms of the safety path. The rules about values live in ``rules`` and the
models' validators; the actions check them again for every other entry point."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.safety import rules
from peerpath.safety.models import SafetyPlan

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ContactForm(forms.Form):
    contacted_at = forms.DateTimeField(label=_("When"), widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"])
    method = forms.ChoiceField(label=_("How"), choices=rules.Method.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=rules.Outcome.choices, widget=forms.RadioSelect)
    next_attempt_at = forms.DateTimeField(
        label=_("Next attempt (when the member could not be reached)"), required=False, widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    plan = forms.ChoiceField(label=_("Safety plan"), choices=rules.PlanAction.choices, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("contacted_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "contacted_at" in data and "outcome" in data:
            for field, message in rules.validate_contact_outcome(
                data["outcome"], data.get("next_attempt_at"), data["contacted_at"], timezone.now()
            ).items():
                self.add_error(field, message)
        return data


class PlanForm(forms.ModelForm):
    class Meta:
        model = SafetyPlan
        fields = [*SafetyPlan.STEPS, "share_with_mentor"]
        widgets = {step: forms.Textarea(attrs={"rows": 3}) for step in SafetyPlan.STEPS}
        help_texts = {
            "warning_signs": _("Step 1: thoughts, images, moods, situations or behaviour that show a crisis may be coming."),
            "coping": _("Step 2: what the member can do alone to take their mind off problems."),
            "distractions": _("Step 3: people and social settings that help."),
            "help_people": _("Step 4: people the member can ask for help, with their numbers."),
            "professionals": _("Step 5: professionals or agencies to contact in a crisis, and crisis lines."),
            "environment": _("Step 6: making the environment safe (means)."),
            "reasons": _("What matters most to the member and is worth living for."),
            "share_with_mentor": _("Ticked by the member's choice only. Peer leaders then see the plan too; "
                                   "never the follow-ups or answers."),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not any((data.get(step) or "").strip() for step in SafetyPlan.STEPS):
            self.add_error("warning_signs", _("Write at least one step of the plan with the member."))
        return data


class SettingsForm(forms.Form):
    follow_up_hours = forms.IntegerField(
        label=_("Hours to follow up a safety answer"), min_value=1, max_value=rules.MAX_FOLLOW_UP_HOURS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["follow_up_hours"].help_text = _(
            "Counted from the answer, through nights and weekends. At most %(n)s."
        ) % {"n": rules.MAX_FOLLOW_UP_HOURS}


class CrisisContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    number = forms.CharField(label=_("Number"), max_length=40, validators=rules.PHONE_VALIDATORS)
    hours = forms.CharField(label=_("Hours"), max_length=80, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


CrisisContactFormSet = formset_factory(CrisisContactForm, extra=2, can_delete=True, max_num=20, validate_max=True)
