"""The filters every report shares (organisation, period, group, professional) and
the report's own options, turned into a ``ReportScope`` the policy module allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import PeriodError, default_period, parse_period, quarter_of
from peerpath.outcomes.registry import ReportSpec
from peerpath.outcomes.scope import ReportScope
from peerpath.tenancy.models import Membership, Organization, Role, display_name
from peerpath.tenancy.policy import Perm, can


def report_memberships(membership: Membership) -> list[Membership]:
    """The acting user's memberships whose organisations a report may cover: those
    in which the user holds the report capability (the active one first)."""
    others = (
        Membership.objects.filter(user=membership.user, is_active=True)
        .exclude(pk=membership.pk).select_related("organization").order_by("organization__name")
    )
    return [membership, *(m for m in others if can(m, Perm.REPORT_VIEW))]


def counts_research_only(memberships: list[Membership]) -> bool:
    """Researchers count only research-consented members; a report that covers an
    organisation where the user is a researcher does so for every organisation."""
    return any(not can(m, Perm.MEMBER_LIST) for m in memberships)


def period_choices(today: dt.date) -> list[tuple[str, Any]]:
    """The periods offered in the period picker: the last eight quarters, newest
    first, then this year and the last (any other period is typed)."""
    choices: list[tuple[str, Any]] = [("", _("The last four quarters"))]
    day = today
    for _i in range(8):
        quarter = quarter_of(day)
        choices.append((quarter.label, quarter.label))
        day = quarter.start - dt.timedelta(days=1)
    for year in (today.year, today.year - 1):
        choices.append((str(year), _("%(year)s, whole year") % {"year": year}))
    return choices


class ReportFilterForm(forms.Form):
    quarter = forms.ChoiceField(label=_("Period"), required=False)
    period = forms.CharField(
        label=_("Other period"), max_length=40, required=False,
        help_text=_("A quarter (2026Q3), a year (2026), a month (2026-07), or two joined by '..' "
                    "(2025Q4..2026Q3). Empty: the period chosen above."),
    )
    organizations = forms.MultipleChoiceField(label=_("Organisations"), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    group = forms.TypedChoiceField(label=_("Peer group"), required=False, coerce=int, empty_value=None)
    professional = forms.TypedChoiceField(label=_("Professional"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, membership: Membership, spec: ReportSpec, today: dt.date) -> None:
        # A number option not given shows (and means) its default.
        defaults = {f"opt_{o.name}": str(o.default) for o in spec.options if o.kind == "int" and o.default is not None}
        if data is not None and any(name not in data for name in defaults):
            data = data.copy()
            for name, value in defaults.items():
                if name not in data:
                    data[name] = value
        super().__init__(data)
        self.membership, self.spec, self.today = membership, spec, today
        self.fields["quarter"].choices = period_choices(today)  # type: ignore[attr-defined]
        self.memberships = report_memberships(membership)
        self.fields["organizations"].choices = [  # type: ignore[attr-defined]
           (m.organization.slug, m.organization.name) for m in self.memberships]
        if len(self.memberships) == 1:
            self.fields["organizations"].widget = forms.MultipleHiddenInput()
        if counts_research_only(self.memberships):
            # Group and staff names may point at a few people: researchers filter by
            # organisation and period only (the group report numbers its groups).
            del self.fields["group"], self.fields["professional"]
        else:
            self._staff_filters([m.organization_id for m in self.memberships])
        for option in spec.options:
            if option.kind == "bool":
                self.fields[f"opt_{option.name}"] = forms.BooleanField(
                    label=str(option.label), required=False, help_text=str(option.help_text)
                )
            elif option.kind == "int":
                # Typed as text and read by the option itself, so that the message
                # names the field (the form, the command and the report agree).
                self.fields[f"opt_{option.name}"] = forms.CharField(
                    label=str(option.label), required=False, initial=option.default, max_length=12,
                    help_text=str(option.help_text), widget=forms.NumberInput(
                        attrs={"min": option.min_value, "max": option.max_value, "step": 1}),
                )
            else:
                self.fields[f"opt_{option.name}"] = forms.ChoiceField(
                    label=str(option.label), required=False, choices=option.choices,
                    help_text=str(option.help_text),
                )

    def _staff_filters(self, org_ids: list[int]) -> None:
        """The choices of the group and professional filters (two queries)."""
        from peerpath.groups.models import PeerGroup

        groups = PeerGroup.objects.filter(organization_id__in=org_ids).order_by("name").values_list("pk", "name")
        self.fields["group"].choices = [("", _("All groups")), *groups]  # type: ignore[attr-defined]
        professionals = (
            Membership.objects.filter(organization_id__in=org_ids, role=Role.PROFESSIONAL, is_active=True)
            .select_related("user").order_by("user__last_name", "user__first_name")
        )
        self.fields["professional"].choices = [  # type: ignore[attr-defined]
            ("", _("All professionals")),
            *{m.user_id: display_name(m.user) for m in professionals}.items(),
        ]

    def clean_period(self) -> Any:
        """The typed period if any, else the one picked, else the last four quarters."""
        text = (self.cleaned_data.get("period") or "").strip() or self.cleaned_data.get("quarter") or ""
        if not text:
            return default_period(self.today)
        try:
            return parse_period(text)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for option in self.spec.options:
            name = f"opt_{option.name}"
            if option.kind == "int" and name in cleaned:
                try:
                    cleaned[name] = option.number(cleaned[name])
                except ValueError as exc:
                    self.add_error(name, str(exc))
        # A hidden field's errors are not shown beside it: repeat them above the form.
        field = self.fields["organizations"]
        if "organizations" in self.errors and field.widget.is_hidden:
            self.add_error(None, f"{field.label}: {' '.join(str(e) for e in self.errors['organizations'])}")
        return cleaned

    def scope(self, *, exported: bool) -> ReportScope:
        """The scope of a valid form. ``exported``: a PDF or a command's output,
        where small cells are hidden whoever asks."""
        data = self.cleaned_data
        chosen = set(data.get("organizations") or []) or {self.membership.organization.slug}
        memberships = [m for m in self.memberships if m.organization.slug in chosen]
        research_only = counts_research_only(memberships)
        orgs = tuple(m.organization for m in memberships)
        group = None
        if data.get("group"):
            from peerpath.groups.models import PeerGroup

            group = PeerGroup.objects.filter(organization__in=orgs, pk=data["group"]).first()
        professional = None
        if data.get("professional"):
            professional = get_user_model().objects.filter(
                pk=data["professional"], memberships__organization__in=orgs
            ).first()
        options = {o.name: data.get(f"opt_{o.name}") for o in self.spec.options}
        return ReportScope(
            organizations=orgs, period=data["period"], today=self.today,
            suppression=Suppression(research_only or exported, settings.PEERPATH_SMALL_CELL),
            research_only=research_only, group=group, professional=professional,
            language=get_language() or settings.LANGUAGE_CODE, options=options,
        )


def command_scope(
    *, organizations: list[Organization], period: str, today: dt.date,
    options: dict[str, Any] | None = None, language: str = "zh-hant",
) -> ReportScope:
    """The scope of ``peerpath report``: an exported report, small cells hidden."""
    return ReportScope(
        organizations=tuple(organizations), period=parse_period(period) if period else default_period(today),
        today=today, suppression=Suppression(True, settings.PEERPATH_SMALL_CELL), research_only=False,
        language=language, options=options or {},
    )
