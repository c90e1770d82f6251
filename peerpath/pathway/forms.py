"""Forms of the pathway. Every check names its field; nothing is saved unless the
whole form is valid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.members import rules
from peerpath.members.forms import CHOOSE, DateInput, FormBase
from peerpath.members.models import Gender, Member, Stage, Status
from peerpath.pathway.models import (
    MAX_MINUTES,
    CriterionKind,
    HelperRole,
    HelperRoleKind,
    HelpingKind,
    MenteePreferences,
    MentorPreferences,
    SpokenLanguage,
    TrainingModule,
)
from peerpath.pathway.sectors import Sector


def _not_in_future(value: dt.date) -> dt.date:
    """A date that has happened: from 1900 to today (members.rules.past_date)."""
    return rules.clean_past_date(value)


class MemberCodeChoiceField(forms.ModelChoiceField):
    """Members of the organisation, labelled "code name" (staff forms only)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


class RoleChangeForm(FormBase, forms.Form):
    role = forms.ChoiceField(label=_("New helper role"), choices=HelperRoleKind.choices)
    started_on = forms.DateField(label=_("From"), widget=DateInput(),
                                 help_text=_("The current role ends on this date."))

    def __init__(self, *args: Any, member: Member, history: list[HelperRole], current: str, **kwargs: Any) -> None:
        self.member, self.current = member, current
        self.latest = max((r.started_on for r in history), default=None)
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [CHOOSE, *[c for c in HelperRoleKind.choices if c[0] != current]]  # type: ignore[attr-defined]
        self.fields["started_on"].initial = timezone.localdate()

    def clean_started_on(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["started_on"])
        if value < self.member.enrolment_date:
            raise forms.ValidationError(_("The date is before the member's enrolment."))
        if self.latest is not None and value < self.latest:
            raise forms.ValidationError(
                _("The date is before the current role started (%(date)s).") % {"date": self.latest.isoformat()}
            )
        return value


class TrainingForm(FormBase, forms.Form):
    module = forms.ModelChoiceField(label=_("Training module"), queryset=TrainingModule.objects.none(),
                                    empty_label=CHOOSE[1])
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())

    def __init__(self, *args: Any, member: Member, done: set[int], **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = (  # type: ignore[attr-defined]
            TrainingModule.objects.for_org(member.organization).filter(active=True).exclude(pk__in=done)
        )
        self.fields["completed_on"].initial = timezone.localdate()

    def clean_completed_on(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["completed_on"])
        if value < self.member.enrolment_date:
            raise forms.ValidationError(_("The date is before the member's enrolment."))
        return value


class TrainingModuleForm(FormBase, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    hours = forms.DecimalField(label=_("Hours"), min_value=Decimal("0.5"), max_value=Decimal("200"),
                               decimal_places=1, max_digits=4)

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        self.organization_id = organization_id
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name: str = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the module's name."))
        if TrainingModule.objects.filter(organization_id=self.organization_id, name=name).exists():
            raise forms.ValidationError(_("The catalogue already has a module of this name."))
        return name


class CriterionForm(FormBase, forms.Form):
    target_role = forms.ChoiceField(
        label=_("Before becoming"), choices=[CHOOSE, *HelperRoleKind.choices[1:]]
    )
    kind = forms.ChoiceField(label=_("Criterion"), choices=[CHOOSE, *CriterionKind.choices])
    threshold = forms.IntegerField(
        label=_("At least (number)"), required=False, min_value=1, max_value=600,
        help_text=_("For months in the programme and group sessions attended."),
    )
    module = forms.ModelChoiceField(
        label=_("Training module"), queryset=TrainingModule.objects.none(), required=False,
        empty_label=CHOOSE[1], help_text=_("For a training module completed."),
    )
    role = forms.ChoiceField(label=_("Helper role"), choices=[CHOOSE, *HelperRoleKind.choices], required=False,
                             help_text=_("For the current helper role."))
    stage = forms.ChoiceField(label=_("Recovery stage"), choices=[CHOOSE, *Stage.choices], required=False,
                              help_text=_("For the recovery stage."))

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = TrainingModule.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id, active=True
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        needed = {
            CriterionKind.MONTHS_IN_PROGRAMME: ("threshold", _("Give the number of months.")),
            CriterionKind.SESSIONS_ATTENDED: ("threshold", _("Give the number of sessions.")),
            CriterionKind.TRAINING_MODULE: ("module", _("Choose the training module.")),
            CriterionKind.CURRENT_ROLE: ("role", _("Choose the helper role.")),
            CriterionKind.RECOVERY_STAGE: ("stage", _("Choose the recovery stage.")),
        }
        if kind in needed:
            field, message = needed[kind]
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, message)
            # Only the value this kind of criterion uses is kept.
            for other in ("threshold", "module", "role", "stage"):
                if other != field:
                    cleaned[other] = None if other in ("threshold", "module") else ""
        if kind == CriterionKind.CURRENT_ROLE and cleaned.get("role") and cleaned.get("target_role"):
            from peerpath.pathway.readiness import ROLE_INDEX

            if ROLE_INDEX[cleaned["role"]] >= ROLE_INDEX[cleaned["target_role"]]:
                self.add_error("role", _("Choose a role that comes before the role the criterion is for."))
        return cleaned


LANGUAGE_CHOICES = SpokenLanguage.choices


class MentoringForm(FormBase, forms.Form):
    """The member as a mentor (an offer) and as a mentee (preferences)."""

    offers_to_mentor = forms.BooleanField(label=_("Offers to mentor newer members"), required=False)
    available = forms.BooleanField(label=_("Available at present"), required=False, initial=True)
    max_mentees = forms.IntegerField(label=_("At most how many mentees"), min_value=1, max_value=10, initial=2,
                                     required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=LANGUAGE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Used to match mentors and mentees. None ticked: the member's interface language."),
    )
    mentor_note = forms.CharField(label=_("Note on mentoring"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    gender = forms.ChoiceField(label=_("Preferred gender of their own mentor"),
                               choices=[("", _("No preference")), *Gender.choices[:3]], required=False)
    gender_required = forms.BooleanField(label=_("Only a mentor of this gender"), required=False)

    def __init__(self, *args: Any, mentor: MentorPreferences | None, mentee: MenteePreferences | None,
                 **kwargs: Any) -> None:
        initial: dict[str, Any] = dict(kwargs.pop("initial", None) or {})
        if mentor is not None:
            initial.update(offers_to_mentor=True, available=mentor.available, max_mentees=mentor.max_mentees,
                           mentor_note=mentor.note)
        languages = (mentor.languages if mentor else None) or (mentee.languages if mentee else None) or []
        initial["languages"] = languages
        if mentee is not None:
            initial.update(gender=mentee.gender, gender_required=mentee.gender_required)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("offers_to_mentor") and not cleaned.get("max_mentees") and "max_mentees" not in self.errors:
            self.add_error("max_mentees", _("Give how many mentees the member can take on."))
        if cleaned.get("gender_required") and not cleaned.get("gender"):
            self.add_error("gender", _("Choose the gender, or untick 'only a mentor of this gender'."))
        return cleaned

    def mentor_data(self) -> dict[str, Any] | None:
        c = self.cleaned_data
        if not c["offers_to_mentor"]:
            return None
        return {"available": c["available"], "max_mentees": c["max_mentees"], "languages": c["languages"],
                "note": c["mentor_note"]}

    def mentee_data(self) -> dict[str, Any]:
        c = self.cleaned_data
        return {"gender": c["gender"], "gender_required": c["gender_required"], "languages": c["languages"]}


class ConfirmMentorForm(FormBase, forms.Form):
    mentor = forms.CharField(label=_("Mentor"), max_length=20)
    started_on = forms.DateField(label=_("Effective from"), widget=DateInput())

    def __init__(self, *args: Any, mentee: Member, eligible: list[str], **kwargs: Any) -> None:
        self.mentee, self.eligible = mentee, eligible
        super().__init__(*args, **kwargs)
        self.fields["started_on"].initial = timezone.localdate()

    def clean_mentor(self) -> str:
        code: str = self.cleaned_data["mentor"].strip()
        if code not in self.eligible:
            raise forms.ValidationError(_("Choose one of the suggested mentors."))
        return code

    def clean_started_on(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["started_on"])
        if value < self.mentee.enrolment_date:
            raise forms.ValidationError(_("The date is before the member's enrolment."))
        return value


class HelpingBaseForm(FormBase, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of help"), choices=[CHOOSE, *HelpingKind.choices])
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=MAX_MINUTES)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Optional. Shown only to professionals and coordinators."))

    def _check_dates(self, cleaned: dict[str, Any], helper: Member | None, helped: Member | None) -> None:
        day = cleaned.get("date")
        if day is None:
            return
        for member in (helper, helped):
            if member is not None and day < member.enrolment_date:
                self.add_error("date", _("The date is before %(code)s enrolled.") % {"code": member.code})
                return


class HelpingForm(HelpingBaseForm):
    """Staff log a contact between any two active members."""

    helper = MemberCodeChoiceField(label=_("Helper"), queryset=Member.objects.none(), empty_label=CHOOSE[1])
    helped = MemberCodeChoiceField(label=_("Helped member"), queryset=Member.objects.none(), empty_label=CHOOSE[1])
    field_order = ["helper", "helped", "kind", "minutes", "date", "note"]

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(organization_id=organization_id, status=Status.ACTIVE).order_by("code")
        self.fields["helper"].queryset = members  # type: ignore[attr-defined]
        self.fields["helped"].queryset = members  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()

    def clean_date(self) -> dt.date:
        return _not_in_future(self.cleaned_data["date"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        helper, helped = cleaned.get("helper"), cleaned.get("helped")
        if helper is not None and helped is not None and helper.pk == helped.pk:
            self.add_error("helped", _("Choose someone other than the helper."))
        self._check_dates(cleaned, helper, helped)
        return cleaned


class OwnHelpingForm(HelpingBaseForm):
    """A member logs help they gave, to one of their mentees or group co-members."""

    helped = forms.TypedChoiceField(label=_("Whom did you help?"), coerce=int)
    field_order = ["helped", "kind", "minutes", "date", "note"]

    def __init__(self, *args: Any, helper: Member, people: list[tuple[int, str]], **kwargs: Any) -> None:
        self.helper = helper
        self.people = dict(people)
        super().__init__(*args, **kwargs)
        self.fields["helped"].choices = [CHOOSE, *people]  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()
        self.fields["note"].help_text = _("Optional. Only staff can read it.")

    def clean_date(self) -> dt.date:
        value = _not_in_future(self.cleaned_data["date"])
        if value < timezone.localdate() - dt.timedelta(days=90):
            raise forms.ValidationError(_("Log help from the last 90 days; ask staff about older help."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_dates(cleaned, self.helper, None)
        return cleaned


class StoryForm(FormBase, forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudonym"), max_length=40,
        help_text=_("The name your story appears under. Not your real name."),
    )
    sector = forms.ChoiceField(label=_("Job sector"), choices=[CHOOSE, *Sector.choices])
    recovery_stage = forms.ChoiceField(label=_("Recovery stage when writing"), choices=[CHOOSE, *Stage.choices])
    how_found = forms.CharField(label=_("How I found the job"), max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 4}))
    what_helped = forms.CharField(label=_("What helped"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    what_was_hard = forms.CharField(label=_("What was hard"), max_length=4000,
                                    widget=forms.Textarea(attrs={"rows": 4}))
    advice = forms.CharField(label=_("What I would tell a newcomer"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)

    def clean_pseudonym(self) -> str:
        value: str = " ".join(self.cleaned_data["pseudonym"].split())
        if not value:
            raise forms.ValidationError(_("Choose a pseudonym."))
        lowered = value.casefold()
        own = [self.member.name, self.member.preferred_name, self.member.code]
        parts = [p for name in own if name for p in [name, *name.split()] if len(p) >= 2]
        if any(p.casefold() in lowered or lowered in p.casefold() for p in parts):
            raise forms.ValidationError(_("Choose a pseudonym that is not the writer's name or member code."))
        return value


class ReviewForm(FormBase, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("publish", _("Publish in the organisation's hope library")),
                 ("return", _("Return to the writer with a note"))],
    )
    note = forms.CharField(label=_("Note to the writer"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "return" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say what the writer should change."))
        return cleaned


class NetworkForm(forms.Form):
    """The network page's period and isolation window (GET; bad values fall back)."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    days = forms.IntegerField(label=_("Days without contact (at risk)"), min_value=7, max_value=365,
                              required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned
