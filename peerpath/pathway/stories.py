"""Reads of the hope library. A published story is shown only while its writer's
consent to share it is in force (checked here in the query, besides the
withdrawal hook that unpublishes it), and only under its pseudonym."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from peerpath.members.models import Consent, ConsentKind, Member
from peerpath.pathway.models import Story, StoryStatus
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

# What a reader of the library is shown (never the member, their code or name).
READER_FIELDS = ("pseudonym", "sector", "recovery_stage", "how_found", "what_helped", "what_was_hard", "advice",
                 "published_at", "organization_id")


def _latest_story_consent(field: str, member_ref: str = "member_id") -> Subquery:
    latest = Consent.objects.filter(member_id=OuterRef(member_ref), kind=ConsentKind.STORY).order_by(
        "-given_on", "-created_at"
    )
    return Subquery(latest.values(field)[:1])


def story_consent_in_force(member: Member) -> bool:
    """Whether the member's latest consent to share a story is in force (one query)."""
    latest = (
        Consent.objects.filter(organization_id=member.organization_id, member_id=member.pk, kind=ConsentKind.STORY)
        .order_by("-given_on", "-created_at")
        .values_list("withdrawn_on", flat=True)[:1]
    )
    rows = list(latest)
    return bool(rows) and rows[0] is None


def published_stories(organization_id: int, sector: str = "") -> QuerySet[Story]:
    """Published stories of the organisation whose writer's story consent is in
    force, newest first; only the fields a reader sees are loaded."""
    qs = (
        Story.objects.filter(organization_id=organization_id, status=StoryStatus.PUBLISHED)
        .annotate(consent_given=_latest_story_consent("given_on"),
                  consent_withdrawn=_latest_story_consent("withdrawn_on"))
        .filter(consent_given__isnull=False, consent_withdrawn__isnull=True)
    )
    if sector:
        qs = qs.filter(sector=sector)
    return qs.only(*READER_FIELDS).order_by("-published_at", "-pk")


def get_published_story(organization_id: int, pk: int) -> Story:
    try:
        return published_stories(organization_id).get(pk=pk)
    except Story.DoesNotExist:
        raise Http404("No such story") from None


def story_of(member: Member) -> Story | None:
    return Story.objects.filter(organization_id=member.organization_id, member=member).first()


def review_queue(membership: Membership) -> QuerySet[Story]:
    """Stories waiting for review, oldest first."""
    require(membership, Perm.STORY_REVIEW)
    return (
        Story.objects.for_org(membership.organization).filter(status=StoryStatus.SUBMITTED)
        .select_related("member").only(*READER_FIELDS, "status", "submitted_at", "member__code")
        .order_by("submitted_at", "pk")
    )


def get_story_for_review(membership: Membership, pk: int) -> Story:
    require(membership, Perm.STORY_REVIEW)
    try:
        return (
            Story.objects.for_org(membership.organization).select_related("member", "reviewed_by")
            .annotate(consent_given=_latest_story_consent("given_on"),
                      consent_withdrawn=_latest_story_consent("withdrawn_on"))
            .get(pk=pk)
        )
    except Story.DoesNotExist:
        raise Http404("No such story") from None
