"""The options of a member progress report: the period (a period text such as
2026Q3, or from/to dates; default the last twelve months), the language it is
written in, and whether the clinical details are included."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.outcomes.member_report_rules import default_period
from peerpath.outcomes.period import Period, PeriodError, parse_period
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


class MemberReportForm(forms.Form):
    period = forms.CharField(
        label=_("Period"), max_length=40, required=False,
        help_text=_("A quarter (2026Q3), a year (2026), a month (2026-07), or two joined by '..'. "
                    "Or leave it empty and give the dates below."),
    )
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          help_text=_("Without dates: the last twelve months."))
    language = forms.ChoiceField(
        label=_("Language of the report"), required=False,
        choices=[("staff", _("My language")), ("member", _("The member's preferred language"))],
    )
    clinical = forms.BooleanField(
        label=_("Include the diagnosis and private notes"), required=False,
        help_text=_("Leave unticked for a report that may leave the clinic."),
    )

    def __init__(self, data: Any, *, membership: Membership, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        if not can(membership, Perm.MEMBER_VIEW_CLINICAL):
            del self.fields["clinical"]

    def clean_period(self) -> Period | None:
        text = (self.cleaned_data.get("period") or "").strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or "staff"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        period, start, end = data.get("period"), data.get("start"), data.get("end")
        if self.errors:
            return data
        if period is not None and (start or end):
            self.add_error("period", _("Give either a period or from/to dates, not both."))
            return data
        if period is None:
            default = default_period(self.today)
            if start and not end:
                end = max(start, self.today)
            if end and not start:
                start = end - (default.end - default.start)
            start, end = start or default.start, end or default.end
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
                return data
            data["period"] = Period(start, end)
        return data

    @property
    def report_period(self) -> Period:
        period: Period = self.cleaned_data["period"]
        return period

    @property
    def include_clinical(self) -> bool:
        return bool(self.cleaned_data.get("clinical"))
