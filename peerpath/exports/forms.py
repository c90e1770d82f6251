"""Forms of the export pages: what to export, in which format, and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.exports.collect import OPTIONAL_TABLES
from peerpath.exports.models import DateMode, ExportFormat, ResearchProject
from peerpath.exports.selectors import projects
from peerpath.tenancy.models import Membership


class _ExportForm(forms.Form):
    tables = forms.MultipleChoiceField(
        label=_("Tables"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=list(OPTIONAL_TABLES.items()),
        help_text=_("Members and summary counts are always included."))
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.CSV)


class ResearchExportForm(_ExportForm):
    date_mode = forms.ChoiceField(label=_("Dates"), choices=DateMode.choices, initial=DateMode.SHIFT,
                                  widget=forms.RadioSelect)
    project = forms.ModelChoiceField(label=_("Research project"), queryset=ResearchProject.objects.none(),
                                     required=False, empty_label=_("— a new project —"))
    new_project = forms.CharField(label=_("New project name"), max_length=120, required=False,
                                  help_text=_("Exports of the same project give members the same pseudonyms."))
    aggregates_only = forms.BooleanField(
        label=_("Aggregates only"), required=False,
        help_text=_("Only the summary counts, with small cells hidden: for sharing outside the research team. "
                    "The row-level tables are for the research team only."))

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["project"].queryset = projects(membership)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = (data.get("new_project") or "").strip()
        if data.get("project") is None:
            if not name:
                self.add_error("new_project", _("Choose a project or name a new one."))
            elif projects(self.membership).filter(name=name).exists():
                self.add_error("new_project", _("A project with this name exists: choose it in the list."))
        elif name:
            self.add_error("new_project", _("Either choose a project or name a new one, not both."))
        if data.get("aggregates_only") and data.get("tables"):
            self.add_error("tables", _("An aggregates-only export holds no row-level table: choose none."))
        return data


class IdentifiableExportForm(_ExportForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             help_text=_("Why identifiable data is needed; written to the audit log."))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise forms.ValidationError(_("State the reason in a full sentence."))
        return reason
