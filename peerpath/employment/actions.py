"""Writes of the professional track. Each is one durable transaction that checks
the capability, checks that every object it touches belongs to the acting
organisation, and writes its audit entry, so a change and its record stand or
fall together."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.employment import rules
from peerpath.employment.models import (
    Employer,
    EmployerContact,
    Job,
    JobEnding,
    JobOpening,
    JobSearchActivity,
    Referral,
    Sector,
    Shift,
    SupportContact,
    SupportTrack,
    VocationalProfile,
)
from peerpath.members import actions as member_actions
from peerpath.members.models import ConsentKind, Member, Status
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can, require, require_same_organisation

# -- vocational profile -------------------------------------------------------------


@durable_action
def record_profile(
    membership: Membership, member: Member, *, request: HttpRequest | None = None, **fields: Any
) -> VocationalProfile:
    """A new version of the member's vocational profile (the earlier ones stay)."""
    require(membership, Perm.EMPLOYMENT_RECORD)
    require_same_organisation(membership, member)
    if any(s not in Sector.values for s in fields.get("sectors", [])):
        raise ValueError("unknown sector")
    if any(s not in Shift.values for s in fields.get("shifts", [])):
        raise ValueError("unknown shift")
    profile = VocationalProfile.objects.create(
        organization=membership.organization, member=member, recorded_by=membership.user, **fields
    )
    audit.record_by(membership, Event.PROFILE_CHANGED, target=member, request=request,
                    extra={"profile": profile.pk})
    return profile


# -- employers -------------------------------------------------------------------------


@durable_action
def create_employer(
    membership: Membership, *, request: HttpRequest | None = None, **fields: Any
) -> Employer:
    require(membership, Perm.EMPLOYER_MANAGE)
    employer = Employer.objects.create(organization=membership.organization, created_by=membership.user, **fields)
    audit.record_by(membership, Event.EMPLOYER_CHANGED, target=employer, request=request, extra={"new": True})
    return employer


@durable_action
def update_employer(
    membership: Membership, employer: Employer, changes: dict[str, Any], *, request: HttpRequest | None = None
) -> list[str]:
    require(membership, Perm.EMPLOYER_MANAGE)
    require_same_organisation(membership, employer)
    changed = [f for f, v in changes.items() if getattr(employer, f) != v]
    if not changed:
        return []
    for name in changed:
        setattr(employer, name, changes[name])
    employer.save(update_fields=[*changed, "updated_at"])
    audit.record_by(membership, Event.EMPLOYER_CHANGED, target=employer, request=request,
                    extra={"fields": sorted(changed)})
    return changed


@durable_action
def record_employer_contact(
    membership: Membership,
    employer: Employer,
    *,
    contacted_on: dt.date,
    kind: str,
    outcome: str = "",
    member: Member | None = None,
    request: HttpRequest | None = None,
) -> EmployerContact:
    require(membership, Perm.EMPLOYER_MANAGE)
    require_same_organisation(membership, employer, member)
    contact = EmployerContact.objects.create(
        organization=membership.organization, employer=employer, contacted_on=contacted_on, kind=kind,
        outcome=outcome, member=member, by=membership.user,
    )
    audit.record_by(membership, Event.EMPLOYER_CONTACT, target=employer, request=request,
                    extra={"contact": contact.pk, "member": member.pk if member else None})
    return contact


@durable_action
def save_opening(
    membership: Membership,
    employer: Employer,
    *,
    opening: JobOpening | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> JobOpening:
    """Add an opening to ``employer``, or change ``opening`` (its status, say)."""
    require(membership, Perm.EMPLOYER_MANAGE)
    require_same_organisation(membership, employer, opening)
    if opening is None:
        opening = JobOpening.objects.create(
            organization=membership.organization, employer=employer, created_by=membership.user, **fields
        )
    else:
        if opening.employer_id != employer.pk:
            raise PermissionDenied("the opening belongs to another employer")
        for name, value in fields.items():
            setattr(opening, name, value)
        opening.save(update_fields=list(fields))
    audit.record_by(membership, Event.OPENING_CHANGED, target=opening, request=request,
                    extra={"employer": employer.pk, "status": opening.status})
    return opening


# -- job search --------------------------------------------------------------------------


@durable_action
def record_job_search(
    membership: Membership,
    member: Member,
    *,
    done_on: dt.date,
    kind: str,
    employer: Employer | None = None,
    position: str = "",
    outcome: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> JobSearchActivity:
    require(membership, Perm.EMPLOYMENT_RECORD)
    require_same_organisation(membership, member, employer)
    activity = JobSearchActivity.objects.create(
        organization=membership.organization, member=member, done_on=done_on, kind=kind, employer=employer,
        position=position, outcome=outcome or "pending", note=note, recorded_by=membership.user,
    )
    audit.record_by(membership, Event.JOB_SEARCH_RECORDED, target=member, request=request,
                    extra={"activity": activity.pk, "kind": kind})
    return activity


# -- jobs --------------------------------------------------------------------------------

JOB_FIELDS = (
    "title", "start_date", "hours_per_week", "hourly_wage", "in_community", "open_to_anyone",
    "minimum_wage_or_more", "disclosure", "accommodations",
)


def _check_job_values(fields: dict[str, Any]) -> None:
    """The form's rules again, for any caller (the database constraints back them too)."""
    hours = fields.get("hours_per_week")
    if hours is not None and not (Decimal(0) < Decimal(hours) <= Decimal(80)):
        raise ValueError("hours per week must be more than 0 and at most 80")
    wage = fields.get("hourly_wage")
    if wage is not None and Decimal(wage) < 0:
        raise ValueError("the hourly wage cannot be below zero")


def _employer_for_job(membership: Membership, employer: Employer | None, new_employer: dict[str, Any] | None,
                      request: HttpRequest | None) -> Employer:
    if employer is not None:
        require_same_organisation(membership, employer)
        return employer
    if not new_employer:
        raise ValueError("a job needs an employer")
    # A new employer typed into the job form is created in the job's transaction.
    return create_employer.within(membership, request=request, **new_employer)


@durable_action
def start_job(
    membership: Membership,
    member: Member,
    *,
    employer: Employer | None = None,
    new_employer: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Job:
    """Record a job start (with a new employer, when one is typed in: all or nothing)."""
    require(membership, Perm.EMPLOYMENT_RECORD)
    require_same_organisation(membership, member)
    unknown = set(fields) - set(JOB_FIELDS)
    if unknown:
        raise ValueError(f"not job fields: {sorted(unknown)}")
    _check_job_values(fields)
    job = Job.objects.create(
        organization=membership.organization, member=member,
        employer=_employer_for_job(membership, employer, new_employer, request),
        currency=settings.PEERPATH_CURRENCY, created_by=membership.user, **fields,
    )
    audit.record_by(membership, Event.JOB_STARTED, target=job, request=request,
                    extra={"member": member.pk, "employer": job.employer_id, "competitive": job.is_competitive})
    return job


@durable_action
def update_job(
    membership: Membership,
    job: Job,
    changes: dict[str, Any],
    *,
    employer: Employer | None = None,
    new_employer: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> list[str]:
    """Change a job's details (its end date changes only through its ending)."""
    require(membership, Perm.EMPLOYMENT_RECORD)
    require_same_organisation(membership, job)
    unknown = set(changes) - set(JOB_FIELDS)
    if unknown:
        raise ValueError(f"not job fields: {sorted(unknown)}")
    _check_job_values(changes)
    if "start_date" in changes and job.end_date is not None and changes["start_date"] > job.end_date:
        raise ValueError("a job cannot start after it ended")
    if employer is not None or new_employer:
        changes = {**changes, "employer": _employer_for_job(membership, employer, new_employer, request)}
    changed = [f for f, v in changes.items() if getattr(job, f) != v]
    if not changed:
        return []
    for name in changed:
        setattr(job, name, changes[name])
    job.save(update_fields=[*changed, "updated_at"])
    audit.record_by(membership, Event.JOB_CHANGED, target=job, request=request,
                    extra={"member": job.member_id, "fields": sorted(changed)})
    return changed


@durable_action
def end_job(
    membership: Membership,
    job: Job,
    *,
    ended_on: dt.date,
    reason: str,
    planned: bool = False,
    lessons: str = "",
    request: HttpRequest | None = None,
) -> JobEnding:
    """Record how a job ended; sets the job's end date in the same transaction."""
    require(membership, Perm.EMPLOYMENT_RECORD)
    require_same_organisation(membership, job)
    if ended_on < job.start_date:
        raise ValueError("a job cannot end before it started")
    if JobEnding.objects.filter(job=job).exists():
        raise ValueError("this job's ending is already recorded")
    ending = JobEnding.objects.create(
        organization=membership.organization, job=job, ended_on=ended_on, reason=reason, planned=planned,
        lessons=lessons, recorded_by=membership.user,
    )
    job.end_date = ended_on
    job.save(update_fields=["end_date", "updated_at"])
    audit.record_by(membership, Event.JOB_ENDED, target=job, request=request,
                    extra={"member": job.member_id, "reason": reason, "planned": planned})
    return ending


# -- support contacts ------------------------------------------------------------------------


@durable_action
def log_support_contact(
    membership: Membership,
    member: Member,
    *,
    contacted_on: dt.date,
    track: str,
    kind: str,
    place: str,
    minutes: int,
    job: Job | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> SupportContact:
    """Log support from either track. Peer leaders log peer-track contacts only."""
    require(membership, Perm.SUPPORT_LOG)
    require_same_organisation(membership, member, job)
    if track == SupportTrack.PROFESSIONAL and not can(membership, Perm.EMPLOYMENT_RECORD):
        raise PermissionDenied("only professional staff log professional-track contacts")
    if track not in SupportTrack.values or not rules.kind_fits_track(kind, track):
        raise ValueError(f"a {kind} contact does not belong to the {track} track")
    if job is not None and job.member_id != member.pk:
        raise PermissionDenied("the job is another member's")
    if not 1 <= minutes <= 600:
        raise ValueError("minutes must be between 1 and 600")
    contact = SupportContact.objects.create(
        organization=membership.organization, member=member, contacted_on=contacted_on, track=track, kind=kind,
        place=place, minutes=minutes, job=job, note=note, by=membership.user,
    )
    audit.record_by(membership, Event.SUPPORT_CONTACT, target=member, request=request,
                    extra={"contact": contact.pk, "track": track, "kind": kind})
    return contact


# -- referrals -----------------------------------------------------------------------------


@durable_action
def record_referral(membership: Membership, *, request: HttpRequest | None = None, **fields: Any) -> Referral:
    require(membership, Perm.REFERRAL_MANAGE)
    referral = Referral.objects.create(organization=membership.organization, recorded_by=membership.user, **fields)
    audit.record_by(membership, Event.REFERRAL_RECORDED, target=referral, request=request,
                    extra={"source": referral.source})
    return referral


STEP_FIELDS = {"contacted": "contacted_on", "intake": "intake_on"}


def _check_step(referral: Referral, on: dt.date, today: dt.date) -> None:
    problem = rules.step_date_problem(referral.step_dates, on, today)
    if problem:
        raise ValueError(f"step date refused: {problem}")


@durable_action
def record_referral_step(
    membership: Membership, referral: Referral, *, on: dt.date, today: dt.date, request: HttpRequest | None = None
) -> str:
    """Move an open referral to its next step (first contact, then intake meeting)."""
    require(membership, Perm.REFERRAL_MANAGE)
    require_same_organisation(membership, referral)
    step = referral.next_step
    if step not in STEP_FIELDS:
        raise ValueError("this referral has no next step to record here")
    _check_step(referral, on, today)
    setattr(referral, STEP_FIELDS[step], on)
    referral.save(update_fields=[STEP_FIELDS[step]])
    audit.record_by(membership, Event.REFERRAL_STEP, target=referral, request=request, extra={"step": step})
    return step


@durable_action
def close_referral(
    membership: Membership, referral: Referral, *, closed_on: dt.date, reason: str, today: dt.date,
    request: HttpRequest | None = None,
) -> Referral:
    require(membership, Perm.REFERRAL_MANAGE)
    require_same_organisation(membership, referral)
    if referral.state != rules.OPEN:
        raise ValueError("only an open referral can be closed")
    if reason not in rules.CLOSE_REASONS:
        raise ValueError("unknown reason")
    _check_step(referral, closed_on, today)
    referral.closed_on = closed_on
    referral.close_reason = reason
    referral.save(update_fields=["closed_on", "close_reason"])
    audit.record_by(membership, Event.REFERRAL_STEP, target=referral, request=request,
                    extra={"step": "closed", "reason": reason})
    return referral


@durable_action
def enrol_referral(
    membership: Membership,
    referral: Referral,
    *,
    member_data: dict[str, Any],
    enrolled_on: dt.date,
    consent_version: str,
    consent_given_on: dt.date,
    today: dt.date,
    request: HttpRequest | None = None,
) -> Member:
    """The referred person becomes a member, with the service consent given at
    intake, and the referral is linked to them: all of it, or none."""
    require(membership, Perm.REFERRAL_MANAGE)
    require_same_organisation(membership, referral)
    if referral.next_step != "enrolled":
        raise ValueError("a referral is enrolled after its intake meeting")
    _check_step(referral, enrolled_on, today)
    data = {
        **member_data, "enrolment_date": enrolled_on, "referral_source": referral.source, "status": Status.ACTIVE,
    }
    member = member_actions.create_member.within(membership, data, request=request)
    member_actions.record_consent.within(
        membership, member, kind=ConsentKind.SERVICE, version=consent_version, given_on=consent_given_on,
        request=request,
    )
    referral.enrolled_on = enrolled_on
    referral.member = member
    referral.save(update_fields=["enrolled_on", "member"])
    audit.record_by(membership, Event.REFERRAL_ENROLLED, target=referral, request=request,
                    extra={"member": member.pk})
    return member
