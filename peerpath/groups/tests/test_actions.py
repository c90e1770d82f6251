"""Writes of the groups app: scope, same-organisation checks, all-or-nothing, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from peerpath.audit.models import AccessLog
from peerpath.groups import actions
from peerpath.groups.actions import GroupRuleError, IncidentInput, SessionInput
from peerpath.groups.models import (
    Attendance,
    CriticalIncident,
    IncidentCoding,
    Norm,
    RosterEntry,
    Session,
)
from peerpath.groups.tests.conftest import days_ago, make_group


def session_input(g, **changes) -> SessionInput:
    data = {
        "date": days_ago(1), "theme": "和主管溝通", "facilitators": [],
        "attendance": {m.pk: "present" for m in g.members},
        "observations": [(g.norms[0], "upheld", "")],
        "feedback": [(g.members[0], g.members[1], "你剛剛說得很清楚")],
        "incidents": [IncidentInput(g.members[1], "聽到大家的經驗，我覺得有希望", False)],
    }
    data.update(changes)
    return SessionInput(**data)


def test_a_peer_leader_records_a_whole_session_of_their_group_with_audit(org_a, group_a):
    leader = org_a.staff["peer_leader"]
    session = actions.record_session(leader, group_a.group, session_input(group_a))
    assert Attendance.objects.filter(session=session).count() == 4
    assert session.norm_observations.get().observation == "upheld"
    assert session.feedback_notes.get().note == "你剛剛說得很清楚"
    incident = CriticalIncident.objects.get(session=session)
    events = list(AccessLog.objects.filter(organization=org_a.org).values_list("event", flat=True))
    assert "group.session_recorded" in events and "group.incident_recorded" in events
    assert incident.text == "聽到大家的經驗，我覺得有希望"


def test_incident_and_feedback_text_is_encrypted_at_rest(org_a, group_a):
    from django.db import connection

    session = actions.record_session(org_a.staff["peer_leader"], group_a.group, session_input(group_a))
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM groups_criticalincident WHERE session_id = %s", [session.pk])
        (raw,) = cursor.fetchone()
        cursor.execute("SELECT note FROM groups_feedbacknote WHERE session_id = %s", [session.pk])
        (note,) = cursor.fetchone()
    assert "希望" not in raw and "清楚" not in note


def test_a_peer_leader_cannot_record_a_group_they_do_not_facilitate(org_a):
    other = make_group(org_a, name="求職加油站", peer_leader=False)
    other.group.co_facilitator = None
    other.group.save()
    with pytest.raises(PermissionDenied):
        actions.record_session(org_a.staff["peer_leader"], other.group, session_input(other))
    assert not Session.objects.exists()


def test_a_researcher_cannot_record(org_a, group_a):
    with pytest.raises(PermissionDenied):
        actions.record_session(org_a.staff["researcher"], group_a.group, session_input(group_a))


def test_a_member_of_another_organisation_is_refused_and_nothing_is_saved(org_a, org_b, group_a):
    data = session_input(group_a, feedback=[(group_a.members[0], org_b.member, "x")])
    with pytest.raises(PermissionDenied):
        actions.record_session(org_a.staff["coordinator"], group_a.group, data)
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_attendance_must_cover_exactly_the_roster(org_a, group_a):
    data = session_input(group_a, attendance={m.pk: "present" for m in group_a.members[:3]})
    with pytest.raises(GroupRuleError):
        actions.record_session(org_a.staff["coordinator"], group_a.group, data)
    assert not Session.objects.exists()


def test_a_second_session_on_the_same_day_is_refused(org_a, group_a):
    actions.record_session(org_a.staff["coordinator"], group_a.group, session_input(group_a))
    with pytest.raises(GroupRuleError):
        actions.record_session(org_a.staff["coordinator"], group_a.group, session_input(group_a))
    assert Session.objects.count() == 1


def test_staff_of_another_organisation_cannot_touch_a_group(org_a, org_b, group_a):
    with pytest.raises(PermissionDenied):
        actions.record_session(org_b.staff["coordinator"], group_a.group, session_input(group_a))
    with pytest.raises(PermissionDenied):
        actions.add_to_roster(org_b.staff["coordinator"], group_a.group, org_b.member, joined_on=days_ago(1))


def test_roster_join_leave_and_rejoin(org_a, group_a):
    leader = org_a.staff["peer_leader"]
    entry = RosterEntry.objects.get(group=group_a.group, member=group_a.members[1])
    actions.end_roster_entry(leader, entry, left_on=days_ago(30))
    with pytest.raises(GroupRuleError):
        actions.add_to_roster(leader, group_a.group, group_a.members[1], joined_on=days_ago(40))
    actions.add_to_roster(leader, group_a.group, group_a.members[1], joined_on=days_ago(10))
    assert RosterEntry.objects.filter(group=group_a.group, member=group_a.members[1]).count() == 2
    with pytest.raises(GroupRuleError):
        actions.add_to_roster(leader, group_a.group, group_a.members[1], joined_on=days_ago(5))


def test_a_member_of_another_organisation_cannot_join_the_roster(org_a, org_b, group_a):
    with pytest.raises(PermissionDenied):
        actions.add_to_roster(org_a.staff["coordinator"], group_a.group, org_b.member, joined_on=days_ago(1))
    assert not RosterEntry.objects.filter(member=org_b.member).exists()


def test_a_revised_norm_retires_the_earlier_version_when_agreed(org_a, group_a):
    leader = org_a.staff["peer_leader"]
    old = group_a.norms[0]
    revision = actions.propose_norm(leader, group_a.group, text="一次一個人說話，說完再回應", proposed_by="A0001",
                                    proposed_on=days_ago(3), supersedes=old)
    old.refresh_from_db()
    assert old.state == "agreed" and revision.state == "proposed"
    actions.agree_norm(leader, revision, agreed_on=days_ago(2))
    old.refresh_from_db()
    assert old.retired_on == days_ago(2) and revision.state == "agreed"
    assert Norm.objects.get(pk=revision.pk).proposed_by == "A0001"
    with pytest.raises(GroupRuleError):
        actions.propose_norm(leader, group_a.group, text="x", proposed_by="", proposed_on=days_ago(1), supersedes=old)


def test_a_peer_leader_cannot_change_the_group_itself(org_a, group_a):
    with pytest.raises(PermissionDenied):
        actions.update_group(org_a.staff["peer_leader"], group_a.group, {"name": "新名字"})


def test_a_group_leader_must_be_a_peer_leader_of_the_organisation(org_a, org_b):
    data = {"name": "新團體", "kind": "open", "started_on": days_ago(1), "peer_leader": org_b.users["peer_leader"]}
    with pytest.raises(PermissionDenied):
        actions.create_group(org_a.staff["coordinator"], data)
    data["peer_leader"] = org_a.users["professional"]  # not a peer leader
    with pytest.raises(PermissionDenied):
        actions.create_group(org_a.staff["coordinator"], data)


def test_coding_first_and_second_coder(org_a, group_a):
    session = actions.record_session(org_a.staff["peer_leader"], group_a.group, session_input(group_a))
    incident = session.incidents.get()
    coordinator, professional = org_a.staff["coordinator"], org_a.staff["professional"]
    with pytest.raises(GroupRuleError):  # no first coding yet
        actions.code_incident(professional, incident, rank=2, factors=["hope"])
    actions.code_incident(coordinator, incident, rank=1, factors=["universality", "hope"])
    with pytest.raises(GroupRuleError):  # the same person cannot be the second coder
        actions.code_incident(coordinator, incident, rank=2, factors=["hope"])
    with pytest.raises(ValueError, match="insight"):  # not a factor of Yalom's set
        actions.code_incident(professional, incident, rank=2, factors=["insight"])
    actions.code_incident(professional, incident, rank=2, factors=["hope"])
    actions.code_incident(coordinator, incident, rank=1, factors=["hope"])  # revising one's own coding
    assert dict(IncidentCoding.objects.values_list("rank", "factors")) == {1: ["hope"], 2: ["hope"]}
    with pytest.raises(PermissionDenied):
        actions.code_incident(org_a.staff["researcher"], incident, rank=1, factors=["hope"])


def test_late_incidents_only_from_members_who_attended(org_a, group_a):
    attendance = {m.pk: "present" for m in group_a.members}
    attendance[group_a.members[2].pk] = "absent"
    session = actions.record_session(org_a.staff["peer_leader"], group_a.group,
                                     session_input(group_a, attendance=attendance))
    with pytest.raises(GroupRuleError):
        actions.add_incidents(org_a.staff["peer_leader"], session, [IncidentInput(group_a.members[2], "x")])
    actions.add_incidents(org_a.staff["peer_leader"], session, [IncidentInput(group_a.members[3], "今天很溫暖")])
    assert session.incidents.count() == 2
