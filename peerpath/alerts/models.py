"""Alerts: staff tasks the rules raise from members' records, and each
organisation's thresholds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.alerts import rules
from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import Member
from peerpath.tenancy.models import TenantModel


class Rule(models.TextChoices):
    NO_CONTACT = rules.NO_CONTACT, _("In work, no contact")
    JOB_ENDED = rules.JOB_ENDED, _("Job ended, no contact since")
    MISSED_SESSIONS = rules.MISSED_SESSIONS, _("Missed group sessions")
    SAFETY = rules.SAFETY, _("Safety answer on a questionnaire")
    DETERIORATION = rules.DETERIORATION, _("Reliable deterioration on a questionnaire")
    OVERDUE = rules.OVERDUE, _("Questionnaire overdue")
    NO_MENTOR = rules.NO_MENTOR, _("New member without a peer mentor")
    ISOLATED = rules.ISOLATED, _("Isolated in the helping network")


class Audience(models.TextChoices):
    PROFESSIONAL = rules.PROFESSIONAL, _("Professional")
    PEER_MENTOR = rules.PEER_MENTOR, _("Peer mentor")
    PEER_LEADER = rules.PEER_LEADER, _("Peer leaders")


class State(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


UNRESOLVED = (State.OPEN, State.ACKNOWLEDGED)


class Resolution(models.TextChoices):
    NONE = "", _("—")
    CLEARED = "cleared", _("Condition cleared")
    BY_HAND = "by_hand", _("Resolved by staff")


class AlertSettings(TenantModel):
    """An organisation's thresholds (``rules.Thresholds`` applies when there is no row)."""

    no_contact_days = models.PositiveSmallIntegerField(
        _("days in work without contact"), default=rules.Thresholds.no_contact_days
    )
    job_end_contact_days = models.PositiveSmallIntegerField(
        _("days after a job ending without contact"), default=rules.Thresholds.job_end_contact_days
    )
    missed_sessions = models.PositiveSmallIntegerField(
        _("group sessions missed in a row"), default=rules.Thresholds.missed_sessions
    )
    mentor_days = models.PositiveSmallIntegerField(
        _("days after enrolment without a peer mentor"), default=rules.Thresholds.mentor_days
    )
    new_member_days = models.PositiveSmallIntegerField(
        _("days a member counts as new"), default=rules.Thresholds.new_member_days
    )
    isolation_days = models.PositiveSmallIntegerField(
        _("days without a helping contact"), default=rules.Thresholds.isolation_days
    )
    overdue = models.BooleanField(_("alert on overdue questionnaires"), default=rules.Thresholds.overdue)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    THRESHOLD_FIELDS = (
        "no_contact_days", "job_end_contact_days", "missed_sessions", "mentor_days", "new_member_days",
        "isolation_days", "overdue",
    )

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="alert_settings_one_per_org")]

    def __str__(self) -> str:
        return f"alert settings of {self.organization_id}"

    def thresholds(self) -> rules.Thresholds:
        return rules.Thresholds(**{name: getattr(self, name) for name in self.THRESHOLD_FIELDS})


class Alert(TenantModel):
    """One episode of one rule for one member. The reason and suggested action are
    rendered from ``message`` and ``params`` when shown, in the viewer's language."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(_("alert"), max_length=20, choices=Rule.choices)
    key = models.CharField(max_length=80)  # the episode (see rules.Finding.key)
    started_on = models.DateField(_("since"))
    raised_at = models.DateTimeField(_("raised"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    clinical = models.BooleanField(default=False)  # never shown to roles without clinical access
    audience = models.JSONField(default=list)  # who it prompts: Audience values
    # The audience includes the peer track (a peer mentor or the peer leaders): kept
    # as a column so that visibility is one indexed filter on every database.
    peer_track = models.BooleanField(default=False)
    message = models.CharField(max_length=40)  # a key of rules.MESSAGES
    params = models.JSONField(default=dict)  # the message's parameters (dates as ISO strings)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledge_note = EncryptedTextField(_("note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    note = EncryptedTextField(_("note"), blank=True)  # the resolution note

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["organization", "member", "rule", "key"], name="alert_unique_episode")
        ]
        indexes = [
            models.Index(fields=["organization", "state", "-raised_at"]),
            models.Index(fields=["member", "state"]),
        ]
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rule} {self.member_id} {self.key} ({self.state})"

    @property
    def is_resolved(self) -> bool:
        return self.state == State.RESOLVED

    @property
    def prompts_professional(self) -> bool:
        return rules.PROFESSIONAL in self.audience
