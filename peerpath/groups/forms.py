"""Forms of the groups app: groups, roster, norms and incident coding. The
session recording page (several formsets on one page) is in ``session_forms``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.groups.codesets import CodeSet, code_sets
from peerpath.groups.models import Norm, PeerGroup
from peerpath.measures.library import interface_language
from peerpath.members import rules
from peerpath.members.forms import CHOOSE, DateInput, FormBase, MentorChoiceField, StaffChoiceField
from peerpath.members.models import Member, Status
from peerpath.tenancy.models import Membership, Role


def not_in_future(value: dt.date) -> dt.date:
    """A date that has happened: from 1900 to today (members.rules.past_date)."""
    return rules.clean_past_date(value)


def staff_of(organization: Any, roles: list[str]) -> Any:
    ids = Membership.objects.for_org(organization).filter(is_active=True, role__in=roles).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name")


class GroupForm(FormBase, forms.ModelForm):
    peer_leader = StaffChoiceField(
        label=_("Peer leader"), queryset=get_user_model().objects.none(), required=False, empty_label=_("— none —"),
    )
    co_facilitator = StaffChoiceField(
        label=_("Professional co-facilitator"), queryset=get_user_model().objects.none(), required=False,
        empty_label=_("— none —"),
    )

    class Meta:
        model = PeerGroup
        fields = ["name", "kind", "schedule", "place", "peer_leader", "co_facilitator", "code_set",
                  "started_on", "ended_on"]
        widgets = {"started_on": DateInput(), "ended_on": DateInput(), "code_set": forms.Select()}
        help_texts = {
            "schedule": _("For example: Wednesdays 14:00–15:30, weekly."),
            "code_set": _("The therapeutic factors critical incidents are coded to."),
        }

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)
        language = interface_language()
        self.fields["code_set"].widget.choices = [(c.id, c.name.get(language)) for c in code_sets().values()]
        self.fields["peer_leader"].queryset = staff_of(organization, [Role.PEER_LEADER])  # type: ignore[attr-defined]
        self.fields["co_facilitator"].queryset = staff_of(organization, [Role.PROFESSIONAL])  # type: ignore[attr-defined]
        if self.instance.pk is None:
            self.fields["started_on"].initial = timezone.localdate()

    def clean_name(self) -> str:
        name: str = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the group's name."))
        return name

    def clean_code_set(self) -> str:
        value: str = self.cleaned_data["code_set"]
        if value not in code_sets():
            raise forms.ValidationError(_("Choose one of the code sets."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("The group cannot end before it started."))
        return cleaned

    def validate_unique(self) -> None:
        """The name is unique per organisation; the model form cannot see the organisation."""
        name = self.cleaned_data.get("name")
        if name and PeerGroup.objects.for_org(self.organization).filter(name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", _("Another group already has this name."))


class RosterAddForm(FormBase, forms.Form):
    member = MentorChoiceField(label=_("Member"), queryset=Member.objects.none(), empty_label=CHOOSE[1])
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput())

    def __init__(self, *args: Any, group: PeerGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_roster = group.roster.filter(left_on__isnull=True).values("member_id")
        self.fields["member"].queryset = (  # type: ignore[attr-defined]
            Member.objects.for_org(group.organization).filter(status=Status.ACTIVE).exclude(pk__in=on_roster)
            .order_by("code")
        )
        self.fields["joined_on"].initial = timezone.localdate()

    def clean_joined_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["joined_on"])


class DateOnlyForm(FormBase, forms.Form):
    """One date: a member left the roster, a norm was agreed or retired."""

    on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, label: str = "", not_before: dt.date | None = None, **kwargs: Any) -> None:
        self.not_before = not_before
        super().__init__(*args, **kwargs)
        if label:
            self.fields["on"].label = label
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self) -> dt.date:
        value = not_in_future(self.cleaned_data["on"])
        if self.not_before and value < self.not_before:
            raise forms.ValidationError(
                _("The date is before %(date)s.") % {"date": self.not_before.isoformat()}
            )
        return value


class NormForm(FormBase, forms.Form):
    text = forms.CharField(label=_("Norm"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("In the group's own words, e.g. “We let each other finish speaking.”"))
    proposed_by = forms.CharField(
        label=_("Proposed by"), max_length=120, required=False,
        help_text=_("Who proposed it: a member code, “the group” or a facilitator."),
    )
    proposed_on = forms.DateField(label=_("Proposed on"), widget=DateInput())
    agreed = forms.BooleanField(label=_("The group agreed it on the same day"), required=False)
    supersedes = forms.ModelChoiceField(
        label=_("Revises the norm"), queryset=Norm.objects.none(), required=False, empty_label=_("— a new norm —"),
    )

    def __init__(self, *args: Any, group: PeerGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supersedes"].queryset = Norm.objects.for_org(group.organization).filter(  # type: ignore[attr-defined]
            group=group, agreed_on__isnull=False, retired_on__isnull=True
        )
        self.fields["proposed_on"].initial = timezone.localdate()

    def clean_text(self) -> str:
        text: str = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise forms.ValidationError(_("Write the norm."))
        return text

    def clean_proposed_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["proposed_on"])


class CodingForm(FormBase, forms.Form):
    factors = forms.MultipleChoiceField(label=_("Therapeutic factors"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, code_set: CodeSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = interface_language()
        self.code_set = code_set
        self.fields["factors"].choices = [  # type: ignore[attr-defined]
            (f.code, f"{f.name.get(language)} — {f.definition.get(language)}") for f in code_set.factors
        ]
        self.fields["factors"].error_messages["required"] = _("Choose at least one factor.")
