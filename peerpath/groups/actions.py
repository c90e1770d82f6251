"""Writes of the groups app. Each is one durable transaction with its audit
entries; each checks the capability, the group scope and that every referenced
member, staff user or norm belongs to the acting organisation (and group)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups import permissions
from peerpath.groups.codesets import code_set as get_code_set
from peerpath.groups.codesets import code_sets
from peerpath.groups.models import (
    ATTENDED,
    Attendance,
    AttendanceStatus,
    CriticalIncident,
    FeedbackNote,
    IncidentCoding,
    Norm,
    NormObservation,
    PeerGroup,
    RosterEntry,
    Session,
)
from peerpath.measures.actions import token_hash
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.models import Administration, Mode, Reason
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership, Role
from peerpath.tenancy.policy import Perm, require, require_same_organisation

KIOSK_LINK_MINUTES = 120  # a questionnaire opened at the kiosk must be answered within this time


class GroupRuleError(ValueError):
    """Input that breaks a rule of the groups app (forms show the message)."""


def _staff_with_role(membership: Membership, user: Any, roles: set[str]) -> None:
    if user is None:
        return
    if not Membership.objects.filter(
        user=user, organization_id=membership.organization_id, is_active=True, role__in=roles
    ).exists():
        raise PermissionDenied("not staff of this organisation in the expected role")


def _check_facilitators(membership: Membership, data: dict[str, Any]) -> None:
    _staff_with_role(membership, data.get("peer_leader"), {Role.PEER_LEADER})
    _staff_with_role(membership, data.get("co_facilitator"), {Role.PROFESSIONAL})
    if "code_set" in data and data["code_set"] not in code_sets():
        raise GroupRuleError("unknown code set")


@transaction.atomic(durable=True)
def create_group(membership: Membership, data: dict[str, Any], request: HttpRequest | None = None) -> PeerGroup:
    require(membership, Perm.GROUP_MANAGE)
    _check_facilitators(membership, data)
    group = PeerGroup.objects.create(organization=membership.organization, **data)
    audit.record_by(membership, Event.GROUP_CHANGED, target=group, request=request, extra={"created": True})
    return group


@transaction.atomic(durable=True)
def update_group(
    membership: Membership, group: PeerGroup, changes: dict[str, Any], request: HttpRequest | None = None
) -> list[str]:
    require(membership, Perm.GROUP_MANAGE)
    require_same_organisation(membership, group)
    _check_facilitators(membership, changes)
    changed = [f for f, v in changes.items() if getattr(group, f) != v]
    for field in changed:
        setattr(group, field, changes[field])
    if changed:
        group.save(update_fields=changed)
        audit.record_by(membership, Event.GROUP_CHANGED, target=group, request=request, extra={"fields": sorted(changed)})
    return changed


def _require_roster_and_norms(membership: Membership, group: PeerGroup) -> None:
    require(membership, Perm.GROUP_VIEW)
    require_same_organisation(membership, group)
    if not permissions.may_change_roster_and_norms(membership, group):
        raise PermissionDenied("only the group's facilitators or staff who manage groups")


@transaction.atomic(durable=True)
def add_to_roster(
    membership: Membership, group: PeerGroup, member: Member, *, joined_on: dt.date,
    request: HttpRequest | None = None,
) -> RosterEntry:
    _require_roster_and_norms(membership, group)
    require_same_organisation(membership, member)
    if RosterEntry.objects.for_org(membership.organization).filter(group=group, member=member, left_on__isnull=True).exists():
        raise GroupRuleError("already on the roster")
    last_left = (
        RosterEntry.objects.for_org(membership.organization).filter(group=group, member=member)
        .order_by("-left_on").values_list("left_on", flat=True).first()
    )
    if last_left is not None and joined_on < last_left:
        raise GroupRuleError("rejoins before the date the member left")
    entry = RosterEntry.objects.create(
        organization=membership.organization, group=group, member=member, joined_on=joined_on
    )
    audit.record_by(membership, Event.ROSTER_CHANGED, target=group, request=request,
                    extra={"member": member.pk, "joined_on": joined_on.isoformat()})
    return entry


@transaction.atomic(durable=True)
def end_roster_entry(
    membership: Membership, entry: RosterEntry, *, left_on: dt.date, request: HttpRequest | None = None
) -> RosterEntry:
    _require_roster_and_norms(membership, entry.group)
    require_same_organisation(membership, entry)
    if entry.left_on is not None:
        raise GroupRuleError("already left")
    if left_on < entry.joined_on:
        raise GroupRuleError("left before joining")
    entry.left_on = left_on
    entry.save(update_fields=["left_on"])
    audit.record_by(membership, Event.ROSTER_CHANGED, target=entry.group, request=request,
                    extra={"member": entry.member_id, "left_on": left_on.isoformat()})
    return entry


@transaction.atomic(durable=True)
def propose_norm(
    membership: Membership, group: PeerGroup, *, text: str, proposed_by: str, proposed_on: dt.date,
    supersedes: Norm | None = None, agreed_on: dt.date | None = None, request: HttpRequest | None = None,
) -> Norm:
    """A new norm, or a revision of a norm in force (``supersedes``); agreed at once
    when ``agreed_on`` is given."""
    _require_roster_and_norms(membership, group)
    if supersedes is not None:
        require_same_organisation(membership, supersedes)
        if supersedes.group_id != group.pk or supersedes.state != "agreed":
            raise GroupRuleError("only a norm of this group that is in force can be revised")
    norm = Norm.objects.create(
        organization=membership.organization, group=group, text=text, proposed_by=proposed_by,
        proposed_on=proposed_on, supersedes=supersedes, created_by=membership.user,
    )
    audit.record_by(membership, Event.NORM_CHANGED, target=norm, request=request,
                    extra={"group": group.pk, "proposed": True, "supersedes": getattr(supersedes, "pk", None)})
    if agreed_on is not None:
        _agree(membership, norm, agreed_on, request)
    return norm


@transaction.atomic(durable=True)
def agree_norm(membership: Membership, norm: Norm, *, agreed_on: dt.date, request: HttpRequest | None = None) -> Norm:
    """The group agreed the norm; the version it revises is retired on the same day."""
    _require_roster_and_norms(membership, norm.group)
    require_same_organisation(membership, norm)
    return _agree(membership, norm, agreed_on, request)


def _agree(membership: Membership, norm: Norm, agreed_on: dt.date, request: HttpRequest | None) -> Norm:
    if norm.state != "proposed":
        raise GroupRuleError("only a proposed norm can be agreed")
    if agreed_on < norm.proposed_on:
        raise GroupRuleError("agreed before it was proposed")
    norm.agreed_on = agreed_on
    norm.save(update_fields=["agreed_on"])
    if norm.supersedes is not None and norm.supersedes.retired_on is None:
        norm.supersedes.retired_on = agreed_on
        norm.supersedes.save(update_fields=["retired_on"])
    audit.record_by(membership, Event.NORM_CHANGED, target=norm, request=request,
                    extra={"group": norm.group_id, "agreed_on": agreed_on.isoformat()})
    return norm


@transaction.atomic(durable=True)
def retire_norm(membership: Membership, norm: Norm, *, retired_on: dt.date, request: HttpRequest | None = None) -> Norm:
    _require_roster_and_norms(membership, norm.group)
    require_same_organisation(membership, norm)
    if norm.retired_on is not None:
        raise GroupRuleError("already retired")
    if retired_on < norm.proposed_on:
        raise GroupRuleError("retired before it was proposed")
    norm.retired_on = retired_on
    norm.save(update_fields=["retired_on"])
    audit.record_by(membership, Event.NORM_CHANGED, target=norm, request=request,
                    extra={"group": norm.group_id, "retired_on": retired_on.isoformat()})
    return norm


@dataclass(frozen=True)
class IncidentInput:
    member: Member
    text: str
    dictated: bool = False


@dataclass(frozen=True)
class SessionInput:
    date: dt.date
    theme: str
    facilitators: list[Any]
    attendance: dict[int, str]  # member id → status, for every member on the roster
    observations: list[tuple[Norm, str, str]]  # (norm, upheld/challenged, note)
    feedback: list[tuple[Member, Member, str]]  # (giver, receiver, note)
    incidents: list[IncidentInput]


def _require_recording(membership: Membership, group: PeerGroup) -> None:
    require(membership, Perm.SESSION_RECORD)
    require_same_organisation(membership, group)
    if not permissions.may_record(membership, group):
        raise PermissionDenied("not a group this membership records")


def _on_roster(group: PeerGroup, day: dt.date) -> set[int]:
    return set(
        RosterEntry.objects.filter(organization_id=group.organization_id, group=group, joined_on__lte=day)
        .exclude(left_on__lt=day).values_list("member_id", flat=True)
    )


@transaction.atomic(durable=True)
def record_session(
    membership: Membership, group: PeerGroup, data: SessionInput, request: HttpRequest | None = None
) -> Session:
    """The whole session at once: attendance, norms, feedback notes and incidents."""
    _require_recording(membership, group)
    roster = _on_roster(group, data.date)
    if set(data.attendance) != roster:
        raise GroupRuleError("attendance must be taken for exactly the members on the roster that day")
    if any(status not in AttendanceStatus.values for status in data.attendance.values()):
        raise GroupRuleError("unknown attendance status")
    for user in data.facilitators:
        _staff_with_role(membership, user, set(Role.values))
    for norm, _observation, _note in data.observations:
        require_same_organisation(membership, norm)
        if norm.group_id != group.pk:
            raise PermissionDenied("a norm of another group")
    people = [p for giver, receiver, _ in data.feedback for p in (giver, receiver)] + [i.member for i in data.incidents]
    require_same_organisation(membership, *people)
    if any(p.pk not in roster for p in people):
        raise GroupRuleError("feedback and incidents are of members on the roster")
    if any(giver.pk == receiver.pk for giver, receiver, _ in data.feedback):
        raise GroupRuleError("feedback is given to another member")
    if Session.objects.for_org(membership.organization).filter(group=group, date=data.date).exists():
        raise GroupRuleError("a session of this group is already recorded on that date")
    org = membership.organization
    session = Session.objects.create(organization=org, group=group, date=data.date, theme=data.theme,
                                     recorded_by=membership.user)
    session.facilitators.set(data.facilitators)
    Attendance.objects.bulk_create(
        Attendance(organization=org, session=session, member_id=member_id, status=status)
        for member_id, status in data.attendance.items()
    )
    NormObservation.objects.bulk_create(
        NormObservation(organization=org, session=session, norm=norm, observation=observation, note=note)
        for norm, observation, note in data.observations
    )
    FeedbackNote.objects.bulk_create(
        FeedbackNote(organization=org, session=session, giver=giver, receiver=receiver, note=note)
        for giver, receiver, note in data.feedback
    )
    audit.record_by(membership, Event.SESSION_RECORDED, target=session, request=request, extra={
        "group": group.pk, "attended": sum(1 for s in data.attendance.values() if s in ATTENDED),
        "roster": len(data.attendance), "norms": len(data.observations), "feedback": len(data.feedback),
    })
    _create_incidents(membership, session, data.incidents, request)
    return session


def _create_incidents(
    membership: Membership, session: Session, incidents: list[IncidentInput], request: HttpRequest | None
) -> list[CriticalIncident]:
    created = []
    for item in incidents:
        incident = CriticalIncident.objects.create(
            organization=membership.organization, session=session, member=item.member, text=item.text,
            dictated=item.dictated, recorded_by=membership.user,
        )
        audit.record_by(membership, Event.INCIDENT_RECORDED, target=incident, request=request,
                        extra={"session": session.pk, "member": item.member.pk, "dictated": item.dictated})
        created.append(incident)
    return created


@transaction.atomic(durable=True)
def add_incidents(
    membership: Membership, session: Session, incidents: list[IncidentInput], request: HttpRequest | None = None
) -> list[CriticalIncident]:
    """Incidents written after the session was recorded (by members who attended)."""
    _require_recording(membership, session.group)
    require_same_organisation(membership, session, *[i.member for i in incidents])
    attended = set(
        Attendance.objects.for_org(membership.organization).filter(session=session, status__in=ATTENDED)
        .values_list("member_id", flat=True)
    )
    if any(i.member.pk not in attended for i in incidents):
        raise GroupRuleError("incidents are written by members who attended the session")
    return _create_incidents(membership, session, incidents, request)


@transaction.atomic(durable=True)
def code_incident(
    membership: Membership, incident: CriticalIncident, *, rank: int, factors: list[str],
    request: HttpRequest | None = None,
) -> IncidentCoding:
    """Assign factors of the group's code set; the first coder (rank 1) or the
    second (rank 2, a different person). A coder may revise their own coding."""
    require(membership, Perm.INCIDENT_CODE)
    require_same_organisation(membership, incident)
    group = incident.session.group
    if not permissions.may_code(membership, group):
        raise PermissionDenied("not a group this membership codes")
    if rank not in (1, 2):
        raise GroupRuleError("rank is 1 (first coder) or 2 (second coder)")
    codes = get_code_set(group.code_set).validate_factors(factors)
    existing = {c.rank: c for c in IncidentCoding.objects.for_org(membership.organization).filter(incident=incident)}
    other = existing.get(3 - rank)
    if other is not None and other.coder_id == membership.user_id:
        raise GroupRuleError("the second coder must be another person than the first")
    if rank == 2 and 1 not in existing:
        raise GroupRuleError("the first coder codes an incident before the second")
    mine = existing.get(rank)
    if mine is not None and mine.coder_id != membership.user_id:
        raise GroupRuleError("another person already coded this incident in that role")
    coding, _created = IncidentCoding.objects.update_or_create(
        organization=membership.organization, incident=incident, rank=rank,
        defaults={"coder": membership.user, "code_set": group.code_set, "factors": codes, "coded_at": timezone.now()},
    )
    audit.record_by(membership, Event.INCIDENT_CODED, target=incident, request=request,
                    extra={"rank": rank, "code_set": group.code_set, "factors": codes})
    return coding


@transaction.atomic(durable=True)
def start_kiosk(membership: Membership, session: Session, request: HttpRequest | None = None) -> None:
    _require_recording(membership, session.group)
    require_same_organisation(membership, session)
    audit.record_by(membership, Event.KIOSK_STARTED, target=session, request=request, extra={"group": session.group_id})


@transaction.atomic(durable=True)
def open_kiosk_questionnaire(
    membership: Membership, session: Session, member: Member, instrument_id: str,
    request: HttpRequest | None = None,
) -> tuple[Administration, str]:
    """A single-use self-report link for a member who attended, opened at the kiosk
    on behalf of the staff member who started it (the token is returned once)."""
    _require_recording(membership, session.group)
    require_same_organisation(membership, session, member)
    if not Attendance.objects.for_org(membership.organization).filter(
        session=session, member=member, status__in=ATTENDED
    ).exists():
        raise PermissionDenied("the member did not attend this session")
    instrument = get_instrument(instrument_id)
    token = secrets.token_urlsafe(24)
    administration = Administration.objects.create(
        organization=membership.organization, member=member, instrument_id=instrument.id,
        instrument_version=instrument.version, mode=Mode.KIOSK, reason=Reason.GROUP_SESSION,
        language=member.preferred_language, link_token_hash=token_hash(token),
        link_expires_at=timezone.now() + dt.timedelta(minutes=KIOSK_LINK_MINUTES), created_by=membership.user,
    )
    audit.record_by(membership, Event.MEASURE_LINK_CREATED, target=administration, request=request,
                    extra={"member": member.pk, "instrument": instrument.id, "kiosk_session": session.pk})
    return administration, token
