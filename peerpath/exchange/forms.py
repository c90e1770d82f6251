"""Forms of the import pages: upload, column mapping, REDCap options. Every error
names its field (a column of the file is a field here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.exchange import columns
from peerpath.exchange.labels import FIELD_LABELS, field_label
from peerpath.exchange.models import Kind
from peerpath.exchange.redcap_records import Layout
from peerpath.measures.library import member_instruments
from peerpath.measures.models import Reason
from peerpath.members.forms import FormBase

ENCODING_CHOICES = [
    ("auto", _("UTF-8 (what 'CSV UTF-8' and REDCap write), or as its byte-order mark says")),
    ("big5", _("Big5 (a CSV saved by Excel on Traditional Chinese Windows)")),
]
IGNORE = ("", _("— not imported —"))


def instrument_choices(blank: str | Any) -> list[tuple[str, Any]]:
    return [("", blank), *((i.id, f"{i.short_name} ({i.id})") for i in member_instruments())]


class UploadForm(FormBase, forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=Kind.choices)
    file = forms.FileField(
        label=_("File"), help_text=_("CSV or Excel workbook (.xlsx), with a header row of column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV only)"), choices=ENCODING_CHOICES, initial="auto", required=False
    )
    instrument = forms.ChoiceField(
        label=_("Questionnaire"), required=False,
        help_text=_("For questionnaire responses and REDCap records; can also be chosen on the next page."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices(_("— choose later —"))  # type: ignore[attr-defined]

    def clean_encoding(self) -> str:
        return self.cleaned_data.get("encoding") or "auto"


class MappingForm(FormBase, forms.Form):
    """One choice per column of the file: which field it is, or not imported. For
    questionnaire responses also the questionnaire and the occasion."""

    required_css_class = ""  # no single choice is required; the required fields are listed instead

    def __init__(
        self, *args: Any, kind: str, header: Sequence[str], mapping: Mapping[str, str],
        options: Mapping[str, Any], item_choices: Sequence[tuple[str, str]] = (), **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.header = list(header)
        fields = [(key, str(label)) for key, label in FIELD_LABELS[kind].items()]
        choices = [IGNORE, (_("Fields"), fields)]
        if item_choices:
            choices.append((_("Questionnaire items"), list(item_choices)))
        for i, name in enumerate(header):
            field = forms.ChoiceField(label=name or _("(column %(n)s)") % {"n": i + 1}, choices=choices,
                                      required=False, initial=mapping.get(str(i), ""))
            self.fields[f"col_{i}"] = field
        if kind == columns.RESPONSES:
            self.fields["instrument"] = forms.ChoiceField(
                label=_("Questionnaire"), choices=instrument_choices(_("— given in a column of the file —")),
                required=False, initial=options.get("instrument", ""),
            )
            self.fields["reason"] = forms.ChoiceField(
                label=_("Occasion (when no column gives it)"), choices=Reason.choices,
                initial=options.get("reason", Reason.AD_HOC),
            )

    def required_labels(self) -> list[str]:
        return [field_label(self.kind, key) for key in columns.REQUIRED[self.kind]]

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{i}"] for i in range(len(self.header))]

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("instrument", "reason") if name in self.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first: dict[str, int] = {}
        for i in range(len(self.header)):
            key = cleaned.get(f"col_{i}", "")
            if not key:
                continue
            if key in first:
                message = _("'%(field)s' is already the column '%(other)s': each field comes from one column.")
                self.add_error(f"col_{i}", message % {
                    "field": field_label(self.kind, key), "other": self.header[first[key]]})
            else:
                first[key] = i
        mapped = {cleaned.get(f"col_{i}", "") for i in range(len(self.header))}
        for key in columns.REQUIRED[self.kind]:
            if key not in mapped:
                message = _("Choose the column that holds '%(field)s' (it is required).")
                self.add_error(None, message % {"field": field_label(self.kind, key)})
        if self.kind == columns.RESPONSES and not cleaned.get("instrument") and "instrument" not in mapped:
            self.add_error("instrument", _("Choose the questionnaire, or the column that names it."))
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data.get(f"col_{i}", "") for i in range(len(self.header))}

    def options(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("instrument", "reason") if name in self.cleaned_data}


class RedcapForm(FormBase, forms.Form):
    """How to read a REDCap records export."""

    instrument = forms.ChoiceField(
        label=_("Questionnaire"),
        help_text=_("The questionnaire imported from this project's data dictionary "
                    "(peerpath instruments import-redcap)."),
    )
    form = forms.ChoiceField(label=_("REDCap form"), help_text=_("The form (instrument) whose answers to import."))
    member_field = forms.ChoiceField(label=_("Member code"), required=False)
    date_field = forms.ChoiceField(label=_("Date answered"))
    events = forms.MultipleChoiceField(
        label=_("Events"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Import only these events (none ticked: every event)."),
    )
    skip_incomplete = forms.BooleanField(
        label=_("Skip forms marked Incomplete (they are listed; otherwise they stop the import)"), required=False
    )
    reason = forms.ChoiceField(label=_("Occasion"), choices=Reason.choices, initial=Reason.AD_HOC)

    def __init__(self, *args: Any, header: Sequence[str], layout: Layout, options: Mapping[str, Any],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices(_("— choose —"))  # type: ignore[attr-defined]
        forms_found = layout.forms or [options.get("form", "")]
        self.fields["form"].choices = [(f, f) for f in forms_found if f]  # type: ignore[attr-defined]
        record = header[layout.record] if header else ""
        columns_ = [(h, h) for h in header if h and h != record]
        self.fields["member_field"].choices = [  # type: ignore[attr-defined]
            ("", _("The record ID (%(column)s) is the member code") % {"column": record}), *columns_]
        dated = [c for c in columns_ if "date" in c[0].lower() or c[0].lower().endswith("_timestamp")]
        others = [c for c in columns_ if c not in dated]
        self.fields["date_field"].choices = [  # type: ignore[attr-defined]
            ("", _("— choose —")), *dated, *others]
        self.fields["events"].choices = [(e, e) for e in layout.events]  # type: ignore[attr-defined]
        if not layout.events:
            del self.fields["events"]
        for name, field in self.fields.items():
            if name in options:
                field.initial = options[name]
        if "instrument" not in options:
            guess = next((f for f in forms_found if f in dict(self.fields["instrument"].choices)), "")  # type: ignore[attr-defined]
            self.fields["instrument"].initial = guess
        if "date_field" not in options and dated:
            self.fields["date_field"].initial = dated[0][0]
        if "member_field" not in options and "member_code" in dict(columns_):
            self.fields["member_field"].initial = "member_code"

    def options(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["events"] = list(data.get("events") or [])
        return data
