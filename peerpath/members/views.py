"""Member pages. Views parse input, call selectors and actions, and render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members import actions, selectors
from peerpath.members.forms import (
    CareTeamForm,
    ConsentForm,
    MemberForm,
    NewMemberForm,
    StageForm,
    WithdrawConsentForm,
)
from peerpath.members.models import CareRole, ConsentKind, Stage, Status
from peerpath.members.panels import build_panels
from peerpath.members.timeline import TRACKS, Cursor, timeline_page
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm, member_visible_fields


@staff_view(Perm.MEMBER_LIST)
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest) -> HttpResponse:
    """The member list. The search form is POSTed so that names typed into it
    never appear in URLs, browser history or web-server access logs."""
    membership = request.membership  # type: ignore[attr-defined]
    params = request.POST if request.method == "POST" else request.GET
    query = params.get("q", "")[:100]
    status = params.get("status", "")
    if status not in Status.values:
        status = ""
    gap = params.get("gap", "")
    if gap not in selectors.GAPS:
        gap = ""
    members = selectors.member_list(membership, query=query, status=status, gap=gap)
    page = Paginator(members, settings.PEERPATH_MEMBERS_PER_PAGE).get_page(params.get("page"))
    page.object_list = list(page.object_list)
    selectors.attach_professional_names(page.object_list)
    stage_labels = dict(Stage.choices)
    for m in page.object_list:
        m.stage_label = stage_labels.get(m.current_stage, "")  # type: ignore[attr-defined]
    audit.record_by(
        membership,
        Event.MEMBER_LIST,
        request=request,
        extra={"page": page.number, "searched": bool(query), "shown": len(page.object_list)},
    )
    context = {
        "page": page,
        "query": query,
        "status": status,
        "gap": gap,
        "statuses": Status.choices,
    }
    template = "members/_results.html" if request.htmx else "members/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view(Perm.MEMBER_CREATE)
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = NewMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "stage"}
        member = actions.create_member(membership, data, stage=form.cleaned_data["stage"], request=request)
        messages.success(request, _("Member %(code)s added.") % {"code": member.code})
        return redirect("member_detail", code=member.code)
    return render(request, "members/form.html", {"form": form, "title": _("Add a member")})


@staff_view(Perm.MEMBER_VIEW)
@require_http_methods(["GET"])
def member_detail(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    # The consent and care-team cards are read with the member (one query).
    member = selectors.get_member(membership, code, request=request, cards=True)
    consents = selectors.consent_cards(member)
    track = request.GET.get("track", "")
    if track not in TRACKS:
        track = ""
    page = timeline_page(member, membership, track=track)
    context = {
        "member": member,
        "visible": member_visible_fields(membership),
        "stage_label": dict(Stage.choices).get(member.current_stage or "", ""),  # type: ignore[attr-defined]
        "consent_status": [(label, consents[kind]) for kind, label in ConsentKind.choices],
        "care_team": selectors.care_team_cards(member),
        "timeline": page.entries,
        "next_cursor": page.next,
        "track": track,
        "panels": build_panels(member, membership),
    }
    return render(request, "members/detail.html", context)


@staff_view(Perm.MEMBER_VIEW)
@require_http_methods(["GET"])
def member_timeline(request: HttpRequest, code: str) -> HttpResponse:
    """Earlier entries of a member's timeline, after ``before`` (the cursor of the
    page's last entry): the list items for HTMX's "Show earlier", or a page of their
    own when followed as a plain link. A read of the member record, audited."""
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member(membership, code, request=request)
    before = Cursor.parse(request.GET.get("before", ""))
    track = request.GET.get("track", "")
    if track not in TRACKS:
        track = ""
    page = timeline_page(member, membership, before=before, track=track)
    context = {"member": member, "timeline": page.entries, "next_cursor": page.next, "track": track,
               "before": before}
    template = "members/_timeline_entries.html" if request.htmx else "members/timeline.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view(Perm.MEMBER_EDIT)
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_for_write(membership, code, Perm.MEMBER_EDIT)
    form = MemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        member.refresh_from_db()  # the form wrote the new values onto the instance
        changed = actions.update_member(membership, member, changes, request=request)
        if changed:
            messages.success(request, _("Details saved."))
        return redirect("member_detail", code=member.code)
    return render(
        request, "members/form.html", {"form": form, "member": member, "title": _("Edit details")}
    )


@staff_view(Perm.CONSENT_RECORD)
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_for_write(membership, code, Perm.CONSENT_RECORD)
    form = ConsentForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        actions.record_consent(membership, member, request=request, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
        return redirect("member_detail", code=member.code)
    return render(
        request, "members/small_form.html", {"form": form, "member": member, "title": _("Record consent")}
    )


@staff_view(Perm.CONSENT_RECORD)
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_for_write(membership, code, Perm.CONSENT_RECORD)
    consent = selectors.get_consent(membership, member, pk)
    if not consent.in_force:
        messages.info(request, _("This consent was already withdrawn."))
        return redirect("member_detail", code=member.code)
    form = WithdrawConsentForm(request.POST or None, given_on=consent.given_on)
    if request.method == "POST" and form.is_valid():
        actions.withdraw_consent(membership, consent, request=request, **form.cleaned_data)
        messages.success(request, _("Withdrawal of consent recorded."))
        return redirect("member_detail", code=member.code)
    title = _("Withdraw consent: %(kind)s, version %(version)s") % {
        "kind": consent.get_kind_display(), "version": consent.version,
    }
    return render(request, "members/small_form.html", {"form": form, "member": member, "title": title})


@staff_view(Perm.STAGE_CHANGE)
@require_http_methods(["GET", "POST"])
def stage_change(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_for_write(membership, code, Perm.STAGE_CHANGE)
    form = StageForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        actions.change_stage(membership, member, request=request, **form.cleaned_data)
        messages.success(request, _("Recovery stage recorded."))
        return redirect("member_detail", code=member.code)
    return render(
        request, "members/small_form.html",
        {"form": form, "member": member, "title": _("Change recovery stage")},
    )


@staff_view(Perm.CARE_TEAM_ASSIGN)
@require_http_methods(["GET", "POST"])
def care_team(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_for_write(membership, code, Perm.CARE_TEAM_ASSIGN)
    current = {a.role: a for a in selectors.current_care_team(member)}
    initial = {
        "professional": current[CareRole.PROFESSIONAL].professional if CareRole.PROFESSIONAL in current else None,
        "mentor": current[CareRole.PEER_MENTOR].mentor if CareRole.PEER_MENTOR in current else None,
    }
    form = CareTeamForm(request.POST or None, member=member, membership=membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes: dict[str, object] = {
            str(role): form.cleaned_data[field]
            for role, field in ((CareRole.PROFESSIONAL, "professional"), (CareRole.PEER_MENTOR, "mentor"))
            if field in form.changed_data
        }
        if changes:
            actions.assign_care_team(
                membership, member, changes=changes, started_on=form.cleaned_data["started_on"],
                request=request,
            )
            messages.success(request, _("Care team saved."))
        return redirect("member_detail", code=member.code)
    # The form lists the organisation's active members as possible mentors: a read.
    audit.record_by(membership, Event.MEMBER_LIST, request=request, extra={"page": "care_team_form"})
    return render(
        request, "members/small_form.html", {"form": form, "member": member, "title": _("Care team")}
    )
