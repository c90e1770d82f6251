"""Staff pages of the pathway: a member's helper pathway, role changes, training,
mentoring preferences, mentor suggestions, and helping contacts."""

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
from peerpath.members.models import Member
from peerpath.members.selectors import get_member_for_write
from peerpath.pathway import actions, selectors
from peerpath.pathway.describe import reason_text
from peerpath.pathway.forms import (
    ConfirmMentorForm,
    HelpingForm,
    MentoringForm,
    RoleChangeForm,
    TrainingForm,
)
from peerpath.pathway.models import (
    HelperRoleKind,
    HelpingKind,
    MenteePreferences,
    MentorPreferences,
)
from peerpath.pathway.readiness import next_role
from peerpath.pathway.stories import story_of
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm, can


def _member(request: HttpRequest, code: str, perm: Perm) -> Member:
    """A member to change (404 outside the organisation; the write is audited by the action)."""
    return get_member_for_write(request.membership, code, perm)  # type: ignore[attr-defined]


@staff_view(Perm.PATHWAY_VIEW)
@require_http_methods(["GET"])
def member_pathway(request: HttpRequest, code: str) -> HttpResponse:
    """Everything of one member's peer-helper pathway, with links to record more."""
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_pathway(membership, code, request=request)
    history = selectors.role_history(member)
    current = selectors.current_role_of(history)
    completed = selectors.completions_of(member)
    org = membership.organization
    context = {
        "member": member,
        "history": history,
        "current": current,
        "current_label": HelperRoleKind(current).label,
        "completed": completed,
        "readiness": selectors.readiness_of(member, current, completed, all_roles=True),
        "final": next_role(current) is None,
        "summary": selectors.helping_summary(member),
        "contacts": selectors.contacts_of(member),
        "show_notes": can(membership, Perm.MEMBER_VIEW_CLINICAL),
        "mentor_prefs": MentorPreferences.objects.for_org(org).filter(member=member).first(),
        "mentee_prefs": MenteePreferences.objects.for_org(org).filter(member=member).first(),
        "story": story_of(member),
    }
    return render(request, "pathway/member.html", context)


@staff_view(Perm.PATHWAY_RECORD)
@require_http_methods(["GET", "POST"])
def role_change(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code, Perm.PATHWAY_RECORD)
    history = selectors.role_history(member)
    current = selectors.current_role_of(history)
    form = RoleChangeForm(request.POST or None, member=member, history=history, current=current)
    if request.method == "POST" and form.is_valid():
        actions.change_role(membership, member, request=request, **form.cleaned_data)
        messages.success(request, _("Helper role recorded."))
        return redirect("pathway_member", code=member.code)
    title = _("Change helper role (now: %(role)s)") % {"role": HelperRoleKind(current).label}
    return render(request, "pathway/member_form.html", {"form": form, "member": member, "title": title})


@staff_view(Perm.PATHWAY_RECORD)
@require_http_methods(["GET", "POST"])
def training_record(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code, Perm.PATHWAY_RECORD)
    done = {c.module_id for c in selectors.completions_of(member)}
    form = TrainingForm(request.POST or None, member=member, done=done)
    if request.method == "POST" and form.is_valid():
        actions.record_training(membership, member, request=request, **form.cleaned_data)
        messages.success(request, _("Training recorded."))
        return redirect("pathway_member", code=member.code)
    return render(request, "pathway/member_form.html",
                  {"form": form, "member": member, "title": _("Record training completed")})


@staff_view(Perm.PATHWAY_RECORD)
@require_http_methods(["GET", "POST"])
def mentoring_preferences(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = _member(request, code, Perm.PATHWAY_RECORD)
    org = membership.organization
    form = MentoringForm(
        request.POST or None,
        mentor=MentorPreferences.objects.for_org(org).filter(member=member).first(),
        mentee=MenteePreferences.objects.for_org(org).filter(member=member).first(),
    )
    if request.method == "POST" and form.is_valid():
        actions.save_mentoring_preferences(
            membership, member, mentor=form.mentor_data(), mentee=form.mentee_data(), request=request
        )
        messages.success(request, _("Mentoring preferences saved."))
        return redirect("pathway_member", code=member.code)
    return render(request, "pathway/member_form.html",
                  {"form": form, "member": member, "title": _("Mentoring preferences")})


def _suggestions_context(request: HttpRequest, member: Member) -> dict[str, object]:
    membership = request.membership  # type: ignore[attr-defined]
    ranked, candidates = selectors.mentor_suggestions(membership, member)
    rows = [
        {
            "rank": i + 1 if s.eligible else None,
            "suggestion": s,
            "mentor": candidates[s.candidate.member_id],
            "reasons": [reason_text(r) for r in s.reasons],
            "exclusions": [reason_text(r) for r in s.exclusions],
        }
        for i, s in enumerate(ranked)
    ]
    return {
        "member": member,
        "eligible": [r for r in rows if r["rank"]],
        "excluded": [r for r in rows if not r["rank"]],
    }


@staff_view(Perm.MENTOR_MATCH)
@require_http_methods(["GET"])
def mentor_suggestions(request: HttpRequest, code: str) -> HttpResponse:
    """Ranked, explained mentor suggestions for a member; the coordinator confirms one."""
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_pathway(membership, code, request=request)
    context = _suggestions_context(request, member)
    context["form"] = ConfirmMentorForm(mentee=member, eligible=[])
    return render(request, "pathway/mentors.html", context)


@staff_view(Perm.MENTOR_MATCH)
@require_http_methods(["POST"])
def mentor_confirm(request: HttpRequest, code: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    member = selectors.get_member_pathway(membership, code, request=request)
    context = _suggestions_context(request, member)
    eligible = {r["mentor"].code: r for r in context["eligible"]}  # type: ignore[attr-defined]
    form = ConfirmMentorForm(request.POST, mentee=member, eligible=list(eligible))
    if form.is_valid():
        row = eligible[form.cleaned_data["mentor"]]
        actions.confirm_mentor(
            membership, member, row["mentor"], started_on=form.cleaned_data["started_on"],
            rank=row["rank"], score=row["suggestion"].score, request=request,
        )
        messages.success(request, _("%(mentor)s is now the peer mentor of %(member)s.")
                         % {"mentor": row["mentor"].code, "member": member.code})
        return redirect("member_detail", code=member.code)
    context["form"] = form
    return render(request, "pathway/mentors.html", context, status=200)


@staff_view(Perm.PATHWAY_VIEW)
@require_http_methods(["GET"])
def helping_list(request: HttpRequest) -> HttpResponse:
    """The organisation's helping contacts, newest first (member codes; no notes)."""
    membership = request.membership  # type: ignore[attr-defined]
    kind = request.GET.get("kind", "")
    if kind not in HelpingKind.values:
        kind = ""
    page = Paginator(selectors.helping_list(membership, kind=kind), settings.PEERPATH_MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    audit.record_by(membership, Event.PATHWAY_VIEW, request=request,
                    extra={"page": "helping", "number": page.number, "shown": len(page.object_list)})
    return render(request, "pathway/helping_list.html",
                  {"page": page, "kind": kind, "kinds": HelpingKind.choices})


@staff_view(Perm.HELPING_LOG)
@require_http_methods(["GET", "POST"])
def helping_log(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = HelpingForm(request.POST or None, organization_id=membership.organization_id,
                       initial={"helper": request.GET.get("helper", "")})
    if request.method == "POST" and form.is_valid():
        contact = actions.log_helping(membership, request=request, **form.cleaned_data)
        messages.success(request, _("Helping contact logged: %(helper)s helped %(helped)s.")
                         % {"helper": contact.helper.code, "helped": contact.helped.code})
        return redirect("helping_list")
    # The form lists the organisation's active members: a read of member data.
    audit.record_by(membership, Event.MEMBER_LIST, request=request, extra={"page": "helping_form"})
    return render(request, "pathway/helping_form.html", {"form": form})
