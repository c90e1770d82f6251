"""The outcome-report settings page (administrators and coordinators)."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.outcomes import actions
from peerpath.outcomes.outcome_settings import settings_of
from peerpath.outcomes.settings_forms import OutcomeSettingsForm
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


@never_cache
@staff_view(Perm.REPORT_SETTINGS)
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    current = settings_of([membership.organization_id])[membership.organization_id]
    form = OutcomeSettingsForm(request.POST or None, initial=asdict(current))
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_outcome_settings(membership, request=request, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The outcome report settings were saved."))
            return redirect("report_settings")
    return render(request, "outcomes/settings.html", {"form": form},
                  status=400 if request.method == "POST" else 200)
