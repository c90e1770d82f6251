"""Members of the programme, their consents, recovery stage and care team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from peerpath.members.fields import EncryptedTextField
from peerpath.tenancy.models import TenantModel, TenantQuerySet


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    CLOSED = "closed", _("Case closed")


class ReferralSource(models.TextChoices):
    HOSPITAL_OT = "hospital_ot", _("Hospital occupational therapy")
    DAY_WARD = "day_ward", _("Psychiatric day ward")
    CLINIC = "clinic", _("Outpatient clinic")
    COMMUNITY_AGENCY = "agency", _("Community agency")
    SELF = "self", _("Self-referral")
    FAMILY = "family", _("Family")
    PEER = "peer", _("Another member")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    ZH_HANT = "zh-hant", _("Traditional Chinese")
    EN = "en", _("English")


class Stage(models.TextChoices):
    """Stages of psychological recovery (Andresen et al.; the STORI stages)."""

    MORATORIUM = "moratorium", _("Moratorium")
    AWARENESS = "awareness", _("Awareness")
    PREPARATION = "preparation", _("Preparation")
    REBUILDING = "rebuilding", _("Rebuilding")
    GROWTH = "growth", _("Growth")


STAGE_ORDER = {stage.value: i for i, stage in enumerate(Stage)}


class Member(TenantModel):
    code = models.CharField(_("member code"), max_length=20)
    name = EncryptedTextField(_("name"))
    preferred_name = EncryptedTextField(_("preferred name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("email"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    national_id = EncryptedTextField(_("national ID"), blank=True)
    emergency_contact = EncryptedTextField(_("emergency contact"), blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ZH_HANT
    )
    enrolment_date = models.DateField(_("enrolment date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    referral_source = models.CharField(
        _("referral source"), max_length=16, choices=ReferralSource.choices, default=ReferralSource.OTHER
    )
    diagnosis = EncryptedTextField(_("diagnosis"), blank=True)
    clinical_notes = EncryptedTextField(_("clinical notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="member_unique_code"),
            # m0008 is M0008 (members.rules.member_code_key): one member per code in any case.
            models.UniqueConstraint(Lower("code"), "organization", name="member_unique_code_any_case"),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.code


class MemberSearchToken(TenantModel):
    """Blind index of a member's name (see ``members/crypto.py``)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="search_tokens")
    token = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["organization", "token"])]
        constraints = [models.UniqueConstraint(fields=["member", "token"], name="search_token_unique")]


class ConsentKind(models.TextChoices):
    SERVICE = "service", _("Service")
    RESEARCH = "research", _("Research")
    DATA_SHARING = "data_sharing", _("Data sharing")
    STORY = "story", _("Sharing a work story in the hope library")


class ConsentQuerySet(TenantQuerySet):
    def in_force(self) -> ConsentQuerySet:
        return self.filter(withdrawn_on__isnull=True)

    def latest_per_member(self, kind: str) -> ConsentQuerySet:
        """As a subquery of a member query (``OuterRef("pk")``): the member's
        consents of ``kind``, the one that counts (the latest) first."""
        return self.filter(member=models.OuterRef("pk"), kind=kind).order_by("-given_on", "-created_at")


class Consent(TenantModel):
    """One consent of one kind, as given on a form version; withdrawable.

    A new consent of the same kind (e.g. on a newer form version) supersedes the
    earlier one; the earlier row stays as history.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("kind"), max_length=16, choices=ConsentKind.choices)
    version = models.CharField(_("form version"), max_length=40)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsentQuerySet.as_manager()  # type: ignore[misc]
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["organization", "kind", "withdrawn_on"]),
            models.Index(fields=["member", "kind", "-given_on"], name="consent_latest_per_kind"),
            # The latest of each kind for every member of an organisation (the dashboard's figures read
            # it until MemberState; kept for set-based reads of an organisation's consents).
            models.Index(fields=["organization", "member", "kind", "-given_on", "-created_at"],
                         name="consent_latest_in_org"),
        ]
        ordering = ["-given_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.version}"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None


class StageChange(TenantModel):
    """A dated change of recovery stage; the latest one is the current stage."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField(_("recovery stage"), max_length=12, choices=Stage.choices)
    changed_on = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recovery stage change")
        ordering = ["-changed_on", "-created_at"]
        indexes = [
            models.Index(fields=["member", "-changed_on", "-created_at"], name="stage_latest"),
            # The latest for every member of an organisation (the dashboard's figures read it until
            # MemberState; kept for set-based reads of an organisation's stages).
            models.Index(fields=["organization", "member", "-changed_on", "-created_at"], name="stage_latest_in_org"),
        ]


class CareRole(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    PEER_MENTOR = "peer_mentor", _("Peer mentor")


class CareTeamAssignment(TenantModel):
    """Who accompanies a member: a professional (staff) or a peer mentor (a member)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_team")
    role = models.CharField(_("role"), max_length=12, choices=CareRole.choices)
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mentor = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="mentoring"
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("care team assignment")
        ordering = ["-started_on", "-created_at"]
        indexes = [models.Index(fields=["member", "role", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="professional", professional__isnull=False, mentor__isnull=True)
                    | models.Q(role="peer_mentor", mentor__isnull=False, professional__isnull=True)
                ),
                name="care_team_one_person",
            )
        ]


class MemberState(TenantModel):
    """Each member's current state as the dashboard counts it, kept by the database.

    One row per member: their status and enrolment date, their current recovery
    stage (their latest stage change, as ``members.selectors.current_stage_subquery``),
    whether their latest service and research consents are in force, and whether
    they have a current professional and a current peer mentor. Triggers on the
    members, stage changes, consents and care-team assignments recompute a member's
    row from those tables whenever one of their rows is inserted, updated or
    deleted, whatever wrote it (a form, the API, an import, ``bulk_create``, COPY),
    in the same transaction (migration ``0006_member_state``). Never written by the
    application; the dashboard's figures count these rows instead of reading every
    member's history on each view.
    """

    member = models.OneToOneField(Member, primary_key=True, on_delete=models.CASCADE, related_name="state")
    status = models.CharField(max_length=10, choices=Status.choices)
    enrolment_date = models.DateField()
    stage = models.CharField(max_length=12, choices=Stage.choices, null=True)  # noqa: DJ001  (NULL: no stage change yet, as the subquery gives)
    service_consent = models.BooleanField()  # the latest service consent is in force
    research_consent = models.BooleanField()
    professional = models.BooleanField()  # a current professional
    mentor = models.BooleanField()  # a current peer mentor

    class Meta:
        # An organisation's states (counted on SQLite; on PostgreSQL the counts are kept).
        indexes = [models.Index(fields=["organization"], name="member_state_in_org")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.status} {self.stage}"


class MemberStateCount(TenantModel):
    """How many members of an organisation are in each state, as changes to be added up
    (PostgreSQL only).

    A trigger on ``MemberState`` adds a row of +1 for a member's new state and one of
    -1 for their former state whenever a state row is inserted, deleted or changed
    (migration ``0007_member_state_count``): rows are only ever inserted, so that writers
    never wait for one another. The count of a state is the sum of its rows;
    ``members.state.counts`` reads the sums, and replaces an organisation's rows by
    their sums once they are many. The enrolment date is kept to its month (the
    dashboard counts members enrolled since a quarter began). On SQLite (development
    and tests) the counts are read from ``MemberState`` itself.
    """

    status = models.CharField(max_length=10, choices=Status.choices)
    stage = models.CharField(max_length=12, choices=Stage.choices, null=True)  # noqa: DJ001  (as MemberState's)
    enrolled_month = models.DateField()  # the first day of the month of enrolment
    service_consent = models.BooleanField()
    research_consent = models.BooleanField()
    professional = models.BooleanField()
    mentor = models.BooleanField()
    n = models.IntegerField()  # +1 or -1, or a sum once compacted

    class Meta:
        indexes = [models.Index(fields=["organization"], name="member_state_count_org")]

