"""The IPS-25 review form: date, reviewers, and for each of the 25 items a 1–5
choice and an optional note. Every error names its item; nothing is saved unless
the whole form is valid (the view calls the action only then)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerpath.members.forms import FormBase
from peerpath.outcomes.fidelity import ITEM_IDS, ITEM_TITLES, NOTE_MAX_LENGTH, RATINGS


def item_heading(item_id: str) -> str:
    """"Item 7 (vocational unit)": how messages name an item."""
    return _("Item %(number)s (%(title)s)") % {"number": item_id, "title": _(ITEM_TITLES[item_id]).lower()}


class FidelityReviewForm(FormBase, forms.Form):
    reviewed_on = forms.DateField(label=gettext_lazy("Date of the review"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    reviewers = forms.CharField(
        label=gettext_lazy("Reviewers"), max_length=300,
        help_text=gettext_lazy("Names or roles of the reviewers, e.g. external: 2 IPS trainers."),
    )
    period_label = forms.CharField(label=gettext_lazy("Period reviewed"), max_length=40, required=False,
                                   help_text=gettext_lazy("Optional, e.g. 2026Q3."))

    def __init__(self, data: Any = None, *, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        self.fields["reviewed_on"].error_messages.update({
            "required": _("Date of the review: enter the date."),
            "invalid": _("Date of the review: enter a date such as 2026-07-01."),
        })
        self.fields["reviewers"].error_messages["required"] = _("Reviewers: say who reviewed the programme.")
        for item_id in ITEM_IDS:
            heading = item_heading(item_id)
            choose = _("%(item)s: choose 1–5.") % {"item": heading}
            self.fields[f"item_{item_id}"] = forms.TypedChoiceField(
                label=_("Rating (item %(number)s)") % {"number": item_id}, choices=[(str(r), str(r)) for r in RATINGS], coerce=int,
                widget=forms.RadioSelect, error_messages={"required": choose, "invalid_choice": choose},
            )
            self.fields[f"note_{item_id}"] = forms.CharField(
                label=_("Note (item %(number)s)") % {"number": item_id}, required=False, max_length=NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"max_length": _("%(item)s: the note is longer than %(n)d characters.")
                                % {"item": heading, "n": NOTE_MAX_LENGTH}},
            )

    @property
    def fieldsets(self) -> list[tuple[dict[str, Any], list[Any]]]:
        sets: list[tuple[dict[str, Any], list[Any]]] = [
            ({"title": _("Review"), "clinical": False},
             [self["reviewed_on"], self["reviewers"], self["period_label"]]),
        ]
        for item_id in ITEM_IDS:
            title = _("%(number)s. %(title)s") % {"number": item_id, "title": _(ITEM_TITLES[item_id])}
            sets.append(({"title": title, "clinical": False}, [self[f"item_{item_id}"], self[f"note_{item_id}"]]))
        return sets

    def clean_reviewed_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["reviewed_on"]
        if day > self.today:
            raise forms.ValidationError(_("Date of the review: the date is in the future."))
        return day

    def clean_reviewers(self) -> str:
        text = " ".join(self.cleaned_data["reviewers"].split())
        if not text:
            raise forms.ValidationError(_("Reviewers: say who reviewed the programme."))
        return text

    def review_data(self) -> dict[str, Any]:
        """The valid form as the action's arguments."""
        data = self.cleaned_data
        return {
            "reviewed_on": data["reviewed_on"], "reviewers": data["reviewers"],
            "period_label": data.get("period_label") or "",
            "items": {i: data[f"item_{i}"] for i in ITEM_IDS},
            "notes": {i: data[f"note_{i}"] for i in ITEM_IDS if data.get(f"note_{i}")},
        }
