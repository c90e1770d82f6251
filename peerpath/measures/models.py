"""Administrations of questionnaires, their answers and the scores derived from them.

Answers are records; scores are derived by the scoring engine and can always be
recomputed (``peerpath rescore``): each score row records the definition version
it came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import Language, Member
from peerpath.tenancy.models import TenantModel


class Mode(models.TextChoices):
    STAFF = "staff", _("Entered by staff (paper form)")
    LINK = "link", _("Self-report link")
    KIOSK = "kiosk", _("Kiosk in a group session")
    PORTAL = "portal", _("Member portal")


class Reason(models.TextChoices):
    INTAKE = "intake", _("Intake")
    PERIODIC = "periodic", _("Periodic review")
    JOB_START = "job_start", _("Job start")
    JOB_END = "job_end", _("Job end")
    GROUP_SESSION = "group_session", _("After a group session")
    AD_HOC = "ad_hoc", _("Other")


class AdministrationStatus(models.TextChoices):
    PENDING = "pending", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")


class Administration(TenantModel):
    """One questionnaire given to one member, however it was answered."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="administrations")
    instrument_id = models.CharField(_("questionnaire"), max_length=40)
    instrument_version = models.PositiveIntegerField()
    mode = models.CharField(_("how answered"), max_length=10, choices=Mode.choices)
    reason = models.CharField(_("occasion"), max_length=16, choices=Reason.choices, default=Reason.AD_HOC)
    status = models.CharField(max_length=12, choices=AdministrationStatus.choices, default=AdministrationStatus.PENDING)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ZH_HANT)
    taken_on = models.DateField(_("date answered"), null=True, blank=True)
    answers = models.JSONField(default=dict)  # item id → numeric value (partial while in progress)
    # Self-report link: only a hash of the token is stored; the token is in the URL alone.
    link_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire administration")
        indexes = [
            models.Index(fields=["organization", "member", "instrument_id", "taken_on"]),
            models.Index(fields=["organization", "status"]),
            # Each member's last completed date per instrument (the due lists of the
            # dashboard and caseload): read from the index alone, without the others.
            models.Index(
                fields=["organization", "member", "instrument_id", "taken_on"],
                condition=models.Q(status=AdministrationStatus.COMPLETED), name="administration_completed",
            ),
        ]
        ordering = ["-taken_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.instrument_id} for {self.member_id} ({self.status})"


class LastCompleted(TenantModel):
    """Each member's last completed date of each questionnaire, kept by the database.

    One row per member and questionnaire they have completed (a questionnaire
    ``completed`` with a date): triggers on the questionnaires keep it whatever
    wrote them (a phone finishing a link, paper entry, an import, COPY), in the same
    transaction (migration ``0007_last_completed``). The application never writes
    it. The dashboard's due list reads it instead of looking up every active
    member's latest questionnaire of each planned instrument on each view.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    instrument_id = models.CharField(max_length=40)
    taken_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "instrument_id"], name="last_completed_unique")]
        indexes = [models.Index(fields=["organization", "instrument_id", "member", "taken_on"],
                                name="last_completed_in_org")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.instrument_id} {self.taken_on}"


class StoredScore(TenantModel):
    """One score of one completed administration (derived; see ``peerpath rescore``)."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    instrument_id = models.CharField(max_length=40)
    score_id = models.CharField(max_length=60)
    value = models.FloatField(null=True)  # None: not scorable (too many answers missing)
    n_answered = models.PositiveSmallIntegerField()
    prorated = models.BooleanField(default=False)
    band_index = models.SmallIntegerField(null=True)
    flag = models.BooleanField(default=False)
    taken_on = models.DateField()
    definition_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "score_id"], name="score_unique_per_administration")
        ]
        indexes = [models.Index(fields=["organization", "member", "instrument_id", "score_id", "taken_on"])]

    def __str__(self) -> str:
        return f"{self.instrument_id}.{self.score_id}={self.value}"


class FlagKind(models.TextChoices):
    SAFETY = "safety", _("Safety answer")
    DETERIORATION = "deterioration", _("Reliable deterioration")


class ResultFlag(TenantModel):
    """A result that needs a person's attention, shown to the member's professional
    until someone records the follow-up: a safety item answered at or above its
    threshold (e.g. PHQ-9 item 9 above 0), or a score that reliably deteriorated
    since the member's previous result (Jacobson–Truax)."""

    administration = models.ForeignKey(Administration, on_delete=models.CASCADE, related_name="result_flags")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=FlagKind.choices, default=FlagKind.SAFETY)
    item_id = models.CharField(max_length=20, blank=True)  # safety
    score_id = models.CharField(max_length=60, blank=True)  # deterioration
    value = models.FloatField()  # the answer, or the new score
    previous_value = models.FloatField(null=True)  # deterioration: the score it is compared with
    rci = models.FloatField(null=True)
    raised_at = models.DateTimeField()
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "followed_up_at"])]
        constraints = [
            # One flag per safety item or score of an administration, however many
            # requests finish it at once (the backstop of actions.complete_link).
            models.UniqueConstraint(
                fields=["administration", "kind", "item_id", "score_id"], name="result_flag_once_per_administration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.administration_id} {self.item_id or self.score_id}"


class Trigger(models.TextChoices):
    INTAKE = "intake", _("At intake")
    EVERY = "every", _("Every N days")
    JOB_START = "job_start", _("At a job start")
    JOB_END = "job_end", _("At a job end")
    GROUP_SESSION = "group_session", _("After each group session")


class PlanRule(TenantModel):
    """One line of an organisation's measurement plan: which questionnaire, when."""

    instrument_id = models.CharField(_("questionnaire"), max_length=40)
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger.choices)
    interval_days = models.PositiveSmallIntegerField(_("every how many days"), null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measurement plan rule")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "instrument_id", "trigger"], name="plan_rule_unique",
                condition=models.Q(active=True),
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger="every") | models.Q(interval_days__gte=7),
                name="plan_rule_every_needs_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.trigger} {self.interval_days or ''}".strip()


class LocalWording(TenantModel):
    """Licensed item wording an organisation entered for its own use.

    For instruments whose wording may not be redistributed, Peerpath ships the
    scoring rules only. A licensee types the wording here; it is shown to this
    organisation's staff and members only, and never leaves the organisation
    (exports and other organisations never see it)."""

    instrument_id = models.CharField(max_length=40)
    item_id = models.CharField(max_length=20)
    language = models.CharField(max_length=8, choices=Language.choices)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "instrument_id", "item_id", "language"], name="local_wording_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.item_id} {self.language}"
