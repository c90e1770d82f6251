"""Research projects (the key behind stable pseudonyms) and export jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpath.members.fields import EncryptedTextField
from peerpath.tenancy.models import TenantModel


class ResearchProject(TenantModel):
    """A study: its random key gives every member the same pseudonym in each of the
    project's exports, and different pseudonyms from any other project."""

    name = models.CharField(_("project name"), max_length=120)
    key = EncryptedTextField(_("pseudonym key"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="research_project_unique_name")]

    def __str__(self) -> str:
        return self.name


class CategoryCode(TenantModel):
    """The integer code of a category value in the SPSS and Stata files of one
    research project: assigned at the project's first export that holds the value
    (the next free code of its variable) and kept for every later export."""

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="codes")
    variable = models.CharField(max_length=32)
    value = models.CharField(max_length=120)
    code = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "variable", "value"], name="category_code_unique_value"),
            models.UniqueConstraint(fields=["project", "variable", "code"], name="category_code_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.variable}: {self.code}={self.value}"


class ExportKind(models.TextChoices):
    RESEARCH = "research", _("Research (de-identified)")
    IDENTIFIABLE = "identifiable", _("Identifiable")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (Excel, UTF-8)")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    SAV = "sav", _("SPSS (.sav)")
    DTA = "dta", _("Stata (.dta)")
    PARQUET = "parquet", _("Parquet")


class DateMode(models.TextChoices):
    SHIFT = "shift", _("Dates shifted per member")
    DAYS = "days", _("Days since enrolment")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(TenantModel):
    kind = models.CharField(_("kind"), max_length=12, choices=ExportKind.choices)
    # tables, format, date_mode (never data): shown on the page and in the audit log
    parameters = models.JSONField(_("parameters"), default=dict)
    project = models.ForeignKey(ResearchProject, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="exports", verbose_name=_("research project"))
    reason = EncryptedTextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=8, choices=ExportState.choices, default=ExportState.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    n_members = models.PositiveIntegerField(_("members"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "kind", "-created_at"]),
                   models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} export {self.pk}"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    @property
    def is_active(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def format(self) -> str:
        return str(self.parameters.get("format", ""))

    def file_name(self) -> str:
        stamp = timezone.localtime(self.finished_at or self.created_at).strftime("%Y%m%d-%H%M")
        return f"peerpath-{self.kind}-export-{self.pk}-{stamp}-{self.format}.zip"


class ExportFile(TenantModel):
    """The zip of a finished export, Fernet-encrypted under the field keys; deleted
    when the export expires (``peerpath export purge``)."""

    job = models.OneToOneField(ExportJob, on_delete=models.CASCADE, related_name="file")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)  # of the plain zip, to check a download
    size = models.PositiveBigIntegerField()  # of the plain zip
    created_at = models.DateTimeField(auto_now_add=True)
