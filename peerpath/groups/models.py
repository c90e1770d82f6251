"""Peer support groups: rosters, agreed norms, sessions with attendance, norms
upheld or challenged, here-and-now feedback and critical incidents, and the
coding of incidents to therapeutic factors (by a first and an optional second coder).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import Member
from peerpath.tenancy.models import TenantModel


class GroupKind(models.TextChoices):
    JOB_RETENTION = "job_retention", _("Job retention")
    JOB_SEEKING = "job_seeking", _("Job seeking")
    HELPER_TRAINING = "helper_training", _("Helper training")
    OPEN = "open", _("Open group")


class PeerGroup(TenantModel):
    """A peer support group, run by a peer leader with a professional co-facilitator
    (the two tracks together)."""

    name = models.CharField(_("group name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices, default=GroupKind.OPEN)
    schedule = models.CharField(_("schedule"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    peer_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("peer leader"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    co_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("professional co-facilitator"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    code_set = models.CharField(_("code set for critical incidents"), max_length=40, default="yalom")
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("peer group")
        verbose_name_plural = _("peer groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="peer_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RosterEntry(TenantModel):
    """A member's time on a group's roster; a member who rejoins gets a new entry."""

    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="roster")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="group_roster_entries")
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("roster entry")
        ordering = ["-joined_on", "-created_at"]
        indexes = [models.Index(fields=["organization", "member", "left_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"], condition=models.Q(left_on__isnull=True), name="roster_one_open_entry"
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="roster_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.group_id} from {self.joined_on}"


class Norm(TenantModel):
    """One version of a therapeutic norm the group agreed on. A revision is a new
    norm that ``supersedes`` the old one; agreeing to it retires the old one."""

    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="norms")
    text = models.CharField(_("norm"), max_length=300)
    proposed_by = EncryptedTextField(_("proposed by"), blank=True)
    proposed_on = models.DateField(_("proposed on"))
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", verbose_name=_("revises"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="revisions",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group norm")
        ordering = ["proposed_on", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def state(self) -> str:
        if self.retired_on is not None:
            return "retired"
        return "agreed" if self.agreed_on is not None else "proposed"


class Session(TenantModel):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("facilitators present"), related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group session")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["group", "date"], name="session_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.date}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# Statuses a session expected the member at (an excused absence is not expected).
EXPECTED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT)


class Attendance(TenantModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="group_attendance")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = _("attendance")
        indexes = [models.Index(fields=["organization", "member", "status"])]
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.status}"


class Observation(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    CHALLENGED = "challenged", _("Challenged")


class NormObservation(TenantModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="norm_observations")
    norm = models.ForeignKey(Norm, on_delete=models.PROTECT, related_name="observations")
    observation = models.CharField(_("observed"), max_length=12, choices=Observation.choices)
    note = EncryptedTextField(_("note"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "norm"], name="norm_observation_unique")]

    def __str__(self) -> str:
        return f"{self.norm_id} {self.observation}"


class FeedbackNote(TenantModel):
    """A facilitator's short note of here-and-now feedback one member gave another."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback_notes")
    giver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="feedback_given")
    receiver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="feedback_received")
    note = EncryptedTextField(_("note"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(giver=models.F("receiver")), name="feedback_not_to_self")
        ]

    def __str__(self) -> str:
        return f"{self.giver_id} → {self.receiver_id}"


class CriticalIncident(TenantModel):
    """The event of a session that was most important to a member, in their words."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="incidents")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="critical_incidents")
    text = EncryptedTextField(_("most important event"))
    dictated = models.BooleanField(_("dictated to a facilitator"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("critical incident")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"incident {self.pk} of {self.member_id}"


class IncidentCoding(TenantModel):
    """The therapeutic factors one coder assigned to an incident (rank 1: first
    coder, rank 2: the optional second coder for inter-coder agreement)."""

    incident = models.ForeignKey(CriticalIncident, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(choices=[(1, _("First coder")), (2, _("Second coder"))])
    code_set = models.CharField(max_length=40)
    factors = models.JSONField(default=list)  # factor codes of the code set
    coded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "rank"], name="incident_coding_unique_rank"),
            models.CheckConstraint(condition=models.Q(rank__in=[1, 2]), name="incident_coding_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} #{self.rank} {self.factors}"
