"""Staff pages for questionnaires: results over time, paper entry, self-report links."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures import actions, selectors
from peerpath.measures.forms import EnterChoiceForm, LinkForm, PaperForm, unvalidated
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.library import interface_language, member_instrument
from peerpath.measures.models import FlagKind
from peerpath.members.models import Member
from peerpath.members.selectors import get_member, get_member_for_write
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


def chart_response(
    member: Member, instrument_id: str, score_id: str, language: str, *, phone: bool = False
) -> HttpResponse:
    """The progress chart of one score of one member, as an SVG document (shown as
    an <img>). Access is the caller's: staff views and the member portal (``phone``:
    drawn for a phone's width, with text of 12 px or more)."""
    from peerpath.measures.charts import (  # matplotlib loads only when drawn
        PHONE,
        WIDE,
        progress_svg,
    )
    from peerpath.measures.scoring import score_range

    instrument, series = selectors.series_of(member, instrument_id, score_id, language)
    points = [(p.date, p.value, p.band, p.change) for p in series.points if p.value is not None]
    svg = progress_svg(
        points, score=series.score, language=language,
        title=f"{instrument.short_name} · {series.score.label.get(language)}",
        score_range=score_range(instrument, score_id), layout=PHONE if phone else WIDE,
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view(Perm.MEASURE_VIEW)
@require_http_methods(["GET"])
def member_questionnaires(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member(membership, code, request=request)
    language = interface_language()
    context = {
        "member": member,
        "results": selectors.member_results(membership, member, language, request=request),
        "links": selectors.open_links(membership, member),
        "flags": selectors.open_flags(membership, member),
        "enter_form": EnterChoiceForm(language=language),
        "link_form": LinkForm(language=language, local=selectors.local_wording(membership.organization_id)),
        "language": language,
    }
    return render(request, "measures/member.html", context)


@staff_view(Perm.MEASURE_VIEW)
@require_http_methods(["GET"])
def chart(request: HttpRequest, code: str, instrument_id: str, score_id: str) -> HttpResponse:
    """The progress chart of one score (an <img> on the results page)."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.MEASURE_VIEW)  # audited below, as a results read
    response = chart_response(member, instrument_id, score_id, interface_language())
    audit.record_by(membership, Event.MEASURE_VIEW, target=member, request=request,
                    extra={"chart": f"{instrument_id}.{score_id}"})
    return response


@staff_view(Perm.MEASURE_RECORD)
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, code: str, instrument_id: str) -> HttpResponse:
    """Staff enter a questionnaire answered on paper."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.MEASURE_RECORD)
    instrument = member_instrument(instrument_id)
    language = interface_language()
    local = selectors.local_wording(membership.organization_id, instrument.id).get(instrument.id)
    form = PaperForm(
        request.POST or None, instrument=instrument, language=language, enrolment=member.enrolment_date, local=local
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_paper_form(
                membership, member, instrument.id, answers=form.answers(),
                taken_on=form.cleaned_data["taken_on"], reason=form.cleaned_data["reason"], request=request,
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(name)s saved and scored.") % {"name": instrument.short_name})
            return redirect("member_questionnaires", code=member.code)
    context = {
        "form": form, "member": member, "instrument": instrument, "language": language,
        "instrument_name": instrument.name.get(language),
        "has_local": bool(local),
        "unvalidated": unvalidated(instrument, language, local),
    }
    return render(request, "measures/enter.html", context)


@staff_view(Perm.MEASURE_RECORD)
@require_http_methods(["POST"])
def enter_choose(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.MEASURE_RECORD)
    form = EnterChoiceForm(request.POST, language=interface_language())
    if not form.is_valid():
        messages.error(request, _("Choose a questionnaire."))
        return redirect("member_questionnaires", code=member.code)
    return redirect("measure_enter", code=member.code, instrument_id=form.cleaned_data["instrument"])


@never_cache
@staff_view(Perm.MEASURE_RECORD)
@require_http_methods(["POST"])
def create_link(request: HttpRequest, code: str) -> HttpResponse:
    """Create a self-report link and show it once, with its QR code."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.MEASURE_RECORD)
    form = LinkForm(request.POST, language=interface_language(), local=selectors.local_wording(membership.organization_id))
    if not form.is_valid():
        messages.error(request, _("Choose a questionnaire that can be answered alone."))
        return redirect("member_questionnaires", code=member.code)
    administration, token = actions.create_link(
        membership, member, form.cleaned_data["instrument"], reason=form.cleaned_data["reason"], request=request
    )
    url = request.build_absolute_uri(reverse("self_report", kwargs={"token": token}))
    context = {
        "member": member,
        "administration": administration,
        "instrument": get_instrument(administration.instrument_id),
        "url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff"),
    }
    return render(request, "measures/link_created.html", context)


@staff_view(Perm.MEASURE_RECORD)
@require_http_methods(["POST"])
def flag_follow_up(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.MEASURE_RECORD)
    flag = selectors.get_flag(membership, member, pk)
    if flag.kind == FlagKind.SAFETY:
        # A safety answer is followed up with a recorded contact (when, how, outcome),
        # on the safety follow-up of its questionnaire, never with one click.
        follow_up = getattr(flag.administration, "safety_follow_up", None)
        if follow_up is not None:
            return redirect("safety_follow_up", code=member.code, pk=follow_up.pk)
    actions.follow_up_flag(membership, flag, request=request)
    messages.success(request, _("Follow-up recorded."))
    return redirect("member_questionnaires", code=member.code)
