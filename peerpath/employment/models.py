"""Records of the professional track: referrals, vocational profiles, employers and
job development, job search, jobs and their endings, and support contacts from
both tracks. Employment status is never stored: see ``status.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from peerpath.employment import rules
from peerpath.employment.status import JobSpan
from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import Member, ReferralSource
from peerpath.tenancy.models import TenantModel

# -- choices --------------------------------------------------------------------


class Sector(models.TextChoices):
    """Common sectors of entry-level and supported employment in Taiwan."""

    FOOD_SERVICE = "food_service", _("Food service")
    RETAIL = "retail", _("Retail and convenience stores")
    CLEANING = "cleaning", _("Cleaning")
    OFFICE = "office", _("Office and administration")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    LOGISTICS = "logistics", _("Logistics and warehousing")
    CARE_WORK = "care_work", _("Care work")
    IT = "it", _("Information technology")
    HOSPITALITY = "hospitality", _("Hotels and hospitality")
    SECURITY = "security", _("Security and building management")
    OTHER = "other", _("Other")


class Shift(models.TextChoices):
    WEEKDAY_DAYTIME = "weekday_day", _("Weekday daytime")
    EVENING = "evening", _("Evenings")
    NIGHT = "night", _("Nights")
    WEEKEND = "weekend", _("Weekends")


class Disclosure(models.TextChoices):
    """Whether the member's condition is known at work."""

    FULL = "full", _("Disclosed to the employer")
    PARTIAL = "partial", _("Disclosed to one person at work only")
    NONE = "none", _("Not disclosed: do not mention it at work")
    UNDECIDED = "undecided", _("Not decided yet")


JOB_DISCLOSURES = [c for c in Disclosure.choices if c[0] != Disclosure.UNDECIDED]


class SizeBand(models.TextChoices):
    MICRO = "micro", _("1–9 employees")
    SMALL = "small", _("10–49 employees")
    MEDIUM = "medium", _("50–249 employees")
    LARGE = "large", _("250 or more employees")
    UNKNOWN = "unknown", _("Not known")


class ContactKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")


class OpeningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class SearchKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    INTERVIEW = "interview", _("Interview")
    EMPLOYER_CONTACT = "employer_contact", _("Employer contact")


class SearchOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    NOT_SUCCESSFUL = "not_successful", _("Not successful")
    NEXT_STEP = "next_step", _("Invited to a next step")
    OFFER = "offer", _("Job offered")


class EndingReason(models.TextChoices):
    QUIT = "quit", _("Quit")
    FIRED = "fired", _("Fired")
    LAID_OFF = "laid_off", _("Laid off")
    TEMPORARY_ENDED = "temporary_ended", _("Temporary job ended")
    BETTER_JOB = "better_job", _("Moved to a better job")


class SupportTrack(models.TextChoices):
    PROFESSIONAL = rules.PROFESSIONAL, _("Professional track")
    PEER = rules.PEER, _("Peer track")


class SupportKind(models.TextChoices):
    JOB_COACHING = "job_coaching", _("Job coaching")
    FOLLOW_ALONG = "follow_along", _("Follow-along support")
    BENEFITS = "benefits_counselling", _("Benefits counselling")
    FAMILY = "family", _("Contact with family")
    PEER_CHECKIN = "peer_checkin", _("Peer check-in")


class SupportPlace(models.TextChoices):
    WORKPLACE = "workplace", _("Workplace")
    COMMUNITY = "community", _("Community")
    OFFICE = "office", _("Office")
    PHONE = "phone", _("Phone")


class CloseReason(models.TextChoices):
    """Why a referral was closed. Zero exclusion: never a judgement of readiness
    for work (see ``rules.CLOSE_REASONS``)."""

    DECLINED = "declined", _("The person decided not to join")
    UNREACHABLE = "unreachable", _("Could not be reached")
    MOVED_AWAY = "moved_away", _("Moved away")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred to another service at their wish")
    OTHER = "other", _("Other")


@deconstructible
class ChoiceListValidator:
    """Validates a JSON list of values of one set of choices (no repeats)."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = list(allowed)

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list) or any(v not in self.allowed for v in value):
            raise ValidationError(_("Choose from the list."))
        if len(set(value)) != len(value):
            raise ValidationError(_("Each choice may be made once."))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.allowed == self.allowed

    def __hash__(self) -> int:
        return hash(tuple(self.allowed))


validate_sectors = ChoiceListValidator(Sector.values)
validate_shifts = ChoiceListValidator(Shift.values)

# -- referrals ------------------------------------------------------------------


class Referral(TenantModel):
    """A referral into the programme, before the person is a member."""

    source = models.CharField(_("referred by"), max_length=16, choices=ReferralSource.choices)
    person_name = EncryptedTextField(_("name of the person referred"))
    person_phone = EncryptedTextField(_("their phone"), blank=True)
    referrer_name = EncryptedTextField(_("referrer's name"), blank=True)
    referrer_contact = EncryptedTextField(_("referrer's phone or email"), blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    received_on = models.DateField(_("received on"))
    contacted_on = models.DateField(_("first contact on"), null=True, blank=True)
    intake_on = models.DateField(_("intake meeting on"), null=True, blank=True)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True)
    member = models.OneToOneField(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="referral"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-received_on", "-created_at"]
        indexes = [models.Index(fields=["organization", "-received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(contacted_on__isnull=True) | Q(contacted_on__gte=models.F("received_on")),
                name="referral_contacted_after_received",
            ),
            models.CheckConstraint(
                condition=Q(intake_on__isnull=True)
                | Q(contacted_on__isnull=False, intake_on__gte=models.F("contacted_on")),
                name="referral_intake_after_contact",
            ),
            models.CheckConstraint(
                condition=Q(enrolled_on__isnull=True)
                | Q(intake_on__isnull=False, member__isnull=False, enrolled_on__gte=models.F("intake_on")),
                name="referral_enrolled_after_intake",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, close_reason="")
                | Q(closed_on__isnull=False, enrolled_on__isnull=True, closed_on__gte=models.F("received_on"))
                & ~Q(close_reason=""),
                name="referral_closed_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"

    @property
    def step_dates(self) -> dict[str, dt.date | None]:
        return {
            "received": self.received_on, "contacted": self.contacted_on,
            "intake": self.intake_on, "enrolled": self.enrolled_on,
        }

    @property
    def state(self) -> str:
        return rules.state_of(self.step_dates, self.closed_on)

    @property
    def next_step(self) -> str | None:
        return rules.next_step(self.step_dates, self.closed_on)

    @property
    def steps(self) -> list[rules.StepDay]:
        return rules.steps_reached(self.step_dates)


# -- vocational profile -------------------------------------------------------------


class VocationalProfile(TenantModel):
    """One dated version of a member's vocational profile; the latest is current."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="vocational_profiles")
    recorded_on = models.DateField(_("date"))
    sectors = models.JSONField(_("sectors of interest"), default=list, blank=True, validators=[validate_sectors])
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week wanted"), null=True, blank=True)
    location = models.CharField(_("where they would like to work"), max_length=120, blank=True)
    shifts = models.JSONField(_("shifts they can work"), default=list, blank=True, validators=[validate_shifts])
    disclosure_preference = models.CharField(
        _("disclosure preference"), max_length=10, choices=Disclosure.choices, default=Disclosure.UNDECIDED
    )
    goals = EncryptedTextField(_("work goals"), blank=True)
    work_history = EncryptedTextField(_("work history"), blank=True)
    benefits_concerns = EncryptedTextField(_("benefits concerns"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vocational profile")
        ordering = ["-recorded_on", "-created_at"]
        indexes = [models.Index(fields=["member", "-recorded_on", "-created_at"], name="profile_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True) | Q(hours_per_week__gte=1, hours_per_week__lte=80),
                name="profile_hours_range",
            )
        ]

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sectors]

    def shift_labels(self) -> list[str]:
        labels = dict(Shift.choices)
        return [str(labels.get(s, s)) for s in self.shifts]


# -- employers and job development ---------------------------------------------------


class Employer(TenantModel):
    name = models.CharField(_("employer name"), max_length=200)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    size = models.CharField(_("size"), max_length=8, choices=SizeBand.choices, default=SizeBand.UNKNOWN)
    contact_person = EncryptedTextField(_("contact person"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("email"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="employer_unique_name")]

    def __str__(self) -> str:
        return self.name


class EmployerContact(TenantModel):
    """A job development contact the employment specialist made with an employer."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="contacts")
    contacted_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    outcome = EncryptedTextField(_("outcome"), blank=True)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="employer_contacts",
        verbose_name=_("for member"),
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job development contact")
        ordering = ["-contacted_on", "-created_at"]
        indexes = [models.Index(fields=["employer", "-contacted_on"])]


class JobOpening(TenantModel):
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="openings")
    title = models.CharField(_("job title"), max_length=120)
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    posted_on = models.DateField(_("posted on"))
    status = models.CharField(_("status"), max_length=8, choices=OpeningStatus.choices, default=OpeningStatus.OPEN)
    closed_on = models.DateField(_("filled or closed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job opening")
        ordering = ["-posted_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=OpeningStatus.OPEN, closed_on__isnull=True)
                | Q(~Q(status=OpeningStatus.OPEN), closed_on__gte=models.F("posted_on")),
                name="opening_closed_date",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__isnull=True) | Q(hours_per_week__gt=0, hours_per_week__lte=80),
                name="opening_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# -- job search -----------------------------------------------------------------------


class JobSearchActivity(TenantModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="job_search")
    done_on = models.DateField(_("date"))
    kind = models.CharField(_("activity"), max_length=16, choices=SearchKind.choices)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("employer")
    )
    position = models.CharField(_("position"), max_length=120, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=SearchOutcome.choices, default=SearchOutcome.PENDING)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job search activity")
        verbose_name_plural = _("job search activities")
        ordering = ["-done_on", "-created_at"]
        indexes = [models.Index(fields=["member", "-done_on"])]


# -- jobs ---------------------------------------------------------------------------------


def competitive_q(prefix: str = "") -> Q:
    """The IPS definition of a competitive job as a query condition: every criterion of
    ``rules.COMPETITIVE_CRITERIA`` met. ``prefix``: the path to the job, e.g. ``"jobs__"``
    from a member."""
    return Q(**{f"{prefix}{name}": True for name in rules.COMPETITIVE_CRITERIA})


class Job(TenantModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="jobs")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("employer"))
    title = models.CharField(_("job title"), max_length=120)
    start_date = models.DateField(_("start date"))
    # Set only by recording the job's ending (see ``JobEnding``).
    end_date = models.DateField(_("end date"), null=True, blank=True, editable=False)
    hours_per_week = models.DecimalField(_("hours per week"), max_digits=4, decimal_places=1)
    hourly_wage = models.DecimalField(_("hourly wage"), max_digits=9, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    # The IPS definition of a competitive job, one criterion each (rules.COMPETITIVE_CRITERIA).
    in_community = models.BooleanField(_("in the community"), default=False)
    open_to_anyone = models.BooleanField(_("open to anyone"), default=False)
    minimum_wage_or_more = models.BooleanField(_("pays at least the minimum wage"), default=False)
    disclosure = models.CharField(_("disclosure at work"), max_length=10, choices=JOB_DISCLOSURES)
    accommodations = EncryptedTextField(_("job accommodations"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-start_date", "-created_at"]
        indexes = [models.Index(fields=["organization", "member", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="job_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gt=0, hours_per_week__lte=80), name="job_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(hourly_wage__isnull=True) | Q(hourly_wage__gte=0), name="job_wage_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_competitive(self) -> bool:
        return rules.is_competitive(self.in_community, self.open_to_anyone, self.minimum_wage_or_more)

    def missing_criteria(self) -> list[str]:
        """The competitive-job criteria this job does not meet (their labels)."""
        return [
            str(getattr(self._meta.get_field(name), "verbose_name", name)) for name in rules.COMPETITIVE_CRITERIA
            if not getattr(self, name)
        ]

    def span(self) -> JobSpan:
        return JobSpan(self.start_date, self.end_date, self.is_competitive, self.hours_per_week)


class JobEnding(TenantModel):
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="ending")
    ended_on = models.DateField(_("last day of work"))
    reason = models.CharField(_("reason"), max_length=16, choices=EndingReason.choices)
    planned = models.BooleanField(_("planned ending"), default=False)
    lessons = EncryptedTextField(_("lessons noted"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job ending")


# -- support from both tracks --------------------------------------------------------------


class SupportContact(TenantModel):
    """Support after (or around) a job, from the professional or the peer track."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="support_contacts")
    contacted_on = models.DateField(_("date"))
    track = models.CharField(_("track"), max_length=12, choices=SupportTrack.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=SupportKind.choices)
    place = models.CharField(_("place"), max_length=10, choices=SupportPlace.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    job = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_contacts",
        verbose_name=_("job"),
    )
    note = EncryptedTextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support contact")
        ordering = ["-contacted_on", "-created_at"]
        indexes = [models.Index(fields=["organization", "member", "track", "-contacted_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=600), name="support_minutes_range"),
        ]
