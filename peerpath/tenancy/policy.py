"""The one place that decides what each role may see and do.

Views, the API, exports and reports all ask this module; none of them compares
roles by hand. Object access is two checks: the object must belong to the acting
membership's organisation (enforced by the scoped selectors, which answer 404
otherwise) and the role must hold the capability (403 otherwise).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from peerpath.tenancy.models import Membership, Role


class Perm(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    MEMBER_LIST = "member.list"
    MEMBER_VIEW = "member.view"
    MEMBER_VIEW_IDENTIFIERS = "member.view_identifiers"  # national ID, address
    MEMBER_VIEW_CLINICAL = "member.view_clinical"  # diagnosis, clinical notes, scores
    MEMBER_CREATE = "member.create"
    MEMBER_EDIT = "member.edit"
    CONSENT_RECORD = "consent.record"
    STAGE_CHANGE = "stage.change"
    CARE_TEAM_ASSIGN = "care_team.assign"
    STAFF_MANAGE = "staff.manage"
    AUDIT_VIEW = "audit.view"
    RESEARCH_DATA = "research.data"
    MEASURE_VIEW = "measure.view"  # questionnaire answers and scores (clinical)
    MEASURE_RECORD = "measure.record"  # enter a paper form, send a self-report link
    MEASURE_PLAN = "measure.plan"  # the organisation's measurement plan
    INSTRUMENT_WORDING = "instrument.wording"  # enter licensed item wording locally
    # Professional track (employment)
    REFERRAL_MANAGE = "referral.manage"  # referrals and intake, the bridge from clinical care
    EMPLOYMENT_VIEW = "employment.view"  # jobs, endings, job search, support contacts
    EMPLOYMENT_RECORD = "employment.record"  # vocational profile, jobs, endings, job search
    EMPLOYER_MANAGE = "employer.manage"  # employers, job development contacts, openings
    SUPPORT_LOG = "support.log"  # log a support contact (peer leaders: peer-track contacts only)
    CASELOAD_VIEW = "caseload.view"
    # Alerts
    ALERT_VIEW = "alert.view"  # alerts (clinical ones only with MEMBER_VIEW_CLINICAL)
    ALERT_HANDLE = "alert.handle"  # acknowledge or resolve an alert
    ALERT_SETTINGS = "alert.settings"  # the organisation's alert thresholds
    # Peer track
    GROUP_VIEW = "group.view"  # peer leaders: only the groups they facilitate
    GROUP_MANAGE = "group.manage"  # create groups, roster, norms
    SESSION_RECORD = "session.record"  # attendance, norms upheld, feedback notes, incidents
    INCIDENT_CODE = "incident.code"  # code critical incidents to therapeutic factors
    PATHWAY_VIEW = "pathway.view"  # helper roles, training, readiness, helping contacts
    PATHWAY_RECORD = "pathway.record"  # role transitions and training completed
    HELPING_LOG = "helping.log"  # log a helping contact
    MENTOR_MATCH = "mentor.match"  # suggest and confirm peer mentors
    STORY_REVIEW = "story.review"  # review and publish hope-library stories
    NETWORK_VIEW = "network.view"  # the helping network (member codes, never names)
    # Data exchange
    API_TOKEN = "api.token"  # noqa: S105 - a capability name: create and revoke one's own API tokens
    DATA_IMPORT = "data.import"  # bulk imports (CSV, XLSX, REDCap records)
    EXPORT_RESEARCH = "export.research"  # de-identified research exports
    EXPORT_IDENTIFIABLE = "export.identifiable"  # identifiable exports, with a stated reason
    PATHWAY_CONFIGURE = "pathway.configure"  # training catalogue and readiness criteria
    # Outcomes
    REPORT_VIEW = "report.view"  # programme reports (aggregated; researchers: research-consented only)
    FIDELITY_REVIEW = "fidelity.review"  # record an IPS-25 fidelity review
    MEMBER_REPORT = "member.report"  # one member's progress report for a case conference
    REPORT_SETTINGS = "report.settings"  # stable-employment days and days without contact of the reports
    # Safety
    SAFETY_FOLLOW_UP = "safety.follow_up"  # see and record safety follow-ups (clinical)
    SAFETY_PLAN = "safety.plan"  # write a member's safety plan with them (clinical)
    SAFETY_ESCALATED = "safety.escalated"  # receive overdue safety follow-ups of every member
    SAFETY_SETTINGS = "safety.settings"  # the organisation's crisis contacts and follow-up time
    KIOSK_CALL = "safety.kiosk_call"  # be called to a member at the group kiosk (no clinical detail)


_CLINICAL_STAFF = {
    Perm.DASHBOARD_VIEW,
    Perm.MEMBER_LIST,
    Perm.MEMBER_VIEW,
    Perm.MEMBER_VIEW_IDENTIFIERS,
    Perm.MEMBER_VIEW_CLINICAL,
    Perm.MEMBER_CREATE,
    Perm.MEMBER_EDIT,
    Perm.CONSENT_RECORD,
    Perm.STAGE_CHANGE,
    Perm.CARE_TEAM_ASSIGN,
    Perm.MEASURE_VIEW,
    Perm.MEASURE_RECORD,
    Perm.REFERRAL_MANAGE,
    Perm.EMPLOYMENT_VIEW,
    Perm.EMPLOYMENT_RECORD,
    Perm.EMPLOYER_MANAGE,
    Perm.SUPPORT_LOG,
    Perm.CASELOAD_VIEW,
    Perm.ALERT_VIEW,
    Perm.ALERT_HANDLE,
    Perm.GROUP_VIEW,
    Perm.GROUP_MANAGE,
    Perm.SESSION_RECORD,
    Perm.INCIDENT_CODE,
    Perm.PATHWAY_VIEW,
    Perm.PATHWAY_RECORD,
    Perm.HELPING_LOG,
    Perm.NETWORK_VIEW,
    Perm.REPORT_VIEW,
    Perm.MEMBER_REPORT,
    Perm.SAFETY_FOLLOW_UP,
    Perm.SAFETY_PLAN,
    Perm.KIOSK_CALL,
}

# Peer leaders run groups and accompany members at work from the peer track: they
# see jobs and support contacts, log peer-track contacts, record their sessions and
# helping contacts, and see non-clinical alerts. Nothing clinical.
_PEER_LEADER = {
    Perm.DASHBOARD_VIEW,
    Perm.MEMBER_LIST,
    Perm.MEMBER_VIEW,
    Perm.EMPLOYMENT_VIEW,
    Perm.SUPPORT_LOG,
    Perm.ALERT_VIEW,
    Perm.ALERT_HANDLE,
    Perm.GROUP_VIEW,
    Perm.SESSION_RECORD,
    Perm.INCIDENT_CODE,
    Perm.PATHWAY_VIEW,
    Perm.HELPING_LOG,
    Perm.NETWORK_VIEW,
    Perm.KIOSK_CALL,
}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(
        _CLINICAL_STAFF
        | {Perm.STAFF_MANAGE, Perm.AUDIT_VIEW, Perm.MEASURE_PLAN, Perm.INSTRUMENT_WORDING, Perm.ALERT_SETTINGS,
           Perm.MENTOR_MATCH, Perm.STORY_REVIEW, Perm.PATHWAY_CONFIGURE, Perm.API_TOKEN, Perm.DATA_IMPORT,
           Perm.EXPORT_IDENTIFIABLE, Perm.FIDELITY_REVIEW, Perm.SAFETY_ESCALATED, Perm.SAFETY_SETTINGS,
           Perm.REPORT_SETTINGS}
    ),
    Role.COORDINATOR: frozenset(
        _CLINICAL_STAFF
        | {Perm.AUDIT_VIEW, Perm.RESEARCH_DATA, Perm.MEASURE_PLAN, Perm.ALERT_SETTINGS, Perm.MENTOR_MATCH,
           Perm.STORY_REVIEW, Perm.PATHWAY_CONFIGURE, Perm.API_TOKEN, Perm.DATA_IMPORT, Perm.EXPORT_RESEARCH,
           Perm.FIDELITY_REVIEW, Perm.SAFETY_ESCALATED, Perm.SAFETY_SETTINGS, Perm.REPORT_SETTINGS}
    ),
    Role.PROFESSIONAL: frozenset(_CLINICAL_STAFF | {Perm.API_TOKEN}),
    # Peer leaders see who members are and how to reach them, and the recovery
    # stage, but never clinical fields or official identifiers.
    Role.PEER_LEADER: frozenset(_PEER_LEADER | {Perm.API_TOKEN}),
    # Researchers see de-identified data of research-consented members only,
    # through exports and aggregated reports — never member records.
    Role.RESEARCHER: frozenset(
        {Perm.DASHBOARD_VIEW, Perm.RESEARCH_DATA, Perm.EXPORT_RESEARCH, Perm.API_TOKEN, Perm.REPORT_VIEW}
    ),
}

# Roles that see identifiable member data must pass a second factor.
ROLES_REQUIRING_2FA = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PROFESSIONAL, Role.PEER_LEADER})


def can(membership: Membership | None, perm: Perm) -> bool:
    """Whether the acting membership holds ``perm`` in its organisation."""
    if membership is None or not membership.is_active:
        return False
    return perm in ROLE_PERMS.get(membership.role, frozenset())


def require(membership: Membership | None, perm: Perm) -> None:
    """Raise ``PermissionDenied`` (403) unless the membership holds ``perm``."""
    if not can(membership, perm):
        raise PermissionDenied(perm.value)


def require_same_organisation(membership: Membership, *objects: Any) -> None:
    """Defence in depth for actions: the forms offer only the organisation's own
    objects, and an action refuses (403) anything of another organisation whatever its
    caller passes. ``None`` (an optional object left out) passes."""
    for obj in objects:
        if obj is not None and obj.organization_id != membership.organization_id:
            raise PermissionDenied("an object of another organisation")


def needs_second_factor(membership: Membership | None) -> bool:
    return membership is not None and membership.role in ROLES_REQUIRING_2FA


def perms_for(membership: Membership | None) -> dict[str, bool]:
    """A template-friendly map, e.g. ``perms_pp.member_edit``."""
    return {perm.name.lower(): can(membership, perm) for perm in Perm}


def member_visible_fields(membership: Membership | None) -> frozenset[str]:
    """Which member fields the membership may read (used by views and exports)."""
    base = {
        "code", "name", "preferred_name", "phone", "email", "birth_year", "gender",
        "enrolment_date", "status", "referral_source", "preferred_language", "stage",
    }
    if can(membership, Perm.MEMBER_VIEW_IDENTIFIERS):
        base |= {"national_id", "address", "emergency_contact"}
    if can(membership, Perm.MEMBER_VIEW_CLINICAL):
        base |= {"diagnosis", "clinical_notes"}
    return frozenset(base)


def redact(membership: Membership | None, field: str, value: Any) -> Any:
    """The value of a member field as this membership may see it (None if hidden)."""
    return value if field in member_visible_fields(membership) else None
