"""Group pages: the list, a group's page, the group form, roster and norms.
Views parse input, call selectors and actions, and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from peerpath.groups import actions, group_page, permissions, selectors
from peerpath.groups.codesets import code_set as get_code_set
from peerpath.groups.forms import DateOnlyForm, GroupForm, NormForm, RosterAddForm
from peerpath.groups.models import PeerGroup
from peerpath.measures.library import interface_language
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm, can


@staff_view(Perm.GROUP_VIEW)
@require_http_methods(["GET"])
def group_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    groups = selectors.group_list(membership, request=request)
    return render(request, "groups/list.html", {"groups": groups})


@staff_view(Perm.GROUP_MANAGE)
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = GroupForm(request.POST if request.method == "POST" else None, organization=membership.organization)
    if request.method == "POST" and form.is_valid():
        group = actions.create_group(membership, form.cleaned_data, request=request)
        messages.success(request, _("Group %(name)s added.") % {"name": group.name})
        return redirect("group_detail", pk=group.pk)
    return render(request, "groups/form.html", {"form": form, "title": _("Add a group")})


@staff_view(Perm.GROUP_MANAGE)
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.GROUP_MANAGE)
    form = GroupForm(request.POST if request.method == "POST" else None, instance=group, organization=membership.organization)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        group.refresh_from_db()  # the form wrote the new values onto the instance
        if actions.update_group(membership, group, changes, request=request):
            messages.success(request, _("Group saved."))
        return redirect("group_detail", pk=group.pk)
    return render(request, "groups/form.html", {"form": form, "group": group, "title": _("Edit the group")})


@staff_view(Perm.GROUP_VIEW)
@require_http_methods(["GET"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group(membership, pk, request=request)
    language = interface_language()
    code_set = get_code_set(group.code_set)
    today = group_page.today()
    roster = selectors.roster_rows(group)
    current = [e for e in roster if e.left_on is None]
    past = [e for e in roster if e.left_on is not None]
    norms = selectors.norms_of(group)
    sessions, first = selectors.latest_sessions(group)
    # The charts show the last months (the whole history when asked for); the
    # attendance read also reaches back to the oldest session of the table.
    shown = group_page.period(sessions[0].date if sessions else None, first, request.GET.get("history") == "all")
    attendance = selectors.attendance_rows(group, min(shown.since, sessions[-1].date) if sessions else shown.since)
    selectors.count_attendance(sessions, attendance)
    codings = selectors.codings(group, shown.codings_since)
    context = {
        "group": group,
        "code_set": code_set,
        "code_set_name": code_set.name.get(language),
        "current_roster": current,
        "past_roster": past,
        "current_rows": group_page.current_roster_rows(current),
        "past_items": group_page.past_roster_items([(e.code, e.name, e.joined_on, e.left_on) for e in past]),
        "norms_in_force": [n for n in norms if n.state == "agreed"],
        "norms_proposed": [n for n in norms if n.state == "proposed"],
        "norms_retired": [n for n in norms if n.state == "retired"],
        "sessions": sessions,
        "session_rows": group_page.session_rows(group, sessions),
        "period": shown,
        "attendance": group_page.attendance_section(attendance, shown.since),
        "profile": group_page.profile_section(code_set, language, codings),
        "kappa": group_page.kappa_section(code_set, today, language, codings),
        # Questionnaire results are clinical: the group climate is for clinical staff only.
        "climate": group_page.climate_section(group, language, attendance, shown.since) if can(membership, Perm.MEASURE_VIEW) else None,
        "may_change": permissions.may_change_roster_and_norms(membership, group),
        "may_record": permissions.may_record(membership, group),
    }
    return render(request, "groups/detail.html", context)


def _group_for_roster_and_norms(request: HttpRequest, pk: int) -> PeerGroup:
    membership = request.membership  # type: ignore[attr-defined]
    group = selectors.get_group_for_write(membership, pk, Perm.GROUP_VIEW)
    if not permissions.may_change_roster_and_norms(membership, group):
        raise PermissionDenied("only the group's facilitators or staff who manage groups")
    return group


@staff_view(Perm.GROUP_VIEW)
@require_http_methods(["GET", "POST"])
def group_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member to the roster, or record that a member left."""
    membership = request.membership  # type: ignore[attr-defined]
    group = _group_for_roster_and_norms(request, pk)
    add_form = RosterAddForm(request.POST if request.POST.get("action") == "add" else None, group=group)
    leave_form = DateOnlyForm(request.POST if request.POST.get("action") == "leave" else None,
                              label=_("Left on"), prefix="leave")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add" and add_form.is_valid():
                actions.add_to_roster(membership, group, add_form.cleaned_data["member"],
                                      joined_on=add_form.cleaned_data["joined_on"], request=request)
                messages.success(request, _("Member added to the roster."))
                return redirect("group_roster", pk=group.pk)
            if request.POST.get("action") == "leave" and leave_form.is_valid():
                entry = selectors.get_roster_entry(group, _int(request.POST.get("entry")))
                actions.end_roster_entry(membership, entry, left_on=leave_form.cleaned_data["on"], request=request)
                messages.success(request, _("Leaving recorded."))
                return redirect("group_roster", pk=group.pk)
        except actions.GroupRuleError as exc:
            messages.error(request, rule_message(str(exc)))
            return redirect("group_roster", pk=group.pk)
    roster = selectors.roster_history(group)
    past = [e for e in roster if e.left_on is not None]
    context = {
        "group": group, "add_form": add_form, "leave_form": leave_form,
        "current_roster": [e for e in roster if e.left_on is None],
        "past_roster": past,
        "past_items": group_page.past_roster_items([(e.member.code, e.member.name, e.joined_on, e.left_on)
                                                    for e in past]),
    }
    return render(request, "groups/roster.html", context)


@staff_view(Perm.GROUP_VIEW)
@require_http_methods(["GET", "POST"])
def group_norms(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a norm (or a revision), record that the group agreed it, or retire it."""
    membership = request.membership  # type: ignore[attr-defined]
    group = _group_for_roster_and_norms(request, pk)
    action = request.POST.get("action", "")
    form = NormForm(request.POST if action == "propose" else None, group=group)
    date_form = DateOnlyForm(request.POST if action in ("agree", "retire") else None, prefix="norm")
    if request.method == "POST":
        try:
            if action == "propose" and form.is_valid():
                data = form.cleaned_data
                actions.propose_norm(
                    membership, group, text=data["text"], proposed_by=data["proposed_by"].strip(),
                    proposed_on=data["proposed_on"], supersedes=data["supersedes"],
                    agreed_on=data["proposed_on"] if data["agreed"] else None, request=request,
                )
                messages.success(request, _("Norm saved."))
                return redirect("group_norms", pk=group.pk)
            if action in ("agree", "retire") and date_form.is_valid():
                norm = selectors.get_norm(group, _int(request.POST.get("norm")))
                day = date_form.cleaned_data["on"]
                if action == "agree":
                    actions.agree_norm(membership, norm, agreed_on=day, request=request)
                    messages.success(request, _("The group agreed the norm."))
                else:
                    actions.retire_norm(membership, norm, retired_on=day, request=request)
                    messages.success(request, _("Norm retired."))
                return redirect("group_norms", pk=group.pk)
        except actions.GroupRuleError as exc:
            messages.error(request, rule_message(str(exc)))
            return redirect("group_norms", pk=group.pk)
    norms = selectors.norms_of(group)
    context = {
        "group": group, "form": form, "date_form": date_form,
        "norms_in_force": [n for n in norms if n.state == "agreed"],
        "norms_proposed": [n for n in norms if n.state == "proposed"],
        "norms_retired": [n for n in norms if n.state == "retired"],
    }
    return render(request, "groups/norms.html", context)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


RULE_MESSAGES = {
    "already on the roster": gettext_lazy("This member is already on the roster."),
    "rejoins before the date the member left": gettext_lazy("A member can rejoin only after the date they left."),
    "already left": gettext_lazy("This member has already left the group."),
    "left before joining": gettext_lazy("The date of leaving is before the member joined."),
    "only a norm of this group that is in force can be revised": gettext_lazy("Only a norm in force can be revised."),
    "only a proposed norm can be agreed": gettext_lazy("Only a proposed norm can be agreed."),
    "agreed before it was proposed": gettext_lazy("The date is before the norm was proposed."),
    "already retired": gettext_lazy("This norm was already retired."),
    "retired before it was proposed": gettext_lazy("The date is before the norm was proposed."),
    "the second coder must be another person than the first": gettext_lazy(
        "The second coder must be another person than the first coder."),
    "the first coder codes an incident before the second": gettext_lazy(
        "The first coder codes an incident before the second."),
    "another person already coded this incident in that role": gettext_lazy(
        "Another person already coded this incident in that role."),
}


def rule_message(rule: str) -> str:
    """The user's wording of a rule the action refused (translated)."""
    return str(RULE_MESSAGES.get(rule, gettext_lazy("This change is not possible.")))
