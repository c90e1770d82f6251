"""Import batches: one uploaded file, how its columns map, what its preview found, and
what its commit created. The file itself is kept encrypted (``ImportFile``) only until
the batch is committed or discarded, and at most a day (``peerpath imports purge``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.exchange import columns
from peerpath.members.fields import EncryptedTextField
from peerpath.tenancy.models import TenantModel


class Kind(models.TextChoices):
    MEMBERS = columns.MEMBERS, _("Members")
    RESPONSES = columns.RESPONSES, _("Questionnaire responses")
    REDCAP = columns.REDCAP, _("REDCap records (questionnaire responses)")
    JOBS = columns.JOBS, _("Jobs")


class State(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWED = "previewed", _("Checked")
    COMMITTING = "committing", _("Importing")  # a background worker imports it (large files)
    COMMITTED = "committed", _("Imported")
    DISCARDED = "discarded", _("Discarded")


OPEN_STATES = (State.UPLOADED, State.PREVIEWED)


class ImportBatch(TenantModel):
    """One file brought in by a member of staff, from upload to commit (or discard)."""

    kind = models.CharField(_("kind of data"), max_length=12, choices=Kind.choices)
    file_name = EncryptedTextField(_("file name"))  # a file name may carry a person's name
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    file_format = models.CharField(max_length=8)  # csv, xlsx
    encoding = models.CharField(max_length=12, default="auto")
    header = models.JSONField(default=list)  # the column names (no values)
    n_rows = models.PositiveIntegerField(_("rows"), default=0)
    mapping = models.JSONField(default=dict)  # column index (str) → field key ("" = ignored)
    options = models.JSONField(default=dict)  # instrument, reason, REDCap form, date field, …
    mapped = models.BooleanField(default=False)  # the person has confirmed the mapping
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.UPLOADED)
    # What the last check found (and what was imported): rows to create, already present, with problems.
    n_new = models.PositiveIntegerField(default=0)
    n_present = models.PositiveIntegerField(default=0)
    n_problem_rows = models.PositiveIntegerField(default=0)
    n_problems = models.PositiveIntegerField(default=0)
    n_skipped = models.PositiveIntegerField(default=0)
    checked_key = models.CharField(max_length=64, blank=True)  # file + mapping + options of the last check
    result = models.JSONField(default=dict)  # what the commit created, by kind of record
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["organization", "file_sha256"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ImportFile(TenantModel):
    """The uploaded bytes, Fernet-encrypted with the field keys (see ``storage``)."""

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, related_name="file")
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"file of import {self.batch_id}"
