"""Models of the pathway app: helper roles, training, readiness criteria, mentoring
preferences, helping contacts and hope-library stories."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import Gender, Member, Stage
from peerpath.pathway.sectors import Sector
from peerpath.tenancy.models import TenantModel


class HelperRoleKind(models.TextChoices):
    """The pathway from receiving help to giving it, in order."""

    PARTICIPANT = "participant", _("Participant")
    BUDDY = "buddy", _("Peer buddy")
    GROUP_LEADER = "group_leader", _("Peer group leader")
    PEER_SPECIALIST = "peer_specialist", _("Peer specialist (paid)")


ROLE_ORDER = {role.value: i for i, role in enumerate(HelperRoleKind)}


class HelperRole(TenantModel):
    """One period in a helper role. The open one (no end date) is the current role;
    a member with no row is a participant since enrolment."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="helper_roles")
    role = models.CharField(_("role"), max_length=16, choices=HelperRoleKind.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("helper role")
        ordering = ["-started_on", "-created_at"]
        indexes = [models.Index(fields=["member", "ended_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_on__isnull=True), name="helper_role_one_open"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="helper_role_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.role} {self.started_on}"


class TrainingModule(TenantModel):
    """An entry of the organisation's training catalogue for peer helpers."""

    name = models.CharField(_("name"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training module")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="training_module_unique_name"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_module_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingCompletion(TenantModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="training_completions")
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("completed on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training completed")
        ordering = ["-completed_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "module"], name="training_completed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.module_id} {self.completed_on}"


class CriterionKind(models.TextChoices):
    MONTHS_IN_PROGRAMME = "months_in_programme", _("Months in the programme")
    SESSIONS_ATTENDED = "sessions_attended", _("Group sessions attended")
    TRAINING_MODULE = "training_module", _("Training module completed")
    CURRENT_ROLE = "current_role", _("Current helper role at least")
    RECOVERY_STAGE = "recovery_stage_at_least", _("Recovery stage at least")


class ReadinessCriterion(TenantModel):
    """One item of the checklist a member meets before taking on ``target_role``."""

    target_role = models.CharField(_("for the role"), max_length=16, choices=HelperRoleKind.choices)
    kind = models.CharField(_("criterion"), max_length=24, choices=CriterionKind.choices)
    threshold = models.PositiveIntegerField(_("at least"), null=True, blank=True)
    module = models.ForeignKey(
        TrainingModule, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("training module"),
    )
    role = models.CharField(_("helper role"), max_length=16, choices=HelperRoleKind.choices, blank=True)
    stage = models.CharField(_("recovery stage"), max_length=12, choices=Stage.choices, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("readiness criterion")
        ordering = ["target_role", "created_at", "pk"]
        indexes = [models.Index(fields=["organization", "target_role", "active"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["months_in_programme", "sessions_attended"], threshold__gte=1,
                      module__isnull=True, role="", stage="")
                    | Q(kind="training_module", threshold__isnull=True, module__isnull=False, role="", stage="")
                    | (Q(kind="current_role", threshold__isnull=True, module__isnull=True, stage="")
                       & ~Q(role=""))
                    | (Q(kind="recovery_stage_at_least", threshold__isnull=True, module__isnull=True, role="")
                       & ~Q(stage=""))
                ),
                name="readiness_criterion_one_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_role}: {self.kind}"


class SpokenLanguage(models.TextChoices):
    MANDARIN = "mandarin", _("Mandarin")
    TAIWANESE = "taiwanese", _("Taiwanese Hokkien")
    HAKKA = "hakka", _("Hakka")
    ENGLISH = "english", _("English")
    INDIGENOUS = "indigenous", _("An indigenous language")
    SIGN = "sign", _("Taiwan Sign Language")


# A member's interface language, as the language a mentor would speak with them.
INTERFACE_TO_SPOKEN = {"zh-hant": SpokenLanguage.MANDARIN.value, "en": SpokenLanguage.ENGLISH.value}


class MentorPreferences(TenantModel):
    """A member's offer to mentor newer members."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="mentor_preferences")
    available = models.BooleanField(_("available to mentor"), default=True)
    max_mentees = models.PositiveSmallIntegerField(_("at most how many mentees"), default=2)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mentor preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_mentees__gte=1) & Q(max_mentees__lte=10), name="mentor_max_mentees_range"
            ),
        ]

    def __str__(self) -> str:
        return f"mentor preferences of {self.member_id}"


class MenteePreferences(TenantModel):
    """What a new member asked for in a mentor (optional)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="mentee_preferences")
    gender = models.CharField(_("preferred gender of the mentor"), max_length=12, choices=Gender.choices,
                              blank=True)
    gender_required = models.BooleanField(_("only a mentor of this gender"), default=False)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mentee preferences")

    def __str__(self) -> str:
        return f"mentee preferences of {self.member_id}"


class HelpingKind(models.TextChoices):
    PHONE = "phone", _("Phone call")
    MEETING = "meeting", _("Meeting")
    ACCOMPANY_INTERVIEW = "accompany_interview", _("Accompanying to a job interview")
    WORKPLACE_VISIT = "workplace_visit", _("Workplace visit")
    OTHER = "other", _("Other")


MAX_MINUTES = 600


class HelpingContact(TenantModel):
    """One member helping another: logged by staff or by the helper in the portal."""

    helper = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="helping_given")
    helped = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="helping_received")
    kind = models.CharField(_("kind"), max_length=20, choices=HelpingKind.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    date = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_by_member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("helping contact")
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["organization", "date"]),
            models.Index(fields=["helper", "date"]),
            models.Index(fields=["helped", "date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(helper=F("helped")), name="helping_not_oneself"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=MAX_MINUTES), name="helping_minutes_range"
            ),
            models.CheckConstraint(
                condition=(
                    Q(logged_by__isnull=False, logged_by_member__isnull=True)
                    | Q(logged_by__isnull=True, logged_by_member__isnull=False)
                ),
                name="helping_logged_by_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.helper_id} → {self.helped_id} {self.date}"


class StoryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned for changes")
    WITHDRAWN = "withdrawn", _("Unpublished: consent withdrawn")


class Story(TenantModel):
    """A member's own work story for the hope library, shown under a pseudonym."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="story")
    pseudonym = models.CharField(_("pseudonym"), max_length=40)
    # A value of the employment app's ``Sector`` (not declared as field choices, so
    # that a sector added there needs no migration here; forms offer only those).
    sector = models.CharField(_("job sector"), max_length=32)
    recovery_stage = models.CharField(_("recovery stage"), max_length=12, choices=Stage.choices)
    how_found = EncryptedTextField(_("How I found the job"))
    what_helped = EncryptedTextField(_("What helped"))
    what_was_hard = EncryptedTextField(_("What was hard"))
    advice = EncryptedTextField(_("What I would tell a newcomer"))
    status = models.CharField(_("status"), max_length=12, choices=StoryStatus.choices, default=StoryStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedTextField(_("note to the writer"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [models.Index(fields=["organization", "status", "sector"])]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def sector_label(self) -> str:
        return str(dict(Sector.choices).get(self.sector, self.sector))
