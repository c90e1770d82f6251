"""Who may see and change which group (the groups app's part of the policy).

Capabilities come from ``peerpath.tenancy.policy``; this module adds the group
scope: holders of GROUP_MANAGE (administrators, coordinators, professionals) see
every group of their organisation; other holders of GROUP_VIEW (peer leaders)
see only the groups they facilitate, as peer leader or as co-facilitator, and
may change the roster and the norms of those groups, not the group itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


def sees_all_groups(membership: Membership | None) -> bool:
    return can(membership, Perm.GROUP_MANAGE)


def facilitates(membership: Membership, group: Any) -> bool:
    return membership.user_id in (group.peer_leader_id, group.co_facilitator_id)


def visible_q(membership: Membership, prefix: str = "") -> Q:
    """The condition on groups (or on rows through ``prefix``, e.g. ``"group__"``)
    that the membership may see; the caller scopes to the organisation."""
    if sees_all_groups(membership):
        return Q()
    if not can(membership, Perm.GROUP_VIEW):
        return Q(pk__in=[])
    return Q(**{f"{prefix}peer_leader": membership.user_id}) | Q(**{f"{prefix}co_facilitator": membership.user_id})


def may_view(membership: Membership, group: Any) -> bool:
    return group.organization_id == membership.organization_id and can(membership, Perm.GROUP_VIEW) and (
        sees_all_groups(membership) or facilitates(membership, group)
    )


def may_change_roster_and_norms(membership: Membership, group: Any) -> bool:
    """Staff who manage groups, and the group's own facilitators."""
    return may_view(membership, group) and (sees_all_groups(membership) or facilitates(membership, group))


def may_record(membership: Membership, group: Any) -> bool:
    return may_view(membership, group) and can(membership, Perm.SESSION_RECORD)


def may_code(membership: Membership, group: Any) -> bool:
    return may_view(membership, group) and can(membership, Perm.INCIDENT_CODE)
