"""The organisation's pathway settings: the training catalogue and the readiness
criteria per helper role (administrators and coordinators)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.pathway import actions, selectors
from peerpath.pathway.describe import criterion_text
from peerpath.pathway.forms import CriterionForm, TrainingModuleForm
from peerpath.pathway.models import HelperRoleKind, ReadinessCriterion, TrainingModule
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


@staff_view(Perm.PATHWAY_CONFIGURE)
@require_http_methods(["GET", "POST"])
def training_catalogue(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = TrainingModuleForm(request.POST or None, organization_id=membership.organization_id)
    if request.method == "POST" and form.is_valid():
        actions.add_training_module(membership, request=request, **form.cleaned_data)
        messages.success(request, _("Training module added."))
        return redirect("training_catalogue")
    modules = selectors.modules_of(membership.organization_id, active_only=False).order_by("-active", "name")
    return render(request, "pathway/training_catalogue.html", {"form": form, "modules": modules})


@staff_view(Perm.PATHWAY_CONFIGURE)
@require_http_methods(["POST"])
def training_module_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop offering a module (its completions stay), or offer it again."""
    membership = request.membership  # type: ignore[attr-defined]
    try:
        module = TrainingModule.objects.for_org(membership.organization).get(pk=pk)
    except TrainingModule.DoesNotExist:
        raise Http404("No such training module") from None
    actions.set_module_offered(membership, module, offered=not module.active, request=request)
    messages.success(request, _("Training catalogue saved."))
    return redirect("training_catalogue")


@staff_view(Perm.PATHWAY_CONFIGURE)
@require_http_methods(["GET", "POST"])
def readiness_criteria(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = CriterionForm(request.POST or None, organization_id=membership.organization_id)
    if request.method == "POST" and form.is_valid():
        actions.add_criterion(membership, request=request, **form.cleaned_data)
        messages.success(request, _("Readiness criterion added."))
        return redirect("readiness_criteria")
    by_role = selectors.criteria_of(membership.organization_id)
    groups = [
        (role.label, [(c.id, criterion_text(c)) for c in by_role[role.value]])
        for role in list(HelperRoleKind)[1:]
    ]
    return render(request, "pathway/readiness_criteria.html", {"form": form, "groups": groups})


@staff_view(Perm.PATHWAY_CONFIGURE)
@require_http_methods(["POST"])
def readiness_criterion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    try:
        criterion = ReadinessCriterion.objects.for_org(membership.organization).get(pk=pk, active=True)
    except ReadinessCriterion.DoesNotExist:
        raise Http404("No such criterion") from None
    actions.remove_criterion(membership, criterion, request=request)
    messages.success(request, _("Readiness criterion removed."))
    return redirect("readiness_criteria")
