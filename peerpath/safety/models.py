"""The safety path's records: each organisation's crisis contacts and follow-up
time, the safety follow-up a safety answer opens (with every contact attempt),
the member's versioned safety plan, and the kiosk's call for a facilitator.

All of it is clinical information: shown to roles with clinical access only,
except a safety plan the member chose to share with their peer mentor.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.measures.models import Administration
from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import Member
from peerpath.safety import rules
from peerpath.tenancy.models import TenantModel


class SafetySettings(TenantModel):
    """An organisation's safety settings (the defaults apply when there is no row)."""

    follow_up_hours = models.PositiveSmallIntegerField(
        _("hours to follow up a safety answer"), default=rules.DEFAULT_FOLLOW_UP_HOURS,
        validators=rules.FOLLOW_UP_HOURS_VALIDATORS,
        help_text=_("The clock runs through nights and weekends."),
    )
    # False: the shipped default list is shown (Taiwan's national lines for a
    # Traditional Chinese deployment); True: the organisation's own rows.
    contacts_edited = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("safety settings")
        verbose_name_plural = _("safety settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="safety_settings_one_per_org")]

    def __str__(self) -> str:
        return f"safety settings of {self.organization_id}"


class CrisisContact(TenantModel):
    """One line of the crisis contacts a member is shown (tap to call)."""

    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=120)
    number = models.CharField(_("number"), max_length=40, validators=rules.PHONE_VALIDATORS)
    hours = models.CharField(_("hours"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("crisis contact")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"

    @property
    def tel(self) -> str:
        return rules.tel_uri(self.number)


class FollowUpState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SafetyFollowUp(TenantModel):
    """What the team owes a member who gave a safety answer: one per questionnaire
    (whatever number of safety items it tripped), with a due time."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    administration = models.OneToOneField(Administration, on_delete=models.CASCADE, related_name="safety_follow_up")
    opened_at = models.DateTimeField(_("opened"))
    first_due_at = models.DateTimeField(_("first due"))  # opened_at + the organisation's hours
    due_at = models.DateTimeField(_("due"))  # first_due_at, or the next attempt after "could not be reached"
    state = models.CharField(_("state"), max_length=8, choices=FollowUpState.choices, default=FollowUpState.OPEN)
    closed_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=rules.Outcome.choices, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)  # overdue: coordinators were told

    class Meta:
        verbose_name = _("safety follow-up")
        indexes = [
            models.Index(fields=["organization", "state", "due_at"]),
            models.Index(fields=["member", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="open", closed_at__isnull=True)
                | models.Q(state="closed", closed_at__isnull=False),
                name="safety_follow_up_closed_has_time",
            )
        ]
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"safety follow-up {self.pk} of {self.member_id} ({self.state})"

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.state == FollowUpState.OPEN and self.due_at <= (now or timezone.now())

    @property
    def within_due(self) -> bool | None:
        """Followed up by the first due time (None while open)."""
        if self.closed_at is None:
            return None
        return self.closed_at <= self.first_due_at


class FollowUpContact(TenantModel):
    """One attempt to reach the member, and what came of it."""

    follow_up = models.ForeignKey(SafetyFollowUp, on_delete=models.CASCADE, related_name="contacts")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    contacted_at = models.DateTimeField(_("when"))
    method = models.CharField(_("how"), max_length=12, choices=rules.Method.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=rules.Outcome.choices)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    plan = models.CharField(_("safety plan"), max_length=10, choices=rules.PlanAction.choices,
                            default=rules.PlanAction.NONE, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("safety follow-up contact")
        ordering = ["contacted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="not_reached") | models.Q(next_attempt_at__isnull=False),
                name="safety_contact_not_reached_needs_next",
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.contacted_at:%Y-%m-%d %H:%M}"


class SafetyPlan(TenantModel):
    """One version of a member's safety plan (Stanley & Brown), written with a
    professional. The newest version is the plan in force."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    warning_signs = EncryptedTextField(_("warning signs"), blank=True)
    coping = EncryptedTextField(_("things I can do on my own"), blank=True)
    distractions = EncryptedTextField(_("people and places that take my mind off things"), blank=True)
    help_people = EncryptedTextField(_("people I can ask for help"), blank=True)
    professionals = EncryptedTextField(_("professionals and crisis lines"), blank=True)
    environment = EncryptedTextField(_("making my surroundings safe"), blank=True)
    reasons = EncryptedTextField(_("my reasons for living"), blank=True)
    share_with_mentor = models.BooleanField(
        _("my peer mentor may see this plan"), default=False,
    )
    written_with = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    @classmethod
    def step_label(cls, step: str) -> str:
        return str(getattr(cls._meta.get_field(step), "verbose_name", step))

    STEPS = ("warning_signs", "coping", "distractions", "help_people", "professionals", "environment", "reasons")

    class Meta:
        verbose_name = _("safety plan")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["member", "version"], name="safety_plan_version_unique")]

    def __str__(self) -> str:
        return f"safety plan v{self.version} of {self.member_id}"


class KioskCall(TenantModel):
    """A member at the group kiosk gave a safety answer: the facilitators of the
    session are asked to speak with them now. Says nothing about the answer."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    administration = models.OneToOneField(Administration, on_delete=models.CASCADE, related_name="kiosk_call")
    session = models.ForeignKey("groups.Session", on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk call for a facilitator")
        indexes = [models.Index(fields=["organization", "answered_at"])]

    def __str__(self) -> str:
        return f"kiosk call {self.pk} ({self.member_id})"
