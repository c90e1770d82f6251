"""Writes to member records. Each is one durable transaction that also writes
its audit entry, so a change and its record stand or fall together."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members.models import (
    CareRole,
    CareTeamAssignment,
    Consent,
    Member,
    StageChange,
)
from peerpath.members.search import refresh_tokens
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

NAME_FIELDS = frozenset({"name", "preferred_name"})

# Called inside the withdrawal's transaction with (membership, consent): an app
# whose data depends on a consent (the hope library unpublishes a story) registers
# here, so that withdrawing takes effect at once and together.
ConsentHook = Callable[[Membership, Consent], None]
_withdrawal_hooks: list[ConsentHook] = []


def on_consent_withdrawn(hook: ConsentHook) -> ConsentHook:
    """Decorator: run ``hook`` whenever a consent is withdrawn."""
    if hook not in _withdrawal_hooks:
        _withdrawal_hooks.append(hook)
    return hook


def next_member_code(membership: Membership) -> str:
    """The next free code of the form ``M0001`` in the organisation (an imported ``m0008``
    takes ``M0008`` too: codes are the same whatever their case, members.rules)."""
    codes = Member.objects.for_org(membership.organization).values_list("code", flat=True)
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"M(\d+)", c, flags=re.IGNORECASE))]
    return f"M{(max(numbers, default=0) + 1):04d}"


@durable_action
def create_member(
    membership: Membership,
    data: dict[str, Any],
    *,
    stage: str = "",
    request: HttpRequest | None = None,
) -> Member:
    require(membership, Perm.MEMBER_CREATE)
    fields = dict(data)
    if not fields.get("code"):
        fields["code"] = next_member_code(membership)
    member = Member.objects.create(organization=membership.organization, **fields)
    refresh_tokens(member)
    if stage:
        StageChange.objects.create(
            organization=membership.organization,
            member=member,
            stage=stage,
            changed_on=member.enrolment_date,
            recorded_by=membership.user,
        )
    audit.record_by(
        membership,
        Event.MEMBER_CREATE,
        target=member,
        request=request,
    )
    return member


@transaction.atomic(durable=True)
def update_member(
    membership: Membership,
    member: Member,
    changes: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> list[str]:
    """Apply changed fields; returns the names of fields that really changed."""
    require(membership, Perm.MEMBER_EDIT)
    changed = [f for f, v in changes.items() if getattr(member, f) != v]
    if not changed:
        return []
    for field in changed:
        setattr(member, field, changes[field])
    member.save(update_fields=[*changed, "updated_at"])
    if NAME_FIELDS & set(changed):
        refresh_tokens(member)
    audit.record_by(
        membership,
        Event.MEMBER_UPDATE,
        target=member,
        request=request,
        extra={"fields": sorted(changed)},
    )
    return changed


@durable_action
def record_consent(
    membership: Membership,
    member: Member,
    *,
    kind: str,
    version: str,
    given_on: dt.date,
    note: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    require(membership, Perm.CONSENT_RECORD)
    consent = Consent.objects.create(
        organization=membership.organization,
        member=member,
        kind=kind,
        version=version,
        given_on=given_on,
        note=note,
        recorded_by=membership.user,
    )
    audit.record_by(
        membership,
        Event.CONSENT_GIVEN,
        target=consent,
        request=request,
        extra={"member": member.pk, "kind": kind, "version": version},
    )
    return consent


@durable_action
def withdraw_consent(
    membership: Membership,
    consent: Consent,
    *,
    withdrawn_on: dt.date,
    request: HttpRequest | None = None,
) -> Consent:
    require(membership, Perm.CONSENT_RECORD)
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_recorded_by = membership.user
    consent.save(update_fields=["withdrawn_on", "withdrawal_recorded_by"])
    for hook in _withdrawal_hooks:
        hook(membership, consent)
    audit.record_by(
        membership,
        Event.CONSENT_WITHDRAWN,
        target=consent,
        request=request,
        extra={"member": consent.member_id, "kind": consent.kind, "version": consent.version},
    )
    return consent


@transaction.atomic(durable=True)
def change_stage(
    membership: Membership,
    member: Member,
    *,
    stage: str,
    changed_on: dt.date,
    note: str = "",
    request: HttpRequest | None = None,
) -> StageChange:
    require(membership, Perm.STAGE_CHANGE)
    change = StageChange.objects.create(
        organization=membership.organization,
        member=member,
        stage=stage,
        changed_on=changed_on,
        note=note,
        recorded_by=membership.user,
    )
    audit.record_by(
        membership,
        Event.STAGE_CHANGED,
        target=member,
        request=request,
        extra={"stage": stage},
    )
    return change


def _check_same_organisation(membership: Membership, role: str, person: Any, member: Member) -> None:
    """Defence in depth: the forms only offer people of the organisation, and the
    action refuses anyone else whatever its caller passes."""
    if person is None:
        return
    if role == CareRole.PEER_MENTOR:
        if person.organization_id != membership.organization_id or person.pk == member.pk:
            raise PermissionDenied("a peer mentor must be another member of the same organisation")
    elif not Membership.objects.filter(
        user=person, organization=membership.organization, is_active=True
    ).exists():
        raise PermissionDenied("the professional must be staff of the same organisation")


@durable_action
def assign_care_team(
    membership: Membership,
    member: Member,
    *,
    changes: dict[str, Any],
    started_on: dt.date,
    request: HttpRequest | None = None,
) -> list[CareTeamAssignment]:
    """Make each person in ``changes`` (role → a staff user for the professional,
    a member for the peer mentor, or ``None`` to end the role) the member's
    current one from ``started_on``. All changes land together or none does."""
    require(membership, Perm.CARE_TEAM_ASSIGN)
    created = []
    for role, person in changes.items():
        if role not in CareRole.values:
            raise ValueError(f"unknown care role {role!r}")
        _check_same_organisation(membership, role, person, member)
        current = CareTeamAssignment.objects.for_org(membership.organization).filter(
            member=member, role=role, ended_on__isnull=True
        )
        for old in current:
            old.ended_on = started_on
            old.save(update_fields=["ended_on"])
        if person is not None:
            created.append(
                CareTeamAssignment.objects.create(
                    organization=membership.organization,
                    member=member,
                    role=role,
                    professional=person if role == CareRole.PROFESSIONAL else None,
                    mentor=person if role == CareRole.PEER_MENTOR else None,
                    started_on=started_on,
                    assigned_by=membership.user,
                )
            )
        audit.record_by(
            membership,
            Event.CARE_TEAM_CHANGED,
            target=member,
            request=request,
            extra={"role": role, "person": getattr(person, "pk", None)},
        )
    return created
