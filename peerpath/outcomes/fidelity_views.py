"""Fidelity review pages: the IPS-25 review form and one review's detail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.library import interface_language
from peerpath.outcomes import actions, fidelity_selectors
from peerpath.outcomes.fidelity_forms import FidelityReviewForm
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


@staff_view(Perm.FIDELITY_REVIEW)
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    form = FidelityReviewForm(request.POST or None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        review = actions.record_review(membership, request=request, **form.review_data())
        messages.success(request, _("Fidelity review saved."))
        return redirect("fidelity_review_detail", pk=review.pk)
    return render(request, "outcomes/fidelity_form.html", {"form": form})


@staff_view(Perm.REPORT_VIEW)
@require_http_methods(["GET"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    review = fidelity_selectors.review_for(membership, pk)
    audit.record_by(membership, Event.REPORT_VIEW, target=review, request=request,
                    extra={"report": "fidelity_review", "review": review.pk})
    return render(request, "outcomes/fidelity_detail.html", {
        "review": review,
        "items": fidelity_selectors.review_items(review, _),
        "band": actions.band_label(review.band_index, interface_language()),
        "bands": actions.band_ranges(interface_language()),
    })
