"""The organisation's measurement plan (administrators and coordinators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.library import interface_language, library, member_instruments
from peerpath.measures.models import PlanRule, Trigger
from peerpath.members.forms import FormBase
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


class PlanRuleForm(FormBase, forms.Form):
    instrument_id = forms.ChoiceField(label=gettext_lazy("Questionnaire"))
    trigger = forms.ChoiceField(label=gettext_lazy("When"), choices=Trigger.choices)
    interval_days = forms.IntegerField(
        label=gettext_lazy("Every how many days"), required=False, min_value=7, max_value=730,
        help_text=gettext_lazy("Only for 'every N days', e.g. 90 for every three months."),
    )

    def __init__(self, *args: Any, membership: Membership, language: str, **kwargs: Any) -> None:
        self.membership = membership
        super().__init__(*args, **kwargs)
        self.fields["instrument_id"].choices = [  # type: ignore[attr-defined]
            (i.id, f"{i.short_name} · {i.name.get(language)}") for i in member_instruments()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        trigger, interval = cleaned.get("trigger"), cleaned.get("interval_days")
        if trigger == Trigger.EVERY and not interval:
            self.add_error("interval_days", _("Give the number of days between questionnaires."))
        if trigger != Trigger.EVERY:
            cleaned["interval_days"] = None
        exists = PlanRule.objects.for_org(self.membership.organization).filter(
            instrument_id=cleaned.get("instrument_id"), trigger=trigger, active=True
        )
        if trigger and exists.exists():
            self.add_error("trigger", _("The plan already has this questionnaire at this moment."))
        return cleaned


@transaction.atomic(durable=True)
def add_rule(membership: Membership, data: dict[str, Any], request: HttpRequest) -> PlanRule:
    require(membership, Perm.MEASURE_PLAN)
    rule = PlanRule.objects.create(organization=membership.organization, **data)
    audit.record_by(membership, Event.PLAN_CHANGED, target=rule, request=request,
                    extra={"added": str(rule)})
    return rule


@transaction.atomic(durable=True)
def remove_rule(membership: Membership, rule: PlanRule, request: HttpRequest) -> None:
    require(membership, Perm.MEASURE_PLAN)
    rule.active = False
    rule.save(update_fields=["active"])
    audit.record_by(membership, Event.PLAN_CHANGED, target=rule, request=request,
                    extra={"removed": str(rule)})


@staff_view(Perm.MEASURE_PLAN)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    language = interface_language()
    form = PlanRuleForm(request.POST or None, membership=membership, language=language)
    if request.method == "POST" and form.is_valid():
        add_rule(membership, form.cleaned_data, request)
        messages.success(request, _("Added to the measurement plan."))
        return redirect("measure_plan")
    rules = PlanRule.objects.for_org(membership.organization).filter(active=True).order_by("trigger", "instrument_id")
    names = {i.id: i.short_name for i in library().values()}
    rows = [(r, names.get(r.instrument_id, r.instrument_id)) for r in rules]
    return render(request, "measures/plan.html", {"form": form, "rows": rows})


@staff_view(Perm.MEASURE_PLAN)
@require_http_methods(["POST"])
def plan_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    try:
        rule = PlanRule.objects.for_org(membership.organization).get(pk=pk, active=True)
    except PlanRule.DoesNotExist:
        raise Http404("No such plan rule") from None
    remove_rule(membership, rule, request)
    messages.success(request, _("Removed from the measurement plan."))
    return redirect("measure_plan")
