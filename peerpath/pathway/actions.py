"""Writes of the pathway. Each is one durable transaction with its audit entry;
each checks the capability and that every member, module or story it touches
belongs to the acting organisation (defence in depth: the forms offer nothing
else, and the actions refuse anything else whatever their caller passes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members.actions import assign_care_team, on_consent_withdrawn
from peerpath.members.models import CareRole, Consent, ConsentKind, Member
from peerpath.pathway.models import (
    MAX_MINUTES,
    HelperRole,
    HelperRoleKind,
    HelpingContact,
    MenteePreferences,
    MentorPreferences,
    ReadinessCriterion,
    Story,
    StoryStatus,
    TrainingCompletion,
    TrainingModule,
)
from peerpath.pathway.stories import story_consent_in_force
from peerpath.portal.models import MemberAccount
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require, require_same_organisation

# -- helper roles and training ---------------------------------------------------


@durable_action
def change_role(
    membership: Membership, member: Member, *, role: str, started_on: dt.date,
    request: HttpRequest | None = None,
) -> HelperRole:
    """Make ``role`` the member's current helper role from ``started_on``; the
    previous role ends that day."""
    require(membership, Perm.PATHWAY_RECORD)
    require_same_organisation(membership, member)
    if role not in HelperRoleKind.values:
        raise ValueError(f"unknown helper role {role!r}")
    roles = HelperRole.objects.for_org(membership.organization).filter(member=member)
    latest = roles.order_by("-started_on").values_list("started_on", flat=True).first()
    if started_on < member.enrolment_date or (latest is not None and started_on < latest):
        raise ValueError("a role change must not be dated before the enrolment or the current role")
    current = roles.select_for_update().filter(ended_on__isnull=True).first()
    previous = current.role if current else HelperRoleKind.PARTICIPANT.value
    if previous == role:
        raise ValueError("the member already has this role")
    if current is not None:
        current.ended_on = started_on
        current.save(update_fields=["ended_on"])
    new = HelperRole.objects.create(
        organization=membership.organization, member=member, role=role, started_on=started_on,
        recorded_by=membership.user,
    )
    audit.record_by(membership, Event.ROLE_CHANGED, target=member, request=request,
                    extra={"from": previous, "to": role, "on": started_on.isoformat()})
    return new


@durable_action
def record_training(
    membership: Membership, member: Member, *, module: TrainingModule, completed_on: dt.date,
    request: HttpRequest | None = None,
) -> TrainingCompletion:
    require(membership, Perm.PATHWAY_RECORD)
    require_same_organisation(membership, member, module)
    completion = TrainingCompletion.objects.create(
        organization=membership.organization, member=member, module=module, completed_on=completed_on,
        recorded_by=membership.user,
    )
    audit.record_by(membership, Event.TRAINING_RECORDED, target=member, request=request,
                    extra={"module": module.pk, "on": completed_on.isoformat()})
    return completion


# -- the organisation's settings: training catalogue and readiness criteria -------
# (audited with the nearest events, marked as a settings change in ``extra``)


@durable_action
def add_training_module(
    membership: Membership, *, name: str, hours: Decimal, request: HttpRequest | None = None
) -> TrainingModule:
    require(membership, Perm.PATHWAY_CONFIGURE)
    module = TrainingModule.objects.create(organization=membership.organization, name=name, hours=hours)
    audit.record_by(membership, Event.TRAINING_RECORDED, target=module, request=request,
                    extra={"catalogue": "added", "name": name, "hours": str(hours)})
    return module


@durable_action
def set_module_offered(
    membership: Membership, module: TrainingModule, *, offered: bool, request: HttpRequest | None = None
) -> TrainingModule:
    require(membership, Perm.PATHWAY_CONFIGURE)
    require_same_organisation(membership, module)
    module.active = offered
    module.save(update_fields=["active"])
    audit.record_by(membership, Event.TRAINING_RECORDED, target=module, request=request,
                    extra={"catalogue": "offered" if offered else "withdrawn"})
    return module


@durable_action
def add_criterion(
    membership: Membership, *, target_role: str, kind: str, threshold: int | None = None,
    module: TrainingModule | None = None, role: str = "", stage: str = "", request: HttpRequest | None = None,
) -> ReadinessCriterion:
    require(membership, Perm.PATHWAY_CONFIGURE)
    if module is not None:
        require_same_organisation(membership, module)
    criterion = ReadinessCriterion.objects.create(
        organization=membership.organization, target_role=target_role, kind=kind, threshold=threshold,
        module=module, role=role, stage=stage, created_by=membership.user,
    )
    audit.record_by(membership, Event.ROLE_CHANGED, target=criterion, request=request,
                    extra={"readiness_criterion": "added", "target_role": target_role, "kind": kind})
    return criterion


@durable_action
def remove_criterion(
    membership: Membership, criterion: ReadinessCriterion, request: HttpRequest | None = None
) -> None:
    require(membership, Perm.PATHWAY_CONFIGURE)
    require_same_organisation(membership, criterion)
    criterion.active = False
    criterion.save(update_fields=["active"])
    audit.record_by(membership, Event.ROLE_CHANGED, target=criterion, request=request,
                    extra={"readiness_criterion": "removed"})


# -- mentoring -------------------------------------------------------------------


@durable_action
def save_mentoring_preferences(
    membership: Membership, member: Member, *, mentor: dict[str, Any] | None, mentee: dict[str, Any],
    request: HttpRequest | None = None,
) -> None:
    """The member's offer to mentor (``None``: no offer) and what they asked for in
    a mentor of their own."""
    require(membership, Perm.PATHWAY_RECORD)
    require_same_organisation(membership, member)
    org = membership.organization
    if mentor is None:
        MentorPreferences.objects.for_org(org).filter(member=member).delete()
    else:
        MentorPreferences.objects.update_or_create(organization=org, member=member, defaults=mentor)
    MenteePreferences.objects.update_or_create(organization=org, member=member, defaults=mentee)
    audit.record_by(membership, Event.ROLE_CHANGED, target=member, request=request,
                    extra={"mentoring_preferences": "saved", "offers_to_mentor": mentor is not None})


@durable_action
def confirm_mentor(
    membership: Membership, mentee: Member, mentor: Member, *, started_on: dt.date,
    rank: int | None = None, score: float | None = None, request: HttpRequest | None = None,
) -> None:
    """Make ``mentor`` the mentee's peer mentor (through the care team), recording
    that it was a confirmed match."""
    require(membership, Perm.MENTOR_MATCH)
    require_same_organisation(membership, mentee, mentor)
    assign_care_team.within(
        membership, mentee, changes={CareRole.PEER_MENTOR.value: mentor}, started_on=started_on, request=request
    )
    audit.record_by(membership, Event.MENTOR_CONFIRMED, target=mentee, request=request,
                    extra={"mentor": mentor.pk, "rank": rank, "score": score, "on": started_on.isoformat()})


# -- helping contacts ------------------------------------------------------------


def _check_contact(helper: Member, helped: Member, minutes: int) -> None:
    if helper.organization_id != helped.organization_id:
        raise PermissionDenied("the helper and the helped person must be of the same organisation")
    if helper.pk == helped.pk:
        raise ValueError("a member cannot be their own helped person")
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValueError(f"minutes must be between 1 and {MAX_MINUTES}")


@durable_action
def log_helping(
    membership: Membership, *, helper: Member, helped: Member, kind: str, minutes: int, date: dt.date,
    note: str = "", request: HttpRequest | None = None,
) -> HelpingContact:
    """A helping contact logged by staff (a peer leader, for example)."""
    require(membership, Perm.HELPING_LOG)
    require_same_organisation(membership, helper, helped)
    _check_contact(helper, helped, minutes)
    contact = HelpingContact.objects.create(
        organization=membership.organization, helper=helper, helped=helped, kind=kind, minutes=minutes,
        date=date, note=note, logged_by=membership.user,
    )
    audit.record_by(membership, Event.HELPING_LOGGED, target=contact, request=request,
                    extra={"helper": helper.pk, "helped": helped.pk, "minutes": minutes})
    return contact


@durable_action
def log_own_helping(
    account: MemberAccount, *, helped: Member, allowed: set[int], kind: str, minutes: int, date: dt.date,
    note: str = "", request: HttpRequest | None = None,
) -> HelpingContact:
    """A helping contact the helper logs in the portal; ``helped`` must be one of
    the people the portal offers them (``allowed``: their mentees and co-members)."""
    helper = account.member
    if helped.organization_id != account.organization_id or helped.pk not in allowed:
        raise PermissionDenied("not someone this member can log help for")
    _check_contact(helper, helped, minutes)
    contact = HelpingContact.objects.create(
        organization_id=account.organization_id, helper=helper, helped=helped, kind=kind, minutes=minutes,
        date=date, note=note, logged_by_member=helper,
    )
    audit.record(Event.HELPING_LOGGED, actor=account.user, organization=account.organization, target=contact,
                 request=request, extra={"helper": helper.pk, "helped": helped.pk, "minutes": minutes,
                                         "portal": True})
    return contact


# -- hope-library stories --------------------------------------------------------

STORY_FIELDS = ("pseudonym", "sector", "recovery_stage", "how_found", "what_helped", "what_was_hard", "advice")


def _save_story(organization_id: int, member: Member, data: dict[str, Any], *, submit: bool) -> tuple[Story, bool]:
    """Write the member's story; returns it and whether this took a published story
    off the library (a changed story is reviewed again before it returns)."""
    if not story_consent_in_force(member):
        raise PermissionDenied("no consent to share a story is in force")
    story = Story.objects.select_for_update().filter(organization_id=organization_id, member=member).first()
    if story is None:
        story = Story(organization_id=organization_id, member=member)
    unpublished = story.status == StoryStatus.PUBLISHED
    for field in STORY_FIELDS:
        setattr(story, field, data[field])
    now = timezone.now()
    story.status = StoryStatus.SUBMITTED if submit else StoryStatus.DRAFT
    if submit:
        story.submitted_at = now
    if unpublished:
        story.unpublished_at = now
    story.save()
    return story, unpublished


@durable_action
def save_story(
    membership: Membership, member: Member, data: dict[str, Any], *, submit: bool,
    request: HttpRequest | None = None,
) -> Story:
    """Staff type a member's story on their behalf (with the member's consent)."""
    require(membership, Perm.PATHWAY_RECORD)
    require_same_organisation(membership, member)
    story, unpublished = _save_story(membership.organization_id, member, data, submit=submit)
    audit.record_by(membership, Event.STORY_CHANGED, target=story, request=request,
                    extra={"status": story.status, "unpublished": unpublished})
    return story


@durable_action
def save_own_story(
    account: MemberAccount, data: dict[str, Any], *, submit: bool, request: HttpRequest | None = None
) -> Story:
    story, unpublished = _save_story(account.organization_id, account.member, data, submit=submit)
    audit.record(Event.STORY_CHANGED, actor=account.user, organization=account.organization, target=story,
                 request=request, extra={"status": story.status, "unpublished": unpublished, "portal": True})
    return story


@durable_action
def take_down_own_story(account: MemberAccount, request: HttpRequest | None = None) -> Story | None:
    """The member takes their story off the library (or out of review): it goes
    back to a draft."""
    story = Story.objects.select_for_update().filter(
        organization_id=account.organization_id, member=account.member
    ).first()
    if story is None or story.status not in (StoryStatus.PUBLISHED, StoryStatus.SUBMITTED):
        return story
    was = story.status
    story.status = StoryStatus.DRAFT
    update = ["status", "updated_at"]
    if was == StoryStatus.PUBLISHED:
        story.unpublished_at = timezone.now()
        update.append("unpublished_at")
    story.save(update_fields=update)
    audit.record(Event.STORY_CHANGED, actor=account.user, organization=account.organization, target=story,
                 request=request, extra={"status": story.status, "taken_down_from": was, "portal": True})
    return story


@durable_action
def review_story(
    membership: Membership, story: Story, *, publish: bool, note: str = "", request: HttpRequest | None = None
) -> Story:
    """Publish a submitted story inside the organisation, or return it with a note."""
    require(membership, Perm.STORY_REVIEW)
    require_same_organisation(membership, story)
    story = Story.objects.select_for_update().get(pk=story.pk)
    if story.status != StoryStatus.SUBMITTED:
        raise ValueError("only a submitted story can be reviewed")
    if publish and not story_consent_in_force(story.member):
        raise PermissionDenied("no consent to share a story is in force")
    now = timezone.now()
    story.status = StoryStatus.PUBLISHED if publish else StoryStatus.RETURNED
    story.reviewed_by = membership.user
    story.reviewed_at = now
    story.review_note = note
    update = ["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"]
    if publish:
        story.published_at = now
        update.append("published_at")
    story.save(update_fields=update)
    audit.record_by(membership, Event.STORY_REVIEWED, target=story, request=request,
                    extra={"decision": "published" if publish else "returned"})
    return story


@on_consent_withdrawn
def unpublish_story_on_withdrawal(membership: Membership, consent: Consent) -> None:
    """Withdrawing the consent to share a story takes the story off the library at
    once (inside the withdrawal's transaction)."""
    if consent.kind != ConsentKind.STORY or story_consent_in_force(consent.member):
        return  # another kind, or a newer story consent is still in force
    changed = Story.objects.for_org(membership.organization).filter(
        member_id=consent.member_id, status__in=[StoryStatus.PUBLISHED, StoryStatus.SUBMITTED]
    ).update(status=StoryStatus.WITHDRAWN, unpublished_at=timezone.now())
    if changed:
        audit.record_by(membership, Event.STORY_CHANGED, target=consent.member,
                        extra={"status": StoryStatus.WITHDRAWN, "reason": "consent withdrawn"})
