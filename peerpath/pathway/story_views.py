"""Staff pages of the hope library: reading published stories, reviewing submitted
ones, and typing a story on a member's behalf."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members.selectors import get_member_for_write
from peerpath.pathway import actions, stories
from peerpath.pathway.forms import ReviewForm, StoryForm
from peerpath.pathway.models import StoryStatus
from peerpath.pathway.sectors import Sector
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm


def _sector(request: HttpRequest) -> str:
    sector = request.GET.get("sector", "")
    return sector if sector in Sector.values else ""


@staff_view(Perm.PATHWAY_VIEW)
@require_http_methods(["GET"])
def story_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    sector = _sector(request)
    rows = list(stories.published_stories(membership.organization_id, sector))
    audit.record_by(membership, Event.STORY_VIEW, request=request,
                    extra={"page": "list", "sector": sector, "shown": len(rows)})
    return render(request, "pathway/story_list.html",
                  {"stories": rows, "sector": sector, "sectors": Sector.choices})


@staff_view(Perm.PATHWAY_VIEW)
@require_http_methods(["GET"])
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    story = stories.get_published_story(membership.organization_id, pk)
    audit.record_by(membership, Event.STORY_VIEW, target=story, request=request)
    return render(request, "pathway/story_detail.html", {"story": story})


@staff_view(Perm.STORY_REVIEW)
@require_http_methods(["GET"])
def story_review_queue(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    rows = list(stories.review_queue(membership))
    audit.record_by(membership, Event.STORY_VIEW, request=request, extra={"page": "review_queue", "shown": len(rows)})
    return render(request, "pathway/story_queue.html", {"stories": rows})


@staff_view(Perm.STORY_REVIEW)
@require_http_methods(["GET", "POST"])
def story_review(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    story = stories.get_story_for_review(membership, pk)
    form = ReviewForm(request.POST or None)
    if story.status != StoryStatus.SUBMITTED:
        form = None  # type: ignore[assignment]
    elif request.method == "POST" and form.is_valid():
        publish = form.cleaned_data["decision"] == "publish"
        actions.review_story(membership, story, publish=publish, note=form.cleaned_data["note"], request=request)
        messages.success(request, _("Story published.") if publish else _("Story returned to the writer."))
        return redirect("story_review_queue")
    if request.method == "GET":
        audit.record_by(membership, Event.STORY_VIEW, target=story, request=request, extra={"page": "review"})
    consent_in_force = story.consent_given is not None and story.consent_withdrawn is None  # type: ignore[attr-defined]
    return render(request, "pathway/story_review.html",
                  {"story": story, "form": form, "consent_in_force": consent_in_force})


@staff_view(Perm.PATHWAY_RECORD)
@require_http_methods(["GET", "POST"])
def member_story(request: HttpRequest, code: str) -> HttpResponse:
    """Staff type a member's story on their behalf (the member's consent to share
    a story must be in force)."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_member_for_write(membership, code, Perm.PATHWAY_RECORD)
    story = stories.story_of(member)
    consent = stories.story_consent_in_force(member)
    initial = {f: getattr(story, f) for f in actions.STORY_FIELDS} if story else {}
    form = StoryForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and consent and form.is_valid():
        submit = request.POST.get("action") == "submit"
        actions.save_story(membership, member, form.cleaned_data, submit=submit, request=request)
        messages.success(request, _("Story submitted for review.") if submit else _("Story saved as a draft."))
        return redirect("pathway_member", code=member.code)
    if request.method == "GET" and story is not None:
        audit.record_by(membership, Event.STORY_VIEW, target=story, request=request, extra={"page": "edit"})
    return render(request, "pathway/member_story.html",
                  {"form": form, "member": member, "story": story, "consent": consent})
