"""The alert pages: who sees what, acknowledging and resolving, thresholds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpath.alerts.models import Alert, AlertSettings
from peerpath.audit.models import AccessLog, Event
from tests.factories import MemberFactory

from .conftest import days_ago, professional_for
from .factories import AlertFactory


def shown(client, url: str = "/alerts/") -> list[Alert]:
    response = client.get(url)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


@pytest.fixture
def three_alerts(org_a):
    """A job ending (both tracks), a safety answer (clinical) and an overdue
    questionnaire (the professional only), all about A0001."""
    member = org_a.member
    return {
        "job_ended": AlertFactory(member=member),
        "safety": AlertFactory(member=member, rule="safety", key="flag:1", clinical=True),
        "overdue": AlertFactory(member=member, rule="overdue", key="phq9:2026-01-01", audience=["professional"],
                                params={"instrument": "phq9", "date": "2026-01-01"}),
    }


def test_a_coordinator_sees_every_alert_with_its_reason_action_and_member(org_a, coordinator, three_alerts):
    assert {a.rule for a in shown(coordinator)} == {"job_ended", "safety", "overdue"}
    page = coordinator.get("/alerts/").content.decode()
    assert "A0001" in page and org_a.member.name in page
    assert f"Job ended on {three_alerts['job_ended'].started_on.isoformat()} (Quit); no contact from either track since." in page
    assert "Call or visit within two days; ask the peer mentor to check in." in page
    assert "Safety answer on PHQ-9" in page
    assert "Professional, Peer mentor" in page


def test_a_peer_leader_sees_only_non_clinical_alerts_of_the_peer_track(client_for, three_alerts):
    peer_leader = client_for("peer_leader")
    assert [a.rule for a in shown(peer_leader)] == ["job_ended"]
    page = peer_leader.get("/alerts/").content.decode()
    assert "Safety" not in page and "PHQ-9" not in page


def test_a_peer_leader_cannot_open_a_clinical_alert(client_for, three_alerts):
    peer_leader = client_for("peer_leader")
    for rule in ("safety", "overdue"):
        assert peer_leader.get(f"/alerts/{three_alerts[rule].pk}/resolve/").status_code == 404
        response = peer_leader.post(f"/alerts/{three_alerts[rule].pk}/resolve/", {"note": "x"})
        assert response.status_code == 404
    assert Alert.objects.filter(state="open").count() == 3


@pytest.mark.parametrize("role", ["researcher", "member"])
def test_researchers_and_portal_members_are_refused(client_for, org_a, three_alerts, role):
    from conftest import verified_client
    from peerpath.portal.models import MemberAccount
    from tests.factories import UserFactory

    if role == "member":
        user = UserFactory()
        MemberAccount.objects.create(organization=org_a.org, member=org_a.member, user=user,
                                     created_by=org_a.users["coordinator"])
        client = verified_client(user)
    else:
        client = client_for(role)
    assert client.get("/alerts/").status_code == 403
    assert client.get(f"/alerts/{three_alerts['job_ended'].pk}/acknowledge/").status_code == 403


def test_a_professional_sees_their_caseload_by_default_and_all_on_request(org_a, client_for, three_alerts):
    other = MemberFactory(organization=org_a.org, code="A0002")
    AlertFactory(member=other)
    professional = client_for("professional")
    assert shown(professional) == []  # no caseload yet
    professional_for(org_a, org_a.member)
    assert {a.member.code for a in shown(professional)} == {"A0001"}
    assert {a.member.code for a in shown(professional, "/alerts/?scope=all")} == {"A0001", "A0002"}
    assert shown(professional).__len__() == 3


def test_the_list_filters_by_rule_and_state(coordinator, three_alerts):
    three_alerts["overdue"].state = "resolved"
    three_alerts["overdue"].save(update_fields=["state"])
    assert {a.rule for a in shown(coordinator)} == {"job_ended", "safety"}
    assert [a.rule for a in shown(coordinator, "/alerts/?state=resolved")] == ["overdue"]
    assert [a.rule for a in shown(coordinator, "/alerts/?rule=safety")] == ["safety"]
    assert {a.rule for a in shown(coordinator, "/alerts/?rule=nonsense&state=nonsense")} == {"job_ended", "safety"}


def test_viewing_the_list_is_audited(coordinator, org_a, three_alerts):
    coordinator.get("/alerts/?rule=safety")
    entry = AccessLog.objects.filter(event=Event.ALERT_VIEW).latest("seq")
    assert entry.extra == {"page": 1, "shown": 1, "scope": "all", "rule": "safety", "state": "current"}


# -- acknowledge and resolve -------------------------------------------------------------


def test_acknowledging_with_a_note_keeps_the_alert_on_the_list(org_a, client_for, three_alerts):
    peer_leader = client_for("peer_leader")
    alert = three_alerts["job_ended"]
    page = peer_leader.get(f"/alerts/{alert.pk}/acknowledge/")
    assert page.status_code == 200 and "A0001" in page.content.decode()
    response = peer_leader.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "週四團體後當面關心。"})
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.acknowledge_note) == (
        "acknowledged", org_a.users["peer_leader"], "週四團體後當面關心。")
    assert alert in shown(peer_leader)
    entry = AccessLog.objects.get(event=Event.ALERT_ACKNOWLEDGED)
    assert entry.extra == {"member": alert.member_id, "rule": "job_ended", "with_note": True}
    assert "週四" not in str(entry.extra)


def test_resolving_needs_a_note_and_names_the_field(coordinator, three_alerts):
    alert = three_alerts["overdue"]
    response = coordinator.post(f"/alerts/{alert.pk}/resolve/", {"note": "   "})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    assert "Say what was done" in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == "open" and not AccessLog.objects.filter(event=Event.ALERT_RESOLVED).exists()


def test_resolving_with_a_note_resolves_by_hand_and_audits(org_a, coordinator, three_alerts):
    alert = three_alerts["overdue"]
    response = coordinator.post(f"/alerts/{alert.pk}/resolve/", {"note": "會員下週回診後再填", "next": "/members/A0001/"})
    assert response.status_code == 302 and response["Location"] == "/members/A0001/"
    alert.refresh_from_db()
    assert (alert.state, alert.resolution, alert.resolved_by, alert.note) == (
        "resolved", "by_hand", org_a.users["coordinator"], "會員下週回診後再填")
    assert AccessLog.objects.filter(event=Event.ALERT_RESOLVED, target_id=str(alert.pk)).exists()
    assert alert not in shown(coordinator)


def test_a_next_address_off_the_site_is_ignored(coordinator, three_alerts):
    alert = three_alerts["overdue"]
    response = coordinator.post(f"/alerts/{alert.pk}/resolve/", {"note": "done", "next": "https://evil.example/"})
    assert response["Location"] == "/alerts/"


def test_the_note_is_encrypted_at_rest(coordinator, three_alerts):
    alert = three_alerts["overdue"]
    coordinator.post(f"/alerts/{alert.pk}/resolve/", {"note": "會員下週回診後再填"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM alerts_alert WHERE id = %s", [alert.pk])
        (raw,) = cursor.fetchone()
    assert raw and "回診" not in raw


def test_a_resolved_alert_cannot_be_acknowledged_or_resolved_again(coordinator, three_alerts):
    alert = three_alerts["overdue"]
    coordinator.post(f"/alerts/{alert.pk}/resolve/", {"note": "done"})
    response = coordinator.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "again"})
    assert response.status_code == 302
    assert AccessLog.objects.filter(event=Event.ALERT_ACKNOWLEDGED).count() == 0


def test_another_organisations_alert_is_404_and_unchanged(client_for, org_b):
    theirs = AlertFactory(member=org_b.member)
    coordinator = client_for("coordinator")
    assert coordinator.get(f"/alerts/{theirs.pk}/resolve/").status_code == 404
    assert coordinator.post(f"/alerts/{theirs.pk}/resolve/", {"note": "x"}).status_code == 404
    assert coordinator.post(f"/alerts/{theirs.pk}/acknowledge/", {"note": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "open" and theirs not in shown(coordinator)


def test_the_actions_refuse_another_organisations_alert(org_a, org_b):
    from django.core.exceptions import PermissionDenied

    from peerpath.alerts import actions

    theirs = AlertFactory(member=org_b.member)
    with pytest.raises(PermissionDenied):
        actions.resolve(org_a.staff["admin"], theirs, note="x")
    with pytest.raises(PermissionDenied):
        actions.acknowledge(org_a.staff["admin"], theirs)
    theirs.refresh_from_db()
    assert theirs.state == "open"


def test_the_actions_refuse_a_clinical_alert_to_a_peer_leader(org_a, three_alerts):
    from django.core.exceptions import PermissionDenied

    from peerpath.alerts import actions

    with pytest.raises(PermissionDenied):
        actions.acknowledge(org_a.staff["peer_leader"], three_alerts["safety"])


# -- recompute now ---------------------------------------------------------------------


def test_recompute_now_raises_alerts_and_says_how_many(org_a, client_for):
    new = MemberFactory(organization=org_a.org, code="A0002", enrolment_date=days_ago(20))
    response = client_for("professional").post("/alerts/recompute/", follow=True)
    # A0001 has been enrolled 200 days without a helping contact (isolated); A0002 is
    # new and has no peer mentor.
    assert set(Alert.objects.values_list("member", "rule")) == {(org_a.member.pk, "isolated"), (new.pk, "no_mentor")}
    assert "Alerts brought up to date: 2 raised, 0 cleared, 2 open" in response.content.decode()
    entry = AccessLog.objects.get(event=Event.ALERTS_COMPUTED)
    assert entry.actor == org_a.users["professional"] and entry.extra["raised"] == 2


def test_recompute_is_refused_to_researchers(client_for):
    assert client_for("researcher").post("/alerts/recompute/").status_code == 403
    assert not Alert.objects.exists()


# -- thresholds ------------------------------------------------------------------------


VALID = {"no_contact_days": "21", "job_end_contact_days": "5", "missed_sessions": "4", "mentor_days": "30",
         "new_member_days": "120", "isolation_days": "90", "overdue": ""}


def test_the_settings_page_starts_from_the_defaults(coordinator):
    form = coordinator.get("/alerts/settings/").context["form"]
    assert form["no_contact_days"].value() == 14 and form["overdue"].value() is True


def test_saving_thresholds_is_audited_and_applies(org_a, coordinator):
    response = coordinator.post("/alerts/settings/", VALID)
    assert response.status_code == 302
    saved = AlertSettings.objects.get(organization=org_a.org)
    assert (saved.no_contact_days, saved.missed_sessions, saved.overdue) == (21, 4, False)
    entry = AccessLog.objects.get(event=Event.ALERT_SETTINGS_CHANGED)
    assert entry.extra["changed"]["no_contact_days"] == 21
    coordinator.post("/alerts/settings/", {**VALID, "no_contact_days": "30"})
    assert AlertSettings.objects.get(organization=org_a.org).no_contact_days == 30
    assert AlertSettings.objects.count() == 1


@pytest.mark.parametrize("field,value", [
    ("no_contact_days", "2"), ("no_contact_days", "91"), ("missed_sessions", "1"), ("isolation_days", "abc"),
    ("new_member_days", "30"),  # not longer than mentor_days (30)
])
def test_a_threshold_out_of_bounds_names_the_field_and_saves_nothing(coordinator, field, value):
    response = coordinator.post("/alerts/settings/", {**VALID, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AlertSettings.objects.exists()
    assert not AccessLog.objects.filter(event=Event.ALERT_SETTINGS_CHANGED).exists()


def test_the_bounds_are_stated_in_the_error(coordinator):
    response = coordinator.post("/alerts/settings/", {**VALID, "no_contact_days": "200"})
    assert response.context["form"].errors["no_contact_days"] == ["Enter a number from 3 to 90."]


def test_professionals_and_peer_leaders_cannot_change_thresholds(client_for):
    for role in ("professional", "peer_leader"):
        assert client_for(role).post("/alerts/settings/", VALID).status_code == 403
    assert not AlertSettings.objects.exists()


# -- query counts ----------------------------------------------------------------------


def _alerts(org_a, start: int, stop: int) -> None:
    """Alerts open, acknowledged and resolved, half of them on the coordinator's caseload."""
    for i in range(start, stop):
        member = MemberFactory(organization=org_a.org, code=f"M{i:04d}")
        if i % 2:
            professional_for(org_a, member, role="coordinator")
        alert = AlertFactory(member=member)
        if i % 3 == 1:
            alert.state, alert.acknowledged_by = "acknowledged", org_a.users["peer_leader"]
        elif i % 3 == 2:
            alert.state, alert.resolved_by = "resolved", org_a.users["professional"]
        alert.save(update_fields=["state", "acknowledged_by", "resolved_by"])


def _count(client, url: str) -> list[str]:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


# 4 before the view; the count and the page of alerts (with members and staff names);
# the audit entry (5); 3 after.
LIST_QUERIES = 4 + 2 + 5 + 3


@pytest.mark.parametrize("url", ["/alerts/", "/alerts/?scope=mine", "/alerts/?state=resolved&rule=job_ended"])
def test_the_list_costs_the_same_with_3_or_30_alerts(org_a, coordinator, url):
    _alerts(org_a, 0, 3)
    few = _count(coordinator, url)
    _alerts(org_a, 3, 30)
    many = _count(coordinator, url)
    assert len(few) == len(many) == LIST_QUERIES, "\n".join(many)
