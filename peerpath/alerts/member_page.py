"""What the alerts app adds to the member page: timeline providers and panels."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from peerpath.alerts import rules, selectors, texts
from peerpath.alerts.models import Alert, Resolution
from peerpath.members import panels, precompiled
from peerpath.members.models import Member
from peerpath.members.timeline import (
    Source,
    TimelineEntry,
    Track,
    local_date,
    plain,
    register,
    staff_columns,
    staff_name,
)
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


def _track() -> Case:
    """The track the alert prompts: professional when it prompts the professional
    (cross-track alerts too), else peer (the audience is a JSON list: its text is
    searched, the same on every database)."""
    prompts_professional = GreaterThan(StrIndex(Cast("audience", TextField()), Value(f'"{rules.PROFESSIONAL}"')), 0)
    return Case(When(prompts_professional, then=Value(Track.PROFESSIONAL)), default=Value(Track.PEER),
                output_field=CharField())


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@register
def alerts(member: Member) -> list[Source]:
    """Alerts raised and resolved. An alert the peer track is not shown (clinical,
    or for the professional only) is marked clinical, so that roles without clinical
    access see on the timeline exactly the alerts they see on the alert pages."""
    rows = Alert.objects.filter(organization_id=member.organization_id, member=member)
    hidden = Q(clinical=True) | Q(peer_track=False)
    columns = {"rule": F("rule"), "message": F("message"), "params": F("params"), "clinical": F("clinical"),
               "peer_track": F("peer_track")}

    def alert_of(d: dict[str, Any]) -> Alert:
        return Alert(rule=d["rule"], message=d["message"], params=_json(d["params"]) or {})

    def is_hidden(d: dict[str, Any]) -> bool:
        return bool(d["clinical"]) or not d["peer_track"]

    def raised(d: dict[str, Any]) -> TimelineEntry:
        alert = alert_of(d)
        return TimelineEntry(date=d["_date"], kind="alert.raised", title=_("Alert: %(rule)s") % {
            "rule": alert.get_rule_display()}, detail=texts.reason(alert), clinical=is_hidden(d))

    def resolved(d: dict[str, Any]) -> TimelineEntry:
        rule = alert_of(d).get_rule_display()
        cleared = d["resolution"] == Resolution.CLEARED
        return TimelineEntry(
            date=d["_date"], kind="alert.resolved",
            title=(_("Alert cleared: %(rule)s") if cleared else _("Alert resolved: %(rule)s")) % {"rule": rule},
            detail=_("The condition cleared.") if cleared else plain(d["note"]),
            private_detail=not cleared,  # a note may hold personal detail
            by=staff_name(d, "by"), clinical=is_hidden(d),
        )

    return [
        Source(name="alert.raised", queryset=rows, date=local_date("raised_at"), at=F("raised_at"), track=_track(),
               clinical=hidden, columns=columns, render=raised),
        Source(name="alert.resolved", queryset=rows.filter(resolved_at__isnull=False), date=local_date("resolved_at"),
               at=F("resolved_at"), track=_track(), clinical=hidden, render=resolved,
               columns={**columns, "resolution": F("resolution"), "note": F("note"),
                        **staff_columns("by", "resolved_by")}),
    ]


@panels.register
def open_alerts(member: Member, membership: Membership) -> panels.Panel | None:
    """The member's unresolved alerts as the viewer may see them (one query);
    nothing when there are none."""
    if not can(membership, Perm.ALERT_VIEW):
        return None
    # ``selectors.unresolved_visible_to`` for one member, compiled once per role (which alerts the
    # role may see is the shape of the query) and run with this page's values as a
    # prepared statement (planned once per connection: ``precompiled``).
    found = precompiled.objects(("alerts.panel", membership.role, membership.is_active),
                                partial(_open_alerts, membership.role),
                                {"organization": membership.organization_id, "member": member.pk}, prepared=True)
    if not found:
        return None
    return panels.Panel(template="alerts/_panel.html", title=_("Open alerts"), context={"alerts": found})


def _open_alerts(role: str, organization: int, member: int) -> QuerySet[Alert]:
    """What ``selectors.unresolved_visible_to`` lists of one member, for a stand-in
    viewer of ``role`` (the policy reads only the role)."""
    return selectors.unresolved_visible_to(Membership.stand_in(organization, role)).filter(member_id=member)
