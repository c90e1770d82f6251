"""The member's own pathway pages in the portal (on a phone): logging help given,
writing their work story, and reading other members' stories."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members.models import CareRole, CareTeamAssignment, Member, Status
from peerpath.pathway import actions, peers, selectors, stories
from peerpath.pathway.forms import OwnHelpingForm, StoryForm
from peerpath.pathway.models import HelperRoleKind, StoryStatus
from peerpath.pathway.sectors import Sector
from peerpath.portal.access import member_view
from peerpath.portal.models import MemberAccount


def _record(request: HttpRequest, account: MemberAccount, event: Event, **extra: object) -> None:
    audit.record(event, actor=request.user, organization=account.organization, target=account.member,
                 request=request, extra=extra)


def helpable_people(account: MemberAccount) -> list[tuple[int, str]]:
    """Whom the member can log help for: their current mentees and the members of
    their peer groups (active members; labelled with the name they go by)."""
    member = account.member
    mentees = CareTeamAssignment.objects.filter(
        organization_id=account.organization_id, role=CareRole.PEER_MENTOR, mentor=member, ended_on__isnull=True
    ).values_list("member_id", flat=True)
    ids = set(mentees) | set(peers.co_members(account.organization_id, member.pk))
    ids.discard(member.pk)
    people = Member.objects.filter(organization_id=account.organization_id, pk__in=ids, status=Status.ACTIVE)
    return sorted(((m.pk, m.preferred_name or m.name) for m in people.only("pk", "name", "preferred_name")),
                  key=lambda p: p[1])


@member_view
@require_http_methods(["GET", "POST"])
def helping(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    member = account.member
    people = helpable_people(account)
    form = OwnHelpingForm(request.POST or None, helper=member, people=people)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        helped = Member.objects.get(organization_id=account.organization_id, pk=data.pop("helped"))
        actions.log_own_helping(account, helped=helped, allowed={p for p, _ in people}, request=request, **data)
        messages.success(request, _("Thank you! Your help is logged."))
        return redirect("portal_helping")
    history = selectors.role_history(member)
    current = selectors.current_role_of(history)
    _record(request, account, Event.PORTAL_VIEW, page="helping")
    return render(request, "pathway/portal_helping.html", {
        "account": account, "form": form, "has_people": bool(people),
        "summary": selectors.helping_summary(member),
        "history": history, "current_label": HelperRoleKind(current).label,
        "recent_days": selectors.RECENT_DAYS,
    })


@member_view
@require_http_methods(["GET", "POST"])
def my_story(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    member = account.member
    story = stories.story_of(member)
    consent = stories.story_consent_in_force(member)
    initial = {f: getattr(story, f) for f in actions.STORY_FIELDS} if story else {}
    form = StoryForm(request.POST or None, member=member, initial=initial)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "take_down":
        actions.take_down_own_story(account, request=request)
        messages.success(request, _("Your story is no longer in the library. It is kept as a draft."))
        return redirect("portal_story")
    if request.method == "POST" and consent and form.is_valid():
        submit = action == "submit"
        actions.save_own_story(account, form.cleaned_data, submit=submit, request=request)
        messages.success(request, _("Thank you! A coordinator will read your story before it is shared.")
                         if submit else _("Your story is saved. Only you and staff can see it."))
        return redirect("portal_story")
    if request.method == "GET":
        _record(request, account, Event.PORTAL_VIEW, page="story")
    return render(request, "pathway/portal_story.html", {
        "account": account, "form": form, "story": story, "consent": consent,
        "can_take_down": story is not None and story.status in (StoryStatus.PUBLISHED, StoryStatus.SUBMITTED),
    })


@member_view
@require_http_methods(["GET"])
def library(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    sector = request.GET.get("sector", "")
    if sector not in Sector.values:
        sector = ""
    rows = list(stories.published_stories(account.organization_id, sector))
    _record(request, account, Event.STORY_VIEW, page="library", sector=sector, shown=len(rows))
    return render(request, "pathway/portal_library.html",
                  {"account": account, "stories": rows, "sector": sector, "sectors": Sector.choices})


@member_view
@require_http_methods(["GET"])
def library_story(request: HttpRequest, pk: int) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    story = stories.get_published_story(account.organization_id, pk)
    audit.record(Event.STORY_VIEW, actor=request.user, organization=account.organization, target=story,
                 request=request, extra={"portal": True})
    return render(request, "pathway/portal_library_story.html", {"account": account, "story": story})
