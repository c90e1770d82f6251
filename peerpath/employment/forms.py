"""Forms of the professional track. Every check names its field; nothing is saved
unless the whole form is valid (and the database constraints back the rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.employment import rules
from peerpath.employment.models import (
    JOB_DISCLOSURES,
    ContactKind,
    Disclosure,
    Employer,
    EndingReason,
    Job,
    JobOpening,
    OpeningStatus,
    SearchKind,
    SearchOutcome,
    Sector,
    Shift,
    SupportKind,
    SupportPlace,
    SupportTrack,
)
from peerpath.members.forms import CHOOSE, DateInput, FormBase
from peerpath.members.models import Member
from peerpath.members.rules import clean_past_date
from peerpath.members.validators import phone_is_valid


def not_in_future(value: dt.date) -> dt.date:
    """A date that has happened: from 1900 to today (members.rules.past_date)."""
    return clean_past_date(value)


def clean_phone_value(value: str) -> str:
    value = value.strip()
    if value and not phone_is_valid(value):
        raise forms.ValidationError(_("Enter a phone number of digits, spaces, +, - or brackets."))
    return value


def required_text(value: str, message: Any) -> str:
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError(message)
    return value


class HoursField(forms.DecimalField):
    """Hours per week: more than 0, at most 80, in half hours at the finest."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=4, decimal_places=1, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if value <= 0:
            raise forms.ValidationError(_("Hours per week must be more than 0."))
        if value > 80:
            raise forms.ValidationError(_("Hours per week cannot be more than 80."))


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}"


# -- vocational profile -----------------------------------------------------------------


class ProfileForm(FormBase, forms.Form):
    recorded_on = forms.DateField(label=_("Date"), widget=DateInput())
    sectors = forms.MultipleChoiceField(
        label=_("Sectors of interest"), choices=Sector.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    hours_per_week = forms.IntegerField(
        label=_("Hours per week wanted"), required=False, min_value=1, max_value=80,
        error_messages={
            "min_value": _("Enter between 1 and 80 hours."), "max_value": _("Enter between 1 and 80 hours."),
        },
    )
    location = forms.CharField(
        label=_("Where they would like to work"), max_length=120, required=False,
        help_text=_("An area or a line of the MRT, e.g. near 板橋 station."),
    )
    shifts = forms.MultipleChoiceField(
        label=_("Shifts they can work"), choices=Shift.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    disclosure_preference = forms.ChoiceField(label=_("Disclosure preference"), choices=Disclosure.choices)
    goals = forms.CharField(label=_("Work goals"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    work_history = forms.CharField(
        label=_("Work history"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to professional staff only."),
    )
    benefits_concerns = forms.CharField(
        label=_("Benefits concerns"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. disability allowance or low-income status. Shown to professional staff only."),
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate()

    def clean_recorded_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["recorded_on"])


# -- employers ---------------------------------------------------------------------------


class EmployerForm(FormBase, forms.ModelForm):
    class Meta:
        model = Employer
        fields = ["name", "sector", "size", "contact_person", "phone", "email", "address", "note"]
        field_classes = {"email": forms.EmailField}
        widgets = {
            "contact_person": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        self.organization_id = organization_id
        super().__init__(*args, **kwargs)
        sector = self.fields["sector"]
        sector.choices = [CHOOSE, *[c for c in sector.choices if c[0] != ""]]  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name = required_text(self.cleaned_data["name"], _("Enter the employer's name."))
        same = Employer.objects.filter(organization_id=self.organization_id, name__iexact=name)
        if self.instance.pk:
            same = same.exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(_("An employer of this name is already on the list."))
        return name

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data["phone"])

    def _post_clean(self) -> None:
        """Validated here; the action saves (a ModelForm would write the instance)."""


class EmployerContactForm(FormBase, forms.Form):
    contacted_on = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    member = MemberChoiceField(
        label=_("For member"), queryset=Member.objects.none(), required=False, empty_label=_("— none —"),
        help_text=_("When the contact was about a job for one member."),
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()
        self.fields["member"].queryset = members  # type: ignore[attr-defined]

    def clean_contacted_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["contacted_on"])


class OpeningForm(FormBase, forms.Form):
    title = forms.CharField(
        label=_("Job title"), max_length=120, error_messages={"required": _("Enter the job title.")}
    )
    hours_per_week = HoursField(label=_("Hours per week"), required=False)
    posted_on = forms.DateField(label=_("Posted on"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=OpeningStatus.choices, initial=OpeningStatus.OPEN)
    closed_on = forms.DateField(
        label=_("Filled or closed on"), widget=DateInput(), required=False,
        help_text=_("Needed once the opening is filled or closed."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["posted_on"].initial = timezone.localdate()

    def clean_title(self) -> str:
        return required_text(self.cleaned_data["title"], _("Enter the job title."))

    def clean_posted_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["posted_on"])

    def clean_closed_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("closed_on")
        return not_in_future(value) if value else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        status, posted, closed = cleaned.get("status"), cleaned.get("posted_on"), cleaned.get("closed_on")
        if status == OpeningStatus.OPEN and closed:
            self.add_error("closed_on", _("An open opening has no closing date: leave it empty."))
        elif status in (OpeningStatus.FILLED, OpeningStatus.CLOSED) and not closed and "closed_on" not in self.errors:
            self.add_error("closed_on", _("Enter the date it was filled or closed."))
        elif posted and closed and closed < posted:
            self.add_error("closed_on", _("The opening cannot close before it was posted."))
        return cleaned

    @staticmethod
    def initial_from(opening: JobOpening) -> dict[str, Any]:
        return {f: getattr(opening, f) for f in ("title", "hours_per_week", "posted_on", "status", "closed_on")}


# -- job search ------------------------------------------------------------------------------


class EmployerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class JobSearchForm(FormBase, forms.Form):
    done_on = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Activity"), choices=SearchKind.choices)
    employer = EmployerChoiceField(
        label=_("Employer"), queryset=Employer.objects.none(), required=False, empty_label=_("— not on the list —")
    )
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SearchOutcome.choices, initial=SearchOutcome.PENDING)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to professional staff only."),
    )

    def __init__(self, *args: Any, member: Member, employers: QuerySet[Employer], **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]

    def clean_done_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["done_on"])


# -- jobs -------------------------------------------------------------------------------------


class JobForm(FormBase, forms.Form):
    """A job start, or a change to a job. The end date is set by recording the ending."""

    employer = EmployerChoiceField(
        label=_("Employer"), queryset=Employer.objects.none(), required=False, empty_label=_("— choose —")
    )
    new_employer_name = forms.CharField(
        label=_("Or a new employer's name"), max_length=200, required=False,
        help_text=_("Added to the employer list with this job."),
    )
    new_employer_sector = forms.ChoiceField(
        label=_("New employer's sector"), choices=[CHOOSE, *Sector.choices], required=False
    )
    title = forms.CharField(
        label=_("Job title"), max_length=120, error_messages={"required": _("Enter the job title.")}
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    hours_per_week = HoursField(label=_("Hours per week"))
    hourly_wage = forms.DecimalField(
        label=_("Hourly wage"), max_digits=9, decimal_places=2, required=False,
        help_text=_("Leave empty if not known. Shown to professional staff only."),
    )
    in_community = forms.BooleanField(
        label=_("In the community"), required=False,
        help_text=_("An ordinary workplace, not a sheltered workshop or a job inside a programme."),
    )
    open_to_anyone = forms.BooleanField(
        label=_("Open to anyone"), required=False,
        help_text=_("Anyone could apply: not set aside for people with disabilities."),
    )
    minimum_wage_or_more = forms.BooleanField(label=_("Pays at least the minimum wage"), required=False)
    disclosure = forms.ChoiceField(
        label=_("Disclosure at work"), choices=[CHOOSE, *JOB_DISCLOSURES],
        help_text=_("Shown to peer leaders too, so that no one mentions the member's condition at work unasked."),
    )
    accommodations = forms.CharField(
        label=_("Job accommodations"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to professional staff only."),
    )

    sections = [
        (_("Employer"), ["employer", "new_employer_name", "new_employer_sector"]),
        (_("Job"), ["title", "start_date", "hours_per_week", "hourly_wage", "disclosure", "accommodations"]),
        (_("Competitive job (IPS): all three make a job competitive"),
         ["in_community", "open_to_anyone", "minimum_wage_or_more"]),
    ]

    def __init__(
        self, *args: Any, member: Member, employers: QuerySet[Employer], job: Job | None = None,
        currency: str = "", **kwargs: Any,
    ) -> None:
        self.member = member
        self.job = job
        self.employers = employers
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]
        if currency:
            self.fields["hourly_wage"].label = _("Hourly wage (%(currency)s)") % {"currency": currency}
        if job is None:
            self.fields["start_date"].initial = timezone.localdate()

    @property
    def fieldsets(self) -> list[tuple[dict[str, Any], list[Any]]]:
        return [({"title": title, "clinical": False}, [self[n] for n in names]) for title, names in self.sections]

    def clean_title(self) -> str:
        return required_text(self.cleaned_data["title"], _("Enter the job title."))

    def clean_new_employer_name(self) -> str:
        return " ".join(self.cleaned_data["new_employer_name"].split())

    def clean_start_date(self) -> dt.date:
        return not_in_future(self.cleaned_data["start_date"])

    def clean_hourly_wage(self) -> Decimal | None:
        wage: Decimal | None = self.cleaned_data.get("hourly_wage")
        if wage is not None and wage < 0:
            raise forms.ValidationError(_("The hourly wage cannot be below zero."))
        return wage

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        employer, new_name = cleaned.get("employer"), cleaned.get("new_employer_name", "")
        if employer is not None and new_name:
            self.add_error("new_employer_name", _("Choose an employer from the list or type a new one, not both."))
        elif employer is None and not new_name and "employer" not in self.errors:
            self.add_error("employer", _("Choose the employer, or type a new employer's name below."))
        elif new_name:
            if self.employers.filter(name__iexact=new_name).exists():
                self.add_error("new_employer_name", _("This employer is already on the list: choose it above."))
            if not cleaned.get("new_employer_sector"):
                self.add_error("new_employer_sector", _("Choose the new employer's sector."))
        start = cleaned.get("start_date")
        if self.job is not None and start and self.job.end_date and start > self.job.end_date:
            self.add_error(
                "start_date",
                _("The job ended on %(date)s: it cannot start after that.") % {"date": self.job.end_date.isoformat()},
            )
        return cleaned

    def job_fields(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data[k] for k in (
                "title", "start_date", "hours_per_week", "hourly_wage", "in_community", "open_to_anyone",
                "minimum_wage_or_more", "disclosure", "accommodations",
            )
        }

    def new_employer(self) -> dict[str, Any] | None:
        name = self.cleaned_data.get("new_employer_name")
        return {"name": name, "sector": self.cleaned_data["new_employer_sector"]} if name else None

    @staticmethod
    def initial_from(job: Job) -> dict[str, Any]:
        return {
            "employer": job.employer_id, "title": job.title, "start_date": job.start_date,
            "hours_per_week": job.hours_per_week, "hourly_wage": job.hourly_wage,
            "in_community": job.in_community, "open_to_anyone": job.open_to_anyone,
            "minimum_wage_or_more": job.minimum_wage_or_more, "disclosure": job.disclosure,
            "accommodations": job.accommodations,
        }


class JobEndingForm(FormBase, forms.Form):
    ended_on = forms.DateField(label=_("Last day of work"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=[CHOOSE, *EndingReason.choices])
    planned = forms.BooleanField(
        label=_("Planned ending"), required=False,
        help_text=_("Planned with the member and their supporters, not sudden."),
    )
    lessons = forms.CharField(
        label=_("Lessons noted"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What helped, what to do differently next time. Shown to professional staff only."),
    )

    def __init__(self, *args: Any, job: Job, **kwargs: Any) -> None:
        self.job = job
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()

    def clean_ended_on(self) -> dt.date:
        value = not_in_future(self.cleaned_data["ended_on"])
        if value < self.job.start_date:
            raise forms.ValidationError(
                _("The job started on %(date)s: it cannot end before that.") % {"date": self.job.start_date.isoformat()}
            )
        return value


# -- support contacts ---------------------------------------------------------------------


class JobChoiceField(forms.ModelChoiceField):
    """A job by title, employer and dates ("店員, 示範超市 (2026-01-05 –)")."""

    def label_from_instance(self, obj: Any) -> str:
        ended = obj.end_date.isoformat() if obj.end_date else ""
        return f"{obj.title}, {obj.employer.name} ({obj.start_date.isoformat()} – {ended})".replace(" – )", " –)")


class SupportContactForm(FormBase, forms.Form):
    contacted_on = forms.DateField(label=_("Date"), widget=DateInput())
    track = forms.ChoiceField(label=_("Track"), choices=SupportTrack.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=[CHOOSE, *SupportKind.choices])
    place = forms.ChoiceField(label=_("Place"), choices=[CHOOSE, *SupportPlace.choices])
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=600,
        error_messages={
            "min_value": _("Enter between 1 and 600 minutes."), "max_value": _("Enter between 1 and 600 minutes."),
        },
    )
    job = JobChoiceField(label=_("Job"), queryset=Job.objects.none(), required=False, empty_label=_("— none —"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to professional staff only."),
    )

    def __init__(self, *args: Any, member: Member, jobs: QuerySet[Job], peer_only: bool, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["contacted_on"].initial = timezone.localdate()
        self.fields["job"].queryset = jobs  # type: ignore[attr-defined]
        if peer_only:
            self.fields["track"].choices = [(SupportTrack.PEER.value, SupportTrack.PEER.label)]  # type: ignore[attr-defined]
            self.fields["track"].initial = SupportTrack.PEER
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                CHOOSE, *[c for c in SupportKind.choices if rules.kind_fits_track(c[0], rules.PEER)]
            ]
            self.fields["note"].help_text = _("Professional staff read notes; peer leaders do not see them later.")

    def clean_contacted_on(self) -> dt.date:
        value = not_in_future(self.cleaned_data["contacted_on"])
        if value < self.member.enrolment_date:
            raise forms.ValidationError(_("The date is before the member's enrolment."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, track = cleaned.get("kind"), cleaned.get("track")
        if kind and track and not rules.kind_fits_track(kind, track):
            self.add_error(
                "kind",
                _("%(kind)s is not support of the %(track)s.") % {
                    "kind": SupportKind(kind).label, "track": SupportTrack(track).label.lower(),
                },
            )
        job, day = cleaned.get("job"), cleaned.get("contacted_on")
        if job is not None and day is not None and day < job.start_date:
            self.add_error("job", _("The contact is before this job started."))
        return cleaned
