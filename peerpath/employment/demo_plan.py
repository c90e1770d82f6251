"""The employment app's part of a demo plan, as plain data (see demo.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class EmployerPlan:
    org: str
    name: str
    sector: str
    size: str
    contact_person: str
    phone: str
    email: str
    address: str
    by: str
    titles: list[str]
    hours: tuple[int, int]
    wages: tuple[int, int]
    competitive: bool = True


@dataclass
class EmployerContactPlan:
    org: str
    employer: str
    on: dt.date
    kind: str
    outcome: str
    by: str
    member_code: str | None = None


@dataclass
class OpeningPlan:
    org: str
    employer: str
    title: str
    hours: int
    posted_on: dt.date
    status: str
    closed_on: dt.date | None
    by: str


@dataclass
class ProfilePlan:
    org: str
    code: str
    on: dt.date
    sectors: list[str]
    hours: int
    location: str
    shifts: list[str]
    disclosure: str
    goals: str
    work_history: str
    benefits: str
    by: str


@dataclass
class SearchPlan:
    org: str
    code: str
    on: dt.date
    kind: str
    employer: str | None
    position: str
    outcome: str
    note: str
    by: str


@dataclass
class EndingPlan:
    on: dt.date
    reason: str
    planned: bool
    lessons: str


@dataclass
class JobPlan:
    org: str
    code: str
    employer: str
    title: str
    start: dt.date
    hours: int
    wage: int
    in_community: bool
    open_to_anyone: bool
    minimum_wage_or_more: bool
    disclosure: str
    accommodations: str
    by: str
    ending: EndingPlan | None = None


@dataclass
class SupportPlan:
    org: str
    code: str
    on: dt.date
    track: str
    kind: str
    place: str
    minutes: int
    job: int | None  # index into EmploymentPlan.jobs
    note: str
    by: str


@dataclass
class ReferralPlan:
    org: str
    source: str
    person_name: str
    phone: str
    referrer_name: str
    referrer_contact: str
    received: dt.date
    contacted: dt.date | None
    intake: dt.date | None
    enrolled: dt.date | None
    closed: dt.date | None
    close_reason: str
    member_code: str | None
    by: str
    note: str = ""


@dataclass
class EmploymentPlan:
    employers: list[EmployerPlan] = field(default_factory=list)
    employer_contacts: list[EmployerContactPlan] = field(default_factory=list)
    openings: list[OpeningPlan] = field(default_factory=list)
    profiles: list[ProfilePlan] = field(default_factory=list)
    searches: list[SearchPlan] = field(default_factory=list)
    jobs: list[JobPlan] = field(default_factory=list)
    supports: list[SupportPlan] = field(default_factory=list)
    referrals: list[ReferralPlan] = field(default_factory=list)
    # Member codes (org, code) of the deliberate alert cases, for the alerts demo and tests.
    no_recent_contact: list[tuple[str, str]] = field(default_factory=list)
    ended_without_contact: list[tuple[str, str]] = field(default_factory=list)
