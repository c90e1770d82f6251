"""Writes of the safety path, each with its audit entry.

Opening a follow-up happens inside the transaction that raised the safety flag
(``open_follow_ups``, registered with ``measures.completion``); the database's
one-follow-up-per-questionnaire constraint makes it happen once whatever the
number of concurrent requests. E-mails go out after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerpath.alerts import triggers as alert_triggers
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.models import Administration, FlagKind, ResultFlag
from peerpath.members.models import CareRole, CareTeamAssignment, Member
from peerpath.safety import rules
from peerpath.safety.models import (
    CrisisContact,
    FollowUpContact,
    FollowUpState,
    KioskCall,
    SafetyFollowUp,
    SafetyPlan,
    SafetySettings,
)
from peerpath.safety.selectors import follow_up_hours
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership, Organization, Role
from peerpath.tenancy.policy import Perm, require, require_same_organisation

log = logging.getLogger(__name__)
_local = threading.local()


@contextmanager
def notifications_paused() -> Iterator[None]:
    """``with notifications_paused():`` follow-ups open as usual but nobody is
    e-mailed (the demo loader: its safety answers are history, not news)."""
    before = getattr(_local, "paused", False)
    _local.paused = True
    try:
        yield
    finally:
        _local.paused = before


def open_follow_ups(organization_id: int, administration_ids: list[int]) -> list[SafetyFollowUp]:
    """A follow-up for each of these questionnaires that has an unfollowed safety
    flag and none yet; due after the organisation's follow-up hours, counted from
    when the flag was raised. Joins the caller's transaction."""
    flags = (
        ResultFlag.objects.filter(
            organization_id=organization_id, administration_id__in=administration_ids,
            kind=FlagKind.SAFETY, followed_up_at__isnull=True,
        )
        .exclude(administration__safety_follow_up__isnull=False)
        .values_list("administration_id", "member_id", "raised_at")
    )
    first: dict[int, tuple[int, dt.datetime]] = {}
    for administration_id, member_id, raised_at in flags:
        if administration_id not in first or raised_at < first[administration_id][1]:
            first[administration_id] = (member_id, raised_at)
    if not first:
        return []
    hours = follow_up_hours(organization_id)
    rows = [
        SafetyFollowUp(
            organization_id=organization_id, member_id=member_id, administration_id=administration_id,
            opened_at=raised_at, first_due_at=rules.due_time(raised_at, hours), due_at=rules.due_time(raised_at, hours),
        )
        for administration_id, (member_id, raised_at) in sorted(first.items())
    ]
    SafetyFollowUp.objects.bulk_create(rows, ignore_conflicts=True)
    opened = list(
        SafetyFollowUp.objects.filter(organization_id=organization_id, administration_id__in=list(first))
        .select_related("organization")
    )
    for follow_up in opened:
        audit.record(
            Event.SAFETY_OPENED, actor=None, organization=follow_up.organization, target=follow_up,
            extra={"member": follow_up.member_id, "due": follow_up.due_at.isoformat()},
        )
    if len(opened) <= 20 and not getattr(_local, "paused", False):  # a bulk import of old records e-mails nobody
        ids = [f.pk for f in opened]
        transaction.on_commit(lambda: notify_care_team(ids))
    return opened


def _care_team_professionals(member_ids: Iterable[int], today: dt.date) -> dict[int, set[int]]:
    """member id → user ids of the professionals in their current care team."""
    found: dict[int, set[int]] = {}
    rows = CareTeamAssignment.objects.filter(
        member_id__in=list(member_ids), role=CareRole.PROFESSIONAL, started_on__lte=today,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today)).values_list("member_id", "professional_id")
    for member_id, user_id in rows:
        found.setdefault(member_id, set()).add(user_id)
    return found


def _mail(memberships: Iterable[Membership], subject: str, body: str, event_target: Any, extra: dict[str, Any]) -> int:
    sent = 0
    for membership in memberships:
        if not membership.user.email:
            continue
        try:
            send_mail(subject, body, None, [membership.user.email])
        except Exception:  # one unreachable address must not stop the others
            log.exception("safety notice to user %s failed", membership.user_id)
            continue
        audit.record(Event.SAFETY_NOTIFIED, actor=None, organization=membership.organization, target=event_target,
                     extra={**extra, "to": membership.user_id})
        sent += 1
    return sent


def _link(name: str, **kwargs: Any) -> str:
    return settings.PEERPATH_BASE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def notify_care_team(follow_up_ids: list[int]) -> int:
    """E-mail each professional of the member's care team at once (not in the daily
    digest): the member code, the due time and a link. Never a name or an answer."""
    follow_ups = list(
        SafetyFollowUp.objects.filter(pk__in=follow_up_ids, state=FollowUpState.OPEN)
        .select_related("member", "organization")
    )
    if not follow_ups:
        return 0
    team = _care_team_professionals([f.member_id for f in follow_ups], timezone.localdate())
    sent = 0
    for follow_up in follow_ups:
        users = team.get(follow_up.member_id, set())
        staff = Membership.objects.for_org(follow_up.organization).filter(
            user_id__in=users, is_active=True, user__is_active=True
        ).select_related("user", "organization")
        if not users:  # nobody assigned yet: the coordinators must know at once
            staff = _escalation_staff(follow_up.organization)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Peerpath: safety follow-up for %(code)s due by %(due)s") % {
                "code": follow_up.member.code, "due": _local_time(follow_up.due_at)}
            body = "\n".join([
                _("A member's answer on a questionnaire needs a safety follow-up."),
                _("Member: %(code)s. Due by: %(due)s.") % {"code": follow_up.member.code, "due": _local_time(follow_up.due_at)},
                "",
                _("Contact the member, review their safety plan, and record the follow-up in Peerpath:"),
                _link("safety_follow_up", code=follow_up.member.code, pk=follow_up.pk),
                "",
                _("Member names and clinical details are never sent by e-mail."),
            ]) + "\n"
        sent += _mail(staff, subject, body, follow_up, {"kind": "opened", "member": follow_up.member_id})
    return sent


def _local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _escalation_staff(organization: Organization) -> Any:
    return Membership.objects.for_org(organization).filter(
        role__in=[Role.COORDINATOR, Role.ADMIN], is_active=True, user__is_active=True
    ).select_related("user", "organization")


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Mark every open follow-up that is past its due time as escalated (once: a
    conditional update) and e-mail the coordinators and administrators of its
    organisation at once. Returns the number escalated. Run every few minutes
    (``peerpath safety escalate``, see docs/safety.md)."""
    now = now or timezone.now()
    candidates = list(
        SafetyFollowUp.objects.filter(state=FollowUpState.OPEN, escalated_at__isnull=True, due_at__lte=now)
        .values_list("pk", flat=True)
    )
    escalated = 0
    for pk in candidates:
        with transaction.atomic():
            won = SafetyFollowUp.objects.filter(
                pk=pk, state=FollowUpState.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not won:
                continue  # another process escalated it, or it was followed up meanwhile
            follow_up = SafetyFollowUp.objects.select_related("member", "organization").get(pk=pk)
            audit.record(Event.SAFETY_ESCALATED, actor=None, organization=follow_up.organization, target=follow_up,
                         extra={"member": follow_up.member_id, "due": follow_up.due_at.isoformat()})
            transaction.on_commit(lambda f=follow_up: _mail_escalation(f))  # type: ignore[misc]
            escalated += 1
    return escalated


def _mail_escalation(follow_up: SafetyFollowUp) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Peerpath: OVERDUE safety follow-up for %(code)s") % {"code": follow_up.member.code}
        body = "\n".join([
            _("A safety follow-up was due by %(due)s and has not been recorded.") % {"due": _local_time(follow_up.due_at)},
            _("Member: %(code)s.") % {"code": follow_up.member.code},
            "",
            _("Make sure someone contacts the member now, and record the follow-up in Peerpath:"),
            _link("safety_follow_up", code=follow_up.member.code, pk=follow_up.pk),
            "",
            _("Member names and clinical details are never sent by e-mail."),
        ]) + "\n"
    _mail(_escalation_staff(follow_up.organization), subject, body, follow_up,
          {"kind": "escalated", "member": follow_up.member_id})


@durable_action
def record_contact(
    membership: Membership,
    follow_up: SafetyFollowUp,
    *,
    contacted_at: dt.datetime,
    method: str,
    outcome: str,
    next_attempt_at: dt.datetime | None,
    plan: str,
    note: str,
    request: HttpRequest | None = None,
) -> FollowUpContact:
    """One attempt to reach the member. Reached (safe or referred) closes the
    follow-up and marks its safety flags followed up (so the safety alert clears);
    not reached moves the due time to the next attempt."""
    require(membership, Perm.SAFETY_FOLLOW_UP)
    require_same_organisation(membership, follow_up)
    errors = rules.validate_contact_outcome(outcome, next_attempt_at, contacted_at, timezone.now())
    if method not in rules.Method.values:
        errors["method"] = _("Choose how the member was contacted.")
    if outcome not in rules.Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if plan not in rules.PlanAction.values:
        errors["plan"] = _("Choose what was done with the safety plan.")
    if errors:
        raise ValidationError(errors)
    # Lock the follow-up: two staff recording at once do not both close it.
    locked = SafetyFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.state != FollowUpState.OPEN:
        raise ValidationError({"outcome": _("This follow-up was already recorded as done.")})
    contact = FollowUpContact.objects.create(
        organization=membership.organization, follow_up=locked, member_id=locked.member_id,
        contacted_at=contacted_at, method=method, outcome=outcome, next_attempt_at=next_attempt_at,
        plan=plan, note=note, recorded_by=membership.user,
    )
    if outcome in rules.CLOSING:
        locked.state = FollowUpState.CLOSED
        locked.closed_at = contacted_at
        locked.closed_by = membership.user
        locked.outcome = outcome
        locked.save(update_fields=["state", "closed_at", "closed_by", "outcome"])
        ResultFlag.objects.filter(
            administration_id=locked.administration_id, kind=FlagKind.SAFETY, followed_up_at__isnull=True
        ).update(followed_up_by=membership.user, followed_up_at=timezone.now())
        # The flags' update sends no signal: bring the member's alerts up to date.
        alert_triggers.refresh_after_commit(
            locked.organization_id, [locked.member_id], alert_triggers.FEEDS["measures.ResultFlag"])
    else:
        assert next_attempt_at is not None  # noqa: S101 - checked by validate_contact_outcome
        locked.due_at = next_attempt_at
        locked.outcome = outcome
        locked.save(update_fields=["due_at", "outcome"])
    audit.record_by(membership, Event.SAFETY_CONTACT, target=locked, request=request,
                    extra={"member": locked.member_id, "outcome": outcome, "method": method})
    return contact


@durable_action
def save_plan(
    membership: Membership, member: Member, *, steps: dict[str, str], share_with_mentor: bool,
    request: HttpRequest | None = None,
) -> SafetyPlan:
    """A new version of the member's safety plan (the earlier ones are kept)."""
    require(membership, Perm.SAFETY_PLAN)
    require_same_organisation(membership, member)
    unknown = set(steps) - set(SafetyPlan.STEPS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Not a step of the safety plan.")})
    if not any(v.strip() for v in steps.values()):
        raise ValidationError({"warning_signs": _("Write at least one step of the plan with the member.")})
    # Serialise versions of one member: lock the member row.
    Member.objects.select_for_update().filter(pk=member.pk).first()
    latest = SafetyPlan.objects.filter(member=member).order_by("-version").values_list("version", flat=True).first()
    plan = SafetyPlan.objects.create(
        organization=membership.organization, member=member, version=(latest or 0) + 1,
        share_with_mentor=share_with_mentor, written_with=membership.user,
        **{k: v.strip() for k, v in steps.items()},
    )
    audit.record_by(membership, Event.SAFETY_PLAN_SAVED, target=member, request=request,
                    extra={"member": member.pk, "version": plan.version})
    return plan


@durable_action
def save_settings(
    membership: Membership, *, follow_up_hours: int, contacts: list[dict[str, str]],
    request: HttpRequest | None = None,
) -> SafetySettings:
    """The organisation's follow-up time and its whole list of crisis contacts
    (replaced as one: the list shown to members is never half-edited)."""
    require(membership, Perm.SAFETY_SETTINGS)
    organization = membership.organization
    current = SafetySettings.objects.for_org(organization).first()
    if current is None:
        current = SafetySettings(organization=organization, updated_by=membership.user)
    current.follow_up_hours = follow_up_hours
    current.contacts_edited = True
    current.updated_by = membership.user
    current.full_clean(exclude=["organization", "updated_by"])
    if not contacts:
        raise ValidationError({"contacts": _("Keep at least one crisis contact: members are shown this list.")})
    current.save()
    CrisisContact.objects.for_org(organization).delete()
    rows = []
    for position, data in enumerate(contacts):
        row = CrisisContact(organization=organization, position=position, **data)
        try:
            row.full_clean(exclude=["organization"])
        except ValidationError as error:
            raise ValidationError({f"contacts-{position}": error.messages}) from None
        rows.append(row)
    CrisisContact.objects.bulk_create(rows)
    audit.record_by(membership, Event.SAFETY_SETTINGS_CHANGED, target=current, request=request,
                    extra={"hours": follow_up_hours, "contacts": len(rows)})
    return current


def raise_kiosk_call(administration: Administration, session: Any, request: HttpRequest | None = None) -> KioskCall:
    """Ask the facilitators of the kiosk's session to speak with the member now
    (once per questionnaire: the database refuses a second call)."""
    with transaction.atomic():
        call, created = KioskCall.objects.get_or_create(
            administration=administration,
            defaults={"organization_id": administration.organization_id, "member_id": administration.member_id,
                      "session": session, "raised_at": timezone.now()},
        )
        if created:
            audit.record(Event.KIOSK_CALL, actor=None, organization=administration.organization, target=call,
                         request=request, extra={"member": administration.member_id, "session": session.pk})
            transaction.on_commit(lambda: _mail_kiosk_call(call.pk))
    return call


def _kiosk_call_staff(call: KioskCall) -> Any:
    session = call.session
    users = set(session.facilitators.values_list("pk", flat=True)) | {session.recorded_by_id}
    return Membership.objects.for_org(call.organization).filter(
        user_id__in=users, is_active=True, user__is_active=True
    ).select_related("user", "organization")


def _mail_kiosk_call(call_id: int) -> None:
    call = KioskCall.objects.select_related("organization", "session", "member").filter(pk=call_id).first()
    if call is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Peerpath: a member at the kiosk asks to speak with a facilitator now")
        body = "\n".join([
            _("A member who is answering questionnaires at the group kiosk was asked to speak with a facilitator."),
            _("Please find them now. Their code and name are on your Peerpath dashboard:"),
            _link("dashboard"),
            "",
            _("Member names and clinical details are never sent by e-mail."),
        ]) + "\n"
    _mail(_kiosk_call_staff(call), subject, body, call, {"kind": "kiosk_call", "member": call.member_id})


@durable_action
def answer_kiosk_call(membership: Membership, call: KioskCall, request: HttpRequest | None = None) -> None:
    require(membership, Perm.KIOSK_CALL)
    require_same_organisation(membership, call)
    updated = KioskCall.objects.filter(pk=call.pk, answered_at__isnull=True).update(
        answered_by=membership.user, answered_at=timezone.now()
    )
    if not updated:
        raise PermissionDenied("already answered")
    audit.record_by(membership, Event.KIOSK_CALL_ANSWERED, target=call, request=request,
                    extra={"member": call.member_id})
