"""Reads of the professional track's records.

Two kinds:

- **Bulk functions for other apps** (caseload, alerts, mentor matching, outcome
  reports): ``employment_facts``, ``current_profiles``, ``jobs_of``. A fixed number
  of queries for any number of members; no access check inside (the caller checks).
- **Policy-checked reads for pages**: scoped to the acting organisation (404 for
  any other), capability required, and the read written to the audit log.
  What only clinical staff may see (wages, benefits concerns, accommodations, work
  history, free-text notes) is never loaded for anyone else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.employment.models import (
    Employer,
    EmployerContact,
    Job,
    JobOpening,
    JobSearchActivity,
    OpeningStatus,
    Referral,
    SupportContact,
    VocationalProfile,
)
from peerpath.employment.status import EmploymentFacts, Ended, JobSpan, facts_from
from peerpath.members.models import Member
from peerpath.members.selectors import get_member_for_write
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can, require

# -- for other apps (no access check) -------------------------------------------------


def _job_rows(organization_id: int, member_ids: list[int]) -> QuerySet[Job]:
    return Job.objects.filter(organization_id=organization_id, member_id__in=member_ids)


def jobs_of(organization_id: int, member_ids: list[int]) -> dict[int, list[JobSpan]]:
    """member id → their jobs as ``JobSpan`` (earliest first), one query."""
    found: dict[int, list[JobSpan]] = {pk: [] for pk in member_ids}
    rows = _job_rows(organization_id, member_ids).order_by("start_date", "pk").values_list(
        "member_id", "start_date", "end_date", "in_community", "open_to_anyone", "minimum_wage_or_more",
        "hours_per_week",
    )
    for member_id, start, end, community, anyone, wage, hours in rows:
        found[member_id].append(JobSpan(start, end, community and anyone and wage, hours))
    return found


def last_contacts(organization_id: int, member_ids: list[int], today: dt.date) -> dict[int, dict[str, dt.date]]:
    """member id → track → date of the latest support contact up to ``today`` (one query)."""
    rows = (
        SupportContact.objects.filter(
            organization_id=organization_id, member_id__in=member_ids, contacted_on__lte=today
        )
        .values("member_id", "track")
        .annotate(last=Max("contacted_on"))
        .order_by()
    )
    found: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for row in rows:
        found[row["member_id"]][row["track"]] = row["last"]
    return found


def employment_facts(organization_id: int, member_ids: list[int], today: dt.date) -> dict[int, EmploymentFacts]:
    """Every given member's ``EmploymentFacts`` on ``today``, in two queries."""
    ids = list(member_ids)
    spans: dict[int, list[JobSpan]] = {pk: [] for pk in ids}
    endings: dict[int, list[Ended]] = {pk: [] for pk in ids}
    rows = _job_rows(organization_id, ids).values_list(
        "member_id", "start_date", "end_date", "in_community", "open_to_anyone", "minimum_wage_or_more",
        "hours_per_week", "ending__ended_on", "ending__reason",
    )
    for member_id, start, end, community, anyone, wage, hours, ended_on, reason in rows:
        spans[member_id].append(JobSpan(start, end, community and anyone and wage, hours))
        if ended_on is not None:
            endings[member_id].append(Ended(ended_on, reason))
    contacts = last_contacts(organization_id, ids, today)
    return {pk: facts_from(spans[pk], endings[pk], contacts.get(pk, {}), today) for pk in ids}


@dataclass(frozen=True)
class ProfileFacts:
    """The current vocational profile, as mentor matching needs it."""

    sectors: tuple[str, ...]
    hours: int | None  # hours per week wanted
    shifts: tuple[str, ...]
    location: str
    disclosure_preference: str
    recorded_on: dt.date


def current_profiles(organization_id: int, member_ids: list[int]) -> dict[int, ProfileFacts]:
    """member id → current profile, for members who have one (one query)."""
    latest = VocationalProfile.objects.filter(member_id=OuterRef("member_id")).order_by(
        "-recorded_on", "-created_at", "-pk"
    )
    rows = (
        VocationalProfile.objects.filter(organization_id=organization_id, member_id__in=list(member_ids))
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .values_list("member_id", "sectors", "hours_per_week", "shifts", "location", "disclosure_preference",
                     "recorded_on")
    )
    return {
        member_id: ProfileFacts(tuple(sectors), hours, tuple(shifts), location, disclosure, recorded_on)
        for member_id, sectors, hours, shifts, location, disclosure, recorded_on in rows
    }


def job_start_dates(organization_id: int, member_ids: list[int]) -> dict[int, list[dt.date]]:
    rows = _job_rows(organization_id, member_ids).values_list("member_id", "start_date")
    found: dict[int, list[dt.date]] = defaultdict(list)
    for member_id, day in rows:
        found[member_id].append(day)
    return dict(found)


def job_end_dates(organization_id: int, member_ids: list[int]) -> dict[int, list[dt.date]]:
    rows = _job_rows(organization_id, member_ids).filter(end_date__isnull=False).values_list("member_id", "end_date")
    found: dict[int, list[dt.date]] = defaultdict(list)
    for member_id, day in rows:
        if day is not None:
            found[member_id].append(day)
    return dict(found)


# -- policy-checked reads for pages --------------------------------------------------------

# Fields only staff with clinical access see (never loaded for anyone else).
CLINICAL_JOB_FIELDS = ("hourly_wage", "accommodations")
CLINICAL_PROFILE_FIELDS = ("work_history", "benefits_concerns")


def clinical(membership: Membership) -> bool:
    return can(membership, Perm.MEMBER_VIEW_CLINICAL)


def _hide(rows: list, fields: tuple[str, ...]) -> list:
    """Blank fields that were deferred (so a template can never load them)."""
    for row in rows:
        for name in fields:
            setattr(row, name, None)
    return rows


@dataclass
class EmploymentRecord:
    member: Member
    profiles: list[VocationalProfile]  # newest first
    jobs: list[Job]  # newest start first, each with ``ending`` (or None) and ``employer``
    searches: list[JobSearchActivity]
    contacts: list[SupportContact]
    clinical: bool

    @property
    def profile(self) -> VocationalProfile | None:
        return self.profiles[0] if self.profiles else None


def employment_record(
    membership: Membership, code: str, request: HttpRequest | None = None
) -> EmploymentRecord:
    """A member's whole employment record as the viewer may see it; audited as a read."""
    member = get_member_for_write(membership, code, Perm.EMPLOYMENT_VIEW)
    show = clinical(membership)
    org = membership.organization
    profiles = VocationalProfile.objects.for_org(org).filter(member=member).select_related("recorded_by")
    jobs = Job.objects.for_org(org).filter(member=member).select_related("employer", "ending")
    searches = JobSearchActivity.objects.for_org(org).filter(member=member).select_related("employer")
    contacts = (
        SupportContact.objects.for_org(org).filter(member=member).select_related("by", "job")
        .defer("job__accommodations", "job__hourly_wage")
    )
    if not show:
        profiles = profiles.defer(*CLINICAL_PROFILE_FIELDS)
        jobs = jobs.defer(*CLINICAL_JOB_FIELDS, "ending__lessons")
        searches = searches.defer("note")
        contacts = contacts.defer("note")
    record = EmploymentRecord(
        member=member,
        profiles=list(profiles),
        jobs=list(jobs),
        searches=list(searches),
        contacts=list(contacts),
        clinical=show,
    )
    if not show:
        _hide(record.profiles, CLINICAL_PROFILE_FIELDS)
        _hide(record.jobs, CLINICAL_JOB_FIELDS)
        _hide([j.ending for j in record.jobs if hasattr(j, "ending")], ("lessons",))
        _hide(record.searches, ("note",))
        _hide(record.contacts, ("note",))
    audit.record_by(membership, Event.EMPLOYMENT_VIEW, target=member, request=request)
    return record


def job_for(membership: Membership, member: Member, pk: int) -> Job:
    require(membership, Perm.EMPLOYMENT_RECORD)
    try:
        return Job.objects.for_org(membership.organization).select_related("employer").get(pk=pk, member=member)
    except Job.DoesNotExist:
        raise Http404("No such job") from None


def employers_for_choice(membership: Membership) -> QuerySet[Employer]:
    return Employer.objects.for_org(membership.organization).order_by("name")


# -- employers --------------------------------------------------------------------------


def employer_list(membership: Membership, query: str = "") -> QuerySet[Employer]:
    """The organisation's employers with their job development figures (one query)."""
    require(membership, Perm.EMPLOYER_MANAGE)
    org = membership.organization
    last_contact = EmployerContact.objects.filter(employer=OuterRef("pk")).order_by("-contacted_on")
    qs: QuerySet[Employer] = Employer.objects.filter(organization=org)
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.only("organization_id", "name", "sector", "size").annotate(
        last_contact=Subquery(last_contact.values("contacted_on")[:1]),
        open_openings=Subquery(
            JobOpening.objects.filter(employer=OuterRef("pk"), status=OpeningStatus.OPEN)
            .order_by().values("employer").annotate(n=Count("pk")).values("n")[:1]
        ),
        current_jobs=Subquery(
            Job.objects.filter(employer=OuterRef("pk"), end_date__isnull=True)
            .order_by().values("employer").annotate(n=Count("pk")).values("n")[:1]
        ),
        all_jobs=Subquery(
            Job.objects.filter(employer=OuterRef("pk")).order_by().values("employer")
            .annotate(n=Count("pk")).values("n")[:1]
        ),
    ).order_by("name")


def employer_for(membership: Membership, pk: int) -> Employer:
    require(membership, Perm.EMPLOYER_MANAGE)
    try:
        return Employer.objects.for_org(membership.organization).get(pk=pk)
    except Employer.DoesNotExist:
        raise Http404("No such employer") from None


@dataclass
class EmployerRecord:
    employer: Employer
    contacts: list[EmployerContact]
    openings: list[JobOpening]
    jobs: list[Job]


def employer_record(membership: Membership, pk: int, request: HttpRequest | None = None) -> EmployerRecord:
    employer = employer_for(membership, pk)
    org = membership.organization
    record = EmployerRecord(
        employer=employer,
        contacts=list(
            EmployerContact.objects.for_org(org).filter(employer=employer).select_related("member", "by")
        ),
        openings=list(JobOpening.objects.for_org(org).filter(employer=employer)),
        jobs=list(
            Job.objects.for_org(org).filter(employer=employer)
            .select_related("member", "ending").defer("accommodations", "member__diagnosis",
                                                      "member__clinical_notes", "member__national_id",
                                                      "member__address", "member__emergency_contact")
        ),
    )
    audit.record_by(membership, Event.EMPLOYER_VIEW, target=employer, request=request)
    return record


def opening_for(membership: Membership, pk: int) -> JobOpening:
    require(membership, Perm.EMPLOYER_MANAGE)
    try:
        return JobOpening.objects.for_org(membership.organization).select_related("employer").get(pk=pk)
    except JobOpening.DoesNotExist:
        raise Http404("No such opening") from None


# -- referrals ------------------------------------------------------------------------------

REFERRAL_FILTERS = ("open", "enrolled", "closed")


def referral_list(membership: Membership, state: str = "") -> QuerySet[Referral]:
    require(membership, Perm.REFERRAL_MANAGE)
    qs = Referral.objects.for_org(membership.organization).select_related("member")
    if state == "open":
        qs = qs.filter(enrolled_on__isnull=True, closed_on__isnull=True)
    elif state == "enrolled":
        qs = qs.filter(enrolled_on__isnull=False)
    elif state == "closed":
        qs = qs.filter(closed_on__isnull=False)
    return qs.defer("note", "referrer_contact", "member__diagnosis", "member__clinical_notes",
                    "member__national_id", "member__address", "member__emergency_contact").order_by(
        "-received_on", "-created_at"
    )


def referral_counts(membership: Membership) -> dict[str, int]:
    require(membership, Perm.REFERRAL_MANAGE)
    return Referral.objects.for_org(membership.organization).aggregate(
        open=Count("pk", filter=Q(enrolled_on__isnull=True, closed_on__isnull=True)),
        enrolled=Count("pk", filter=Q(enrolled_on__isnull=False)),
        closed=Count("pk", filter=Q(closed_on__isnull=False)),
    )


def referral_for(membership: Membership, pk: int) -> Referral:
    require(membership, Perm.REFERRAL_MANAGE)
    try:
        return Referral.objects.for_org(membership.organization).select_related("member", "recorded_by").get(pk=pk)
    except Referral.DoesNotExist:
        raise Http404("No such referral") from None


def hours_label(value: Decimal | None) -> str:
    """Hours as people write them: 20, 12.5."""
    if value is None:
        return ""
    return f"{value.normalize():f}"
