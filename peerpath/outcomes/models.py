"""The outcomes app's tables: IPS-25 fidelity reviews of a programme, and each
organisation's outcome-report settings.

Reports themselves store nothing (they read records and scores). A fidelity review
is a programme-level record, not member data: it appears on no member's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpath.outcomes import settings_rules as rules
from peerpath.outcomes.fidelity import ITEM_IDS
from peerpath.tenancy.models import TenantModel


class FidelityReview(TenantModel):
    """One IPS-25 review: each of the 25 items rated 1–5 (with an optional note),
    the total and band as the measures scoring engine scored them (``ips25``)."""

    reviewed_on = models.DateField(_("date of the review"))
    reviewers = models.CharField(_("reviewers"), max_length=300,
                                 help_text=_("Names or roles of the reviewers, e.g. external: 2 IPS trainers."))
    period_label = models.CharField(_("period reviewed"), max_length=40, blank=True)
    # {"1": 4, …, "25": 5}: every item, 1–5.
    items = models.JSONField(_("item ratings"))
    # {"7": "…"}: programme notes per item (no member data), each at most 2000 characters.
    notes = models.JSONField(_("notes"), default=dict, blank=True)
    total = models.PositiveSmallIntegerField(_("total"))
    # The band as the scoring engine gave it: an index into the ips25 definition's
    # total bands (as measures.StoredScore.band_index); shown in the viewer's
    # language from the definition.
    band_index = models.PositiveSmallIntegerField(_("band"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fidelity review")
        verbose_name_plural = _("fidelity reviews")
        ordering = ["-reviewed_on", "-created_at"]
        indexes = [models.Index(fields=["organization", "reviewed_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=25, total__lte=125), name="fidelity_total_range"),
            models.CheckConstraint(condition=~Q(reviewers=""), name="fidelity_reviewers_given"),
            models.CheckConstraint(condition=Q(items__has_keys=list(ITEM_IDS)), name="fidelity_every_item"),
        ]

    def __str__(self) -> str:
        return f"IPS-25 {self.reviewed_on:%Y-%m-%d}: {self.total}"


class OutcomeSettings(TenantModel):
    """An organisation's outcome-report settings (the defaults apply when there is
    no row): the days in one job that count as stable employment, and the days
    without contact after which time to first job stops following a member."""

    stable_employment_days = models.PositiveSmallIntegerField(
        _("days in one job for stable employment"), default=rules.DEFAULT_STABLE_EMPLOYMENT_DAYS,
        validators=rules.STABLE_EMPLOYMENT_DAYS_VALIDATORS,
    )
    inactive_after_days = models.PositiveSmallIntegerField(
        _("days without contact before follow-up ends"), default=rules.DEFAULT_INACTIVE_AFTER_DAYS,
        validators=rules.INACTIVE_AFTER_DAYS_VALIDATORS,
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("outcome report settings")
        verbose_name_plural = _("outcome report settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="outcome_settings_one_per_org")]

    def __str__(self) -> str:
        return f"outcome settings of {self.organization_id}"


class ReportFile(TenantModel):
    """One organisation's programme report as a PDF (small cells hidden), made by a
    background task of ``peerpath report --queue``; deleted when it expires
    (``PEERPATH_EXPORT_DAYS`` after it was made, by the nightly purge). The
    content is in the database, so a worker on another machine can store it and
    any app server can hand it out. ``task_id``: the task that made it, unique,
    so a retried task stores no second file."""

    task_id = models.CharField(max_length=64, unique=True)
    report = models.SlugField(max_length=50)
    period = models.CharField(max_length=40)  # the period's label, e.g. 2026Q3
    language = models.CharField(max_length=10)
    options = models.JSONField(default=dict, blank=True)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stored report file")
        verbose_name_plural = _("stored report files")
        indexes = [models.Index(fields=["organization", "-created_at"], name="report_file_org_created")]

    def __str__(self) -> str:
        return f"{self.report} {self.period} of {self.organization_id}"
