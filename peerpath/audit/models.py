"""Append-only, hash-chained access log.

One chain per organisation (plus a ``system`` chain for events without one,
such as a failed login for an unknown username), so that a sharded database can
keep each organisation's chain on its own shard. Rows are never updated or
deleted through the ORM; ``peerpath audit verify`` detects changes made behind
its back.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from peerpath.tenancy.models import Organization


class Event(models.TextChoices):
    LOGIN = "auth.login", _("Logged in")
    LOGIN_FAILED = "auth.login_failed", _("Failed login")
    LOCKED_OUT = "auth.locked_out", _("Locked out after failed logins")
    LOGOUT = "auth.logout", _("Logged out")
    OTP_DEVICE_ADDED = "auth.otp_device_added", _("Two-factor device added")
    OTP_VERIFIED = "auth.otp_verified", _("Two-factor code accepted")
    OTP_FAILED = "auth.otp_failed", _("Two-factor code rejected")
    OTP_DEVICE_RESET = "auth.otp_device_reset", _("Two-factor device reset by an administrator")
    PASSWORD_RESET_REQUESTED = "auth.password_reset", _("Password reset requested")
    ORG_SWITCHED = "auth.org_switched", _("Switched organisation")
    MEMBER_LIST = "member.list", _("Viewed member list")
    MEMBER_VIEW = "member.view", _("Viewed member record")
    MEMBER_CREATE = "member.create", _("Added member")
    MEMBER_UPDATE = "member.update", _("Changed member details")
    CONSENT_GIVEN = "consent.given", _("Recorded consent")
    CONSENT_WITHDRAWN = "consent.withdrawn", _("Recorded consent withdrawal")
    STAGE_CHANGED = "member.stage_changed", _("Changed recovery stage")
    CARE_TEAM_CHANGED = "member.care_team_changed", _("Changed care team")
    STAFF_ADDED = "staff.added", _("Added staff")
    STAFF_CHANGED = "staff.changed", _("Changed staff role")
    AUDIT_VIEW = "audit.view", _("Viewed audit log")
    EXPORT = "data.export", _("Exported data")
    KEYS_ROTATED = "system.keys_rotated", _("Re-encrypted data with the newest key")
    DEMO_LOADED = "system.demo_loaded", _("Loaded demo data")
    MEASURE_VIEW = "measure.view", _("Viewed questionnaire results")
    MEASURE_RECORDED = "measure.recorded", _("Entered a questionnaire")
    MEASURE_LINK_CREATED = "measure.link_created", _("Created a self-report link")
    MEASURE_LINK_COMPLETED = "measure.link_completed", _("Questionnaire answered by self-report link")
    FLAG_FOLLOWED_UP = "measure.flag_followed_up", _("Recorded follow-up of a questionnaire result")
    RESCORED = "system.rescored", _("Recomputed questionnaire scores")
    PLAN_CHANGED = "measure.plan_changed", _("Changed the measurement plan")
    PORTAL_ACCOUNT_CREATED = "portal.account_created", _("Created a member portal account")
    PORTAL_VIEW = "portal.view", _("Member viewed their own portal")
    PORTAL_ANSWER_STARTED = "portal.answer_started", _("Member started a questionnaire in the portal")
    WORDING_CHANGED = "measure.wording_changed", _("Entered licensed questionnaire wording")
    # Professional track
    REFERRAL_RECORDED = "referral.recorded", _("Recorded a referral")
    REFERRAL_STEP = "referral.step", _("Moved a referral to its next step")
    REFERRAL_ENROLLED = "referral.enrolled", _("Enrolled a referred person as a member")
    REFERRAL_VIEW = "referral.view", _("Viewed referrals")
    EMPLOYMENT_VIEW = "employment.view", _("Viewed employment records")
    PROFILE_CHANGED = "employment.profile_changed", _("Changed a vocational profile")
    EMPLOYER_VIEW = "employer.view", _("Viewed employers")
    EMPLOYER_CHANGED = "employer.changed", _("Added or changed an employer")
    EMPLOYER_CONTACT = "employer.contact", _("Recorded a job development contact")
    OPENING_CHANGED = "employer.opening_changed", _("Added or changed a job opening")
    JOB_SEARCH_RECORDED = "employment.search_recorded", _("Recorded a job search activity")
    JOB_STARTED = "employment.job_started", _("Recorded a job start")
    JOB_CHANGED = "employment.job_changed", _("Changed a job")
    JOB_ENDED = "employment.job_ended", _("Recorded a job ending")
    SUPPORT_CONTACT = "employment.support_contact", _("Logged a support contact")
    CASELOAD_VIEW = "caseload.view", _("Viewed a caseload")
    # Alerts
    ALERTS_COMPUTED = "alert.computed", _("Computed alerts")
    ALERT_VIEW = "alert.view", _("Viewed alerts")
    ALERT_ACKNOWLEDGED = "alert.acknowledged", _("Acknowledged an alert")
    ALERT_RESOLVED = "alert.resolved", _("Resolved an alert")
    ALERT_SETTINGS_CHANGED = "alert.settings_changed", _("Changed alert thresholds")
    ALERT_DIGEST_SENT = "alert.digest_sent", _("Sent an alert digest")
    # Safety
    SAFETY_OPENED = "safety.opened", _("Opened a safety follow-up")
    SAFETY_CONTACT = "safety.contact", _("Recorded a safety follow-up contact")
    SAFETY_ESCALATED = "safety.escalated", _("Escalated an overdue safety follow-up")
    SAFETY_NOTIFIED = "safety.notified", _("Sent a safety notice by e-mail")
    SAFETY_VIEW = "safety.view", _("Viewed safety follow-ups or a safety plan")
    SAFETY_PLAN_SAVED = "safety.plan_saved", _("Saved a safety plan")
    SAFETY_SETTINGS_CHANGED = "safety.settings_changed", _("Changed crisis contacts or the follow-up time")
    SAFETY_CRISIS_SHOWN = "safety.crisis_shown", _("Member was shown the crisis page")
    KIOSK_CALL = "safety.kiosk_call", _("A member at the kiosk asked for a facilitator")
    KIOSK_CALL_ANSWERED = "safety.kiosk_call_answered", _("A facilitator spoke with the member from the kiosk")
    # Peer track
    GROUP_VIEW = "group.view", _("Viewed a peer group")
    GROUP_CHANGED = "group.changed", _("Added or changed a peer group")
    ROSTER_CHANGED = "group.roster_changed", _("Changed a group roster")
    NORM_CHANGED = "group.norm_changed", _("Proposed or agreed a group norm")
    SESSION_RECORDED = "group.session_recorded", _("Recorded a group session")
    INCIDENT_RECORDED = "group.incident_recorded", _("Recorded a critical incident")
    INCIDENT_CODED = "group.incident_coded", _("Coded a critical incident")
    KIOSK_STARTED = "group.kiosk_started", _("Started kiosk mode for a session")
    PATHWAY_VIEW = "pathway.view", _("Viewed the peer-helper pathway")
    ROLE_CHANGED = "pathway.role_changed", _("Recorded a peer-helper role change")
    TRAINING_RECORDED = "pathway.training_recorded", _("Recorded training completed")
    HELPING_LOGGED = "pathway.helping_logged", _("Logged a helping contact")
    MENTOR_CONFIRMED = "pathway.mentor_confirmed", _("Confirmed a peer mentor match")
    STORY_CHANGED = "pathway.story_changed", _("Wrote or changed a hope-library story")
    STORY_REVIEWED = "pathway.story_reviewed", _("Reviewed a hope-library story")
    STORY_VIEW = "pathway.story_view", _("Read hope-library stories")
    NETWORK_VIEW = "pathway.network_view", _("Viewed the helping network")
    # Data exchange
    API_TOKEN_CREATED = "api.token_created", _("Created an API token")
    API_TOKEN_REVOKED = "api.token_revoked", _("Revoked an API token")
    API_READ = "api.read", _("Read member data through the API")
    API_WRITE = "api.write", _("Wrote data through the API")
    IMPORT_PREVIEWED = "data.import_previewed", _("Checked a file for import")
    IMPORT_COMMITTED = "data.import_committed", _("Imported a file")
    EXPORT_REQUESTED = "data.export_requested", _("Requested an export")
    EXPORT_DOWNLOADED = "data.export_downloaded", _("Downloaded an export")
    # Outcomes
    REPORT_VIEW = "report.view", _("Viewed a programme report")
    REPORT_EXPORT = "report.export", _("Downloaded a programme report (PDF or CSV)")
    FIDELITY_RECORDED = "report.fidelity_recorded", _("Recorded a fidelity review")
    MEMBER_REPORT = "report.member_progress", _("Produced a member's progress report")
    REPORT_SETTINGS_CHANGED = "report.settings_changed", _("Changed the outcome report settings")


class ChainHead(models.Model):
    """The last entry of one chain; locked while an entry is appended."""

    chain = models.CharField(max_length=40, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain} head #{self.seq}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AccessLog(models.Model):
    chain = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    organization = models.ForeignKey(Organization, null=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Codes from ``Event``; not declared as field choices so that adding an event
    # (every domain app does) needs no migration of the log table.
    event = models.CharField(max_length=40)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    extra = models.JSONField(default=dict)
    # The id of the request that wrote the entry (its X-Request-ID, also in the log
    # lines), "" outside a request. Hashed with the rest when present.
    request_id = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects: Any = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="accesslog_chain_seq")]
        indexes = [
            models.Index(fields=["organization", "event", "created_at"]),
            models.Index(fields=["organization", "target_type", "target_id"]),
        ]
        ordering = ["-created_at", "-seq"]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")

    @property
    def event_label(self) -> str:
        try:
            return str(Event(self.event).label)
        except ValueError:
            return self.event

    def chained_fields(self) -> dict[str, Any]:
        """The fields the hash covers (stable across databases). The request id is
        covered when there is one; entries written before it was recorded (or outside
        a request) hash exactly as they always did."""
        fields: dict[str, Any] = {
            "chain": self.chain,
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "organization": self.organization_id,
            "actor": self.actor_id,
            "event": self.event,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "extra": self.extra,
        }
        if self.request_id:
            fields["request_id"] = self.request_id
        return fields
