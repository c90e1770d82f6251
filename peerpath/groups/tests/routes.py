"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

ANON, MEMBER = "anonymous", "member"
STAFF = ("admin", "coordinator", "professional", "peer_leader", "researcher")

# Peer leaders see and record the groups they facilitate (the example group is theirs).
GROUP_READERS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 200,
                 "researcher": 403}
GROUP_MANAGERS = {**GROUP_READERS, "peer_leader": 403}
POST_ONLY_RECORDERS = {**GROUP_READERS, "admin": 405, "coordinator": 405, "professional": 405, "peer_leader": 405}
# Kiosk pages answer only a browser holding a kiosk grant (none in these requests).
NO_KIOSK = {ANON: 403, **{r: 403 for r in STAFF}, MEMBER: 403}
POST_ONLY_ANYONE = {ANON: 405, **{r: 405 for r in STAFF}, MEMBER: 405}

MATRIX: dict[str, dict[str, object]] = {
    "group_list": GROUP_READERS,
    "group_create": GROUP_MANAGERS,
    "group_detail": GROUP_READERS,
    "group_edit": GROUP_MANAGERS,
    "group_roster": GROUP_READERS,  # peer leaders change the roster of their own groups
    "group_norms": GROUP_READERS,  # and propose and agree their norms
    "session_record": GROUP_READERS,
    "session_detail": GROUP_READERS,
    "incidents_add": GROUP_READERS,
    "incident_code": GROUP_READERS,
    "kiosk_start": POST_ONLY_RECORDERS,
    "kiosk_home": NO_KIOSK,
    "kiosk_continue": NO_KIOSK,
    "kiosk_member": POST_ONLY_ANYONE,
    "kiosk_leave": POST_ONLY_ANYONE,
    "my_reflections": {ANON: "login", **{r: 403 for r in STAFF}, MEMBER: 200},
}
OBJECT_ROUTES: set[str] = {
    "group_detail", "group_edit", "group_roster", "group_norms", "session_record", "session_detail",
    "incidents_add", "incident_code", "kiosk_start",
}
GET_ONLY: set[str] = {"group_detail", "session_detail"}
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = [
    "groups.PeerGroup", "groups.RosterEntry", "groups.Norm", "groups.Session", "groups.Attendance",
    "groups.NormObservation", "groups.FeedbackNote", "groups.CriticalIncident", "groups.IncidentCoding",
    "measures.Administration",
]

NAMES = set(MATRIX)


def setup(tenant: SimpleNamespace) -> None:
    """A group led by the tenant's peer leader with the tenant's professional, the
    tenant's member on its roster, an agreed norm and a session with one incident."""
    from peerpath.groups.models import (
        Attendance,
        CriticalIncident,
        Norm,
        PeerGroup,
        RosterEntry,
        Session,
    )

    org, users = tenant.org, tenant.users
    today = timezone.localdate()
    tenant.group = PeerGroup.objects.create(
        organization=org, name="職場支持團體", kind="job_retention", peer_leader=users["peer_leader"],
        co_facilitator=users["professional"], started_on=today - dt.timedelta(days=90),
    )
    RosterEntry.objects.create(organization=org, group=tenant.group, member=tenant.member,
                               joined_on=today - dt.timedelta(days=60))
    Norm.objects.create(organization=org, group=tenant.group, text="輪流發言", proposed_on=today - dt.timedelta(days=60),
                        agreed_on=today - dt.timedelta(days=60), created_by=users["peer_leader"])
    tenant.session = Session.objects.create(organization=org, group=tenant.group, date=today - dt.timedelta(days=7),
                                            recorded_by=users["peer_leader"])
    Attendance.objects.create(organization=org, session=tenant.session, member=tenant.member, status="present")
    tenant.incident = CriticalIncident.objects.create(
        organization=org, session=tenant.session, member=tenant.member, text="聽到別人找到工作，我也有希望。",
        recorded_by=users["peer_leader"],
    )


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name not in NAMES or not hasattr(tenant, "group"):
        return {}
    return {
        "<int:pk>": str(tenant.group.pk),
        "<int:session_id>": str(tenant.session.pk),
        "<int:incident_id>": str(tenant.incident.pk),
    }
