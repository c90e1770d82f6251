"""What the alerts app adds to the member page: timeline providers and panels."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.alerts import rules, selectors, texts
from peerpath.alerts.models import Alert, Resolution
from peerpath.members import panels
from peerpath.members.models import Member
from peerpath.members.timeline import TimelineEntry, Track, register
from peerpath.tenancy.models import Membership, display_name
from peerpath.tenancy.policy import Perm, can


def _track(alert: Alert) -> str:
    """The track the alert prompts: professional when it prompts the professional
    (cross-track alerts too), else peer."""
    return Track.PROFESSIONAL if rules.PROFESSIONAL in alert.audience else Track.PEER


@register
def alerts(member: Member) -> list[TimelineEntry]:
    """Alerts raised and resolved, in one query. An alert the peer track is not
    shown (clinical, or for the professional only) is marked clinical, so that
    roles without clinical access see on the timeline exactly the alerts they see
    on the alert pages."""
    entries = []
    rows = Alert.objects.for_org(member.organization).filter(member=member).select_related("resolved_by")
    for a in rows:
        hidden = a.clinical or not a.peer_track
        rule = a.get_rule_display()
        entries.append(TimelineEntry(
            date=timezone.localdate(a.raised_at), kind="alert.raised", track=_track(a),
            title=_("Alert: %(rule)s") % {"rule": rule}, detail=texts.reason(a), clinical=hidden,
            sort_key=(str(a.raised_at),),
        ))
        if a.resolved_at is not None:
            cleared = a.resolution == Resolution.CLEARED
            entries.append(TimelineEntry(
                date=timezone.localdate(a.resolved_at), kind="alert.resolved", track=_track(a),
                title=(_("Alert cleared: %(rule)s") if cleared else _("Alert resolved: %(rule)s")) % {"rule": rule},
                detail=_("The condition cleared.") if cleared else a.note,
                private_detail=not cleared,  # a note may hold personal detail
                by=display_name(a.resolved_by) if a.resolved_by else "",
                clinical=hidden, sort_key=(str(a.resolved_at),),
            ))
    return entries


@panels.register
def open_alerts(member: Member, membership: Membership) -> panels.Panel | None:
    """The member's unresolved alerts as the viewer may see them (one query);
    nothing when there are none."""
    if not can(membership, Perm.ALERT_VIEW):
        return None
    found = selectors.open_alerts_for(membership, [member.pk]).get(member.pk, [])
    if not found:
        return None
    return panels.Panel(template="alerts/_panel.html", title=_("Open alerts"), context={"alerts": found})
