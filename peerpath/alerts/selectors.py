"""Scoped, policy-checked reads of alerts. ``alerts_visible_to`` is the one place
that decides which alerts a staff membership sees; every page starts from it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from peerpath.alerts import rules
from peerpath.alerts.models import UNRESOLVED, Alert, AlertSettings, Rule, State
from peerpath.members import precompiled
from peerpath.members.models import CareRole, CareTeamAssignment, Member
from peerpath.tenancy.models import Membership, Organization
from peerpath.tenancy.policy import Perm, can, require

SCOPES = ("mine", "all")
# State filter of the list: "current" = open or acknowledged (not yet resolved).
STATE_FILTERS = ("current", State.OPEN.value, State.ACKNOWLEDGED.value, State.RESOLVED.value)


def alerts_visible_to(membership: Membership) -> QuerySet[Alert]:
    """The organisation's alerts the membership may see: every one for roles with
    clinical access; for the others (peer leaders) only non-clinical alerts that
    prompt the peer track (a peer mentor or the peer leaders)."""
    require(membership, Perm.ALERT_VIEW)
    alerts = Alert.objects.for_org(membership.organization)
    if not can(membership, Perm.MEMBER_VIEW_CLINICAL):
        alerts = alerts.filter(clinical=False, peer_track=True)
    return alerts


def default_scope(membership: Membership) -> str:
    """"mine" (the viewer's caseload) for professionals; "all" for those who
    oversee the programme (alert settings) and for the peer track, which has no
    caseload of its own."""
    if can(membership, Perm.ALERT_SETTINGS) or not can(membership, Perm.MEMBER_VIEW_CLINICAL):
        return "all"
    return "mine"


def _my_caseload(membership: Membership) -> Exists:
    return Exists(CareTeamAssignment.objects.filter(
        member=OuterRef("member"), role=CareRole.PROFESSIONAL, professional=membership.user,
        ended_on__isnull=True,
    ))


def alert_list(membership: Membership, *, scope: str, rule: str = "", state: str = "current") -> QuerySet[Alert]:
    """The alert list page: newest first, with each alert's member."""
    alerts = alerts_visible_to(membership)
    if scope == "mine":
        alerts = alerts.filter(_my_caseload(membership))
    if rule in Rule.values:
        alerts = alerts.filter(rule=rule)
    if state == "current":
        alerts = alerts.filter(state__in=UNRESOLVED)
    elif state in State.values:
        alerts = alerts.filter(state=state)
    return alerts.select_related("member", "acknowledged_by", "resolved_by").order_by("-raised_at", "-pk")


def get_alert(membership: Membership, pk: int) -> Alert:
    """One alert the membership may see (404 for another organisation's, or one
    the role may not see)."""
    try:
        return alerts_visible_to(membership).select_related("member", "acknowledged_by").get(pk=pk)
    except Alert.DoesNotExist:
        raise Http404("No such alert") from None


def unresolved_visible_to(membership: Membership) -> QuerySet[Alert]:
    """The unresolved alerts the membership may see, newest first, with who
    acknowledged them: what the caseload and the member page list."""
    return (alerts_visible_to(membership).filter(state__in=UNRESOLVED)
            .select_related("acknowledged_by").order_by("-raised_at", "-pk"))


def open_alerts_among(membership: Membership, key: tuple[Any, ...], members: Callable[..., QuerySet[Any]],
                      values: Mapping[str, Any]) -> dict[int, list[Alert]]:
    """The unresolved alerts the membership may see (``unresolved_visible_to``) of the
    members ``members(organization=…, **values)`` selects (a queryset of member ids
    whose shape ``key`` names: the caseload's, for a professional or for everyone),
    by member, newest first. Compiled once per role and shape and run as a prepared
    statement (the caseload asks on every view; a list of ids made the query be built
    anew each time)."""
    require(membership, Perm.ALERT_VIEW)
    found: dict[int, list[Alert]] = defaultdict(list)
    for alert in precompiled.objects(("alerts.open_among", membership.role, *key),
                                     partial(_open_among, membership.role, members),
                                     {"organization": membership.organization_id, **values}, prepared=True):
        found[alert.member_id].append(alert)
    return found


def _open_among(role: str, members: Callable[..., QuerySet[Any]], organization: int, **values: Any) -> QuerySet[Alert]:
    viewer = Membership.stand_in(organization, role)
    return unresolved_visible_to(viewer).filter(member_id__in=members(organization=organization, **values))


def dashboard_alerts(membership: Membership, limit: int = 10) -> tuple[list[Alert], int]:
    """The newest unresolved alerts the membership may see (at most ``limit``),
    and how many there are in all: one query, compiled once per role (which alerts
    the role may see is the shape of the query) and run as a prepared statement
    (planned once per connection: ``members.precompiled``)."""
    require(membership, Perm.ALERT_VIEW)
    newest = precompiled.objects(("alerts.dashboard", membership.role, limit),
                                 partial(_dashboard_alerts, membership.role, limit),
                                 {"organization": membership.organization_id}, prepared=True)
    return newest, newest[0].total if newest else 0


def _dashboard_alerts(role: str, limit: int, organization: int) -> QuerySet[Alert]:
    """``dashboard_alerts``' query for a stand-in viewer of ``role`` (the policy reads
    only the role): the newest open alerts with their members, each with the count of
    all of them (a subquery the database runs once)."""
    alerts = alerts_visible_to(Membership.stand_in(organization, role)).filter(state__in=UNRESOLVED)
    total = alerts.order_by().values("organization_id").annotate(n=Count("pk")).values("n")
    return (alerts.select_related("member", "acknowledged_by").annotate(total=Subquery(total))
            .order_by("-raised_at", "-pk")[:limit])


def thresholds_of(organization: Organization) -> rules.Thresholds:
    """The organisation's thresholds, or the defaults when it has set none."""
    found = AlertSettings.objects.for_org(organization).first()
    return found.thresholds() if found is not None else rules.Thresholds()


def settings_of(membership: Membership) -> AlertSettings | None:
    require(membership, Perm.ALERT_SETTINGS)
    return AlertSettings.objects.for_org(membership.organization).first()


def mentee_prompts(mentor: Member) -> list[tuple[Alert, Member]]:
    """For a member who is a current peer mentor: the unresolved, non-clinical
    alerts that prompt the peer mentor about their current mentees, with the mentee
    (two queries). No staff policy applies: this is what the peer track shows a
    mentor, and only about their own mentees."""
    mentees = {
        a.member_id: a.member
        for a in CareTeamAssignment.objects.filter(organization_id=mentor.organization_id)
        .filter(mentor=mentor, role=CareRole.PEER_MENTOR, ended_on__isnull=True)
        .select_related("member")
    }
    if not mentees:
        return []
    alerts = Alert.objects.filter(organization_id=mentor.organization_id).filter(
        member_id__in=list(mentees), state__in=UNRESOLVED, clinical=False, peer_track=True,
        rule__in=list(rules.MENTOR_PROMPTS),
    ).order_by("-raised_at", "-pk")
    return [(a, mentees[a.member_id]) for a in alerts if rules.PEER_MENTOR in a.audience]
