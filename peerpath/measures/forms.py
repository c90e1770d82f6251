"""Forms for entering questionnaires and sending self-report links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.measures.definitions import Instrument
from peerpath.measures.library import member_instruments
from peerpath.measures.models import Reason
from peerpath.members import rules
from peerpath.members.forms import DateInput, FormBase

Wording = dict[tuple[str, str], str]  # (item id, language) → text entered by the organisation


def item_label(instrument: Instrument, item_id: str, language: str, local: Wording | None = None) -> str:
    """The item's wording in the language: the organisation's own (licensed or
    validated) wording first, then the shipped wording, then a neutral placeholder
    (staff then read the item from their licensed paper form)."""
    local = local or {}
    other = "en" if language == "zh-hant" else "zh-hant"
    item = instrument.item(item_id)
    for text in (local.get((item_id, language)), local.get((item_id, other))):
        if text:
            return text
    if item.text is not None:
        return item.text.get(language)
    return str(_("Item %(n)s")) % {"n": item.id}


def has_wording(instrument: Instrument, local: Wording | None = None) -> bool:
    """Whether every item can be shown to a member (shipped or local wording)."""
    local = local or {}
    return all(
        i.text is not None or local.get((i.id, "zh-hant")) or local.get((i.id, "en")) for i in instrument.items
    )


def format_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class PaperForm(FormBase, forms.Form):
    """All items of one questionnaire on one page, as on the paper form."""

    taken_on = forms.DateField(label=_("Date answered"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Occasion"), choices=Reason.choices, initial=Reason.PERIODIC)

    def __init__(
        self, *args: Any, instrument: Instrument, language: str, enrolment: dt.date,
        local: Wording | None = None, **kwargs: Any,
    ) -> None:
        self.instrument = instrument
        self.enrolment = enrolment
        super().__init__(*args, **kwargs)
        self.fields["taken_on"].initial = timezone.localdate()
        for item in instrument.items:
            rs = instrument.response_sets[item.response_set]
            self.fields[f"item_{item.id}"] = forms.TypedChoiceField(
                label=f"{item.id}. {item_label(instrument, item.id, language, local)}",
                choices=[(format_value(o.value), f"{format_value(o.value)} {o.label.get(language)}") for o in rs.options],
                coerce=float,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )

    def clean_taken_on(self) -> dt.date:
        # From 1900 to today and not before enrolment: the rule the imports use too.
        return rules.clean_answered_date(self.cleaned_data["taken_on"], self.enrolment)

    def answers(self) -> dict[str, float]:
        return {
            item.id: self.cleaned_data[f"item_{item.id}"]
            for item in self.instrument.items
            if self.cleaned_data.get(f"item_{item.id}") is not None
        }


class LinkForm(FormBase, forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"))
    reason = forms.ChoiceField(label=_("Occasion"), choices=Reason.choices, initial=Reason.PERIODIC)

    def __init__(self, *args: Any, language: str, local: dict[str, Wording] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        local = local or {}
        # Only questionnaires whose every item can be shown to the member can be answered alone.
        self.fields["instrument"].choices = [  # type: ignore[attr-defined]
            (i.id, f"{i.short_name} · {i.name.get(language)}")
            for i in member_instruments()
            if has_wording(i, local.get(i.id))
        ]


class EnterChoiceForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"))

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [  # type: ignore[attr-defined]
            (i.id, f"{i.short_name} · {i.name.get(language)}") for i in member_instruments()
        ]


def unvalidated(instrument: Instrument, language: str, local: Wording | None = None) -> bool:
    """Whether the wording shown in ``language`` is Peerpath's own, unvalidated
    translation (and not replaced by the organisation's own wording)."""
    translation = instrument.translations.get(language)
    if translation is None or translation.status != "unvalidated":
        return False
    return not any(lang == language for (_item, lang) in (local or {}))
