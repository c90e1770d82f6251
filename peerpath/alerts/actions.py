"""Writes to alerts and alert settings: each one durable transaction with its
audit entry. (Raising and clearing alerts is ``compute.compute_alerts``.)"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from peerpath.alerts.compute import ComputeResult, compute_alerts
from peerpath.alerts.models import Alert, AlertSettings, Resolution, State
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.durable import durable_action
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can, require


def _check_alert(membership: Membership, alert: Alert) -> None:
    """Defence in depth: the views fetch alerts through ``alerts_visible_to``; the
    actions refuse another organisation's alert, or one the role may not see,
    whatever their caller passes."""
    if alert.organization_id != membership.organization_id:
        raise PermissionDenied("the alert belongs to another organisation")
    if not can(membership, Perm.MEMBER_VIEW_CLINICAL) and (alert.clinical or not alert.peer_track):
        raise PermissionDenied("this role may not see this alert")


@durable_action
def acknowledge(
    membership: Membership, alert: Alert, *, note: str = "", request: HttpRequest | None = None
) -> Alert:
    """Someone is on it: the alert stays on the lists, marked as acknowledged."""
    require(membership, Perm.ALERT_HANDLE)
    _check_alert(membership, alert)
    if alert.state != State.OPEN:
        raise ValueError("only an open alert can be acknowledged")
    alert.state = State.ACKNOWLEDGED
    alert.acknowledged_by = membership.user
    alert.acknowledged_at = timezone.now()
    alert.acknowledge_note = note
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "acknowledge_note"])
    audit.record_by(
        membership, Event.ALERT_ACKNOWLEDGED, target=alert, request=request,
        extra={"member": alert.member_id, "rule": alert.rule, "with_note": bool(note)},
    )
    return alert


@durable_action
def resolve(membership: Membership, alert: Alert, *, note: str, request: HttpRequest | None = None) -> Alert:
    """Resolved by hand, with a note saying what was done. The alert stays resolved
    while the same episode persists."""
    require(membership, Perm.ALERT_HANDLE)
    _check_alert(membership, alert)
    if not note.strip():
        raise ValueError("a resolution needs a note")
    if alert.state == State.RESOLVED:
        raise ValueError("the alert is already resolved")
    alert.state = State.RESOLVED
    alert.resolution = Resolution.BY_HAND
    alert.resolved_by = membership.user
    alert.resolved_at = timezone.now()
    alert.note = note
    alert.save(update_fields=["state", "resolution", "resolved_by", "resolved_at", "note"])
    audit.record_by(
        membership, Event.ALERT_RESOLVED, target=alert, request=request,
        extra={"member": alert.member_id, "rule": alert.rule},
    )
    return alert


@durable_action
def save_settings(
    membership: Membership, data: dict[str, Any], *, request: HttpRequest | None = None
) -> AlertSettings:
    """Set the organisation's thresholds (the form has checked their bounds)."""
    require(membership, Perm.ALERT_SETTINGS)
    unknown = set(data) - set(AlertSettings.THRESHOLD_FIELDS)
    if unknown:
        raise ValueError(f"not alert thresholds: {sorted(unknown)}")
    found = AlertSettings.objects.for_org(membership.organization).select_for_update().first()
    if found is None:
        found = AlertSettings(organization=membership.organization, updated_by=membership.user)
    changed = {name: value for name, value in data.items() if getattr(found, name) != value}
    if found.pk is not None and not changed:
        return found
    for name, value in data.items():
        setattr(found, name, value)
    found.updated_by = membership.user
    if found.pk is None:
        found.save()
    else:
        found.save(update_fields=[*data, "updated_by", "updated_at"])
    audit.record_by(
        membership, Event.ALERT_SETTINGS_CHANGED, target=found, request=request,
        extra={"changed": {name: value for name, value in changed.items()}},
    )
    return found


@durable_action
def recompute(membership: Membership, *, request: HttpRequest | None = None) -> ComputeResult:
    """"Recompute now": the organisation's alerts as of today, at a staff member's
    request (audited once, as the computation, with the staff member as actor)."""
    require(membership, Perm.ALERT_HANDLE)
    return compute_alerts.within(
        membership.organization, timezone.localdate(), actor=membership.user, request=request
    )
