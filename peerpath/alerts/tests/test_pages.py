"""Alerts where people already look: the dashboard, the member page, the portal
of a peer mentor; and the whole round: see an alert, act, see it clear."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from peerpath.alerts.models import Alert
from peerpath.alerts.selectors import open_alerts_among
from peerpath.alerts.texts import reason
from peerpath.audit.models import AccessLog, Event
from peerpath.members.models import Member
from peerpath.members.tests.test_query_counts import is_timeline, statement
from peerpath.portal.models import MemberAccount
from tests.factories import MemberFactory, UserFactory

from .conftest import (
    compute,
    days_ago,
    end_job,
    mentor_for,
    professional_for,
    safety_flag,
    start_job,
    workplace_visit,
)
from .factories import AlertFactory


def listed(client, url: str = "/alerts/") -> set[str]:
    """The alerts the list page shows, as "rule label: reason" lines."""
    response = client.get(url)
    page = html.unescape(response.content.decode())
    found = {f"{a.get_rule_display()}: {reason(a)}" for a in response.context["page"].object_list}
    assert all(line.split(": ", 1)[1] in page for line in found)
    return found


def test_done_when_see_alerts_log_a_visit_record_a_start_and_an_ending_see_the_alert_clear(
    org_a, client_for, settled
):
    professional = client_for("professional")
    professional_for(org_a, settled)
    job = start_job(org_a, settled, days=20)
    professional.post("/alerts/recompute/")
    assert listed(professional) == {
        f"In work, no contact: In work since {days_ago(20).isoformat()}; "
        "no contact from either track since the job started."
    }

    workplace_visit(org_a, settled, days=0)  # a workplace visit from the professional track
    professional.post("/alerts/recompute/")
    assert listed(professional) == set()
    assert "condition cleared" in professional.get("/alerts/?state=resolved").content.decode()

    end_job(org_a, job, days=0)
    professional.post("/alerts/recompute/")
    assert listed(professional) == set()  # the ending is today: not 7 days yet
    # a week later, with no contact from either track since the ending
    job.ending.ended_on = job.end_date = days_ago(7)
    job.ending.save(update_fields=["ended_on"])
    job.save(update_fields=["end_date"])
    settled.support_contacts.update(contacted_on=days_ago(8))
    professional.post("/alerts/recompute/")
    assert listed(professional) == {
        f"Job ended, no contact since: Job ended on {days_ago(7).isoformat()} (Quit); "
        "no contact from either track since."
    }
    assert "Professional, Peer mentor" in professional.get("/alerts/").content.decode()

    workplace_visit(org_a, settled, days=0, track="peer")  # the peer track checks in
    professional.post("/alerts/recompute/")
    assert listed(professional) == set()
    assert set(Alert.objects.filter(member=settled).values_list("rule", "state", "resolution")) == {
        ("no_contact", "resolved", "cleared"), ("job_ended", "resolved", "cleared")}


# -- the dashboard ---------------------------------------------------------------------


def test_the_dashboard_shows_the_newest_ten_open_alerts_and_the_count(org_a, coordinator):
    for i in range(12):
        AlertFactory(member=MemberFactory(organization=org_a.org, code=f"M{i:04d}"))
    AlertFactory(member=org_a.member, state="resolved")
    response = coordinator.get("/dashboard/")
    assert len(response.context["alerts"]) == 10 and response.context["alerts_total"] == 12
    page = response.content.decode()
    assert "12 open alerts." in page and "The newest 10 are shown." in page
    assert AccessLog.objects.filter(event=Event.ALERT_VIEW, extra__page="dashboard").exists()


def test_the_dashboard_shows_a_peer_leader_no_clinical_alert(org_a, client_for):
    AlertFactory(member=org_a.member, rule="safety", key="flag:1", clinical=True)
    response = client_for("peer_leader").get("/dashboard/")
    assert response.context["alerts"] == [] and "No open alerts." in response.content.decode()


def test_researchers_have_no_alerts_section(client_for, org_a):
    AlertFactory(member=org_a.member)
    assert "alerts" not in client_for("researcher").get("/dashboard/").context


# -- the member page -------------------------------------------------------------------


def test_the_member_page_shows_open_alerts_with_links_to_handle_them(org_a, coordinator):
    alert = AlertFactory(member=org_a.member)
    page = coordinator.get("/members/A0001/").content.decode()
    assert "Open alerts" in page and "Job ended, no contact since" in page
    assert f"/alerts/{alert.pk}/resolve/?next=/members/A0001/" in page


def test_the_member_page_hides_clinical_alerts_from_a_peer_leader(org_a, client_for):
    AlertFactory(member=org_a.member, rule="safety", key="flag:1", clinical=True)
    page = client_for("peer_leader").get("/members/A0001/").content.decode()
    assert "Open alerts" not in page and "Safety answer" not in page


def test_the_timeline_shows_alerts_raised_and_resolved_on_the_prompted_track(org_a, coordinator):
    from peerpath.alerts import actions

    alert = AlertFactory(member=org_a.member, rule="missed_sessions", key="k", audience=["peer_leader"],
                         params={"count": 3, "date": days_ago(14).isoformat()})
    actions.resolve(org_a.staff["peer_leader"], alert, note="已聯絡，下週回來")
    timeline = coordinator.get("/members/A0001/").context["timeline"]
    entries = {e.kind: e for e in timeline if e.kind.startswith("alert.")}
    assert entries["alert.raised"].title == "Alert: Missed group sessions"
    assert entries["alert.raised"].track == "peer" and not entries["alert.raised"].clinical
    assert entries["alert.resolved"].detail == "已聯絡，下週回來" and entries["alert.resolved"].private_detail


def test_the_timeline_hides_clinical_and_professional_only_alerts_from_peer_leaders(org_a, client_for):
    AlertFactory(member=org_a.member, rule="safety", key="flag:1", clinical=True)
    AlertFactory(member=org_a.member, rule="overdue", key="phq9", audience=["professional"],
                 params={"instrument": "phq9", "date": days_ago(30).isoformat()})
    kinds = [e.kind for e in client_for("peer_leader").get("/members/A0001/").context["timeline"]]
    assert "alert.raised" not in kinds
    coordinator_kinds = [e.kind for e in client_for("coordinator").get("/members/A0001/").context["timeline"]]
    assert coordinator_kinds.count("alert.raised") == 2


def _alert_queries(client) -> int:
    client.get("/members/A0001/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/members/A0001/")
    return sum(1 for q in ctx.captured_queries if "alerts_alert" in statement(q) or is_timeline(q))


@pytest.mark.parametrize("role", ["coordinator", "peer_leader"])
def test_the_member_page_reads_alerts_in_two_queries_however_many(org_a, client_for, role):
    client = client_for(role)
    for _ in range(3):
        AlertFactory(member=org_a.member, acknowledged_by=org_a.users["coordinator"], state="acknowledged")
    few = _alert_queries(client)
    for i in range(30):
        AlertFactory(member=org_a.member, state="resolved" if i % 2 else "open",
                     resolved_by=org_a.users["coordinator"] if i % 2 else None)
    assert few == _alert_queries(client) == 2  # the panel and the timeline provider


def _everyone(organization: int) -> object:
    return Member.objects.filter(organization_id=organization).values("pk")


def test_open_alerts_among_answers_for_many_members_in_one_query(org_a, django_assert_num_queries):
    members = [MemberFactory(organization=org_a.org) for _ in range(5)]
    for m in members:
        AlertFactory(member=m)
    AlertFactory(member=members[0], rule="safety", key="flag:1", clinical=True)  # not the peer leader's to see
    with django_assert_num_queries(1):
        found = open_alerts_among(org_a.staff["peer_leader"], ("test.everyone",), _everyone, {})
    assert {pk: len(alerts) for pk, alerts in found.items()} == {m.pk: 1 for m in members}


# -- the portal of a peer mentor -------------------------------------------------------


def portal_client(org_a, member) -> Client:
    user = UserFactory()
    MemberAccount.objects.create(organization=org_a.org, member=member, user=user,
                                 created_by=org_a.users["coordinator"])
    client = Client()
    client.force_login(user)
    return client


def test_a_peer_mentor_is_prompted_about_a_mentee_by_name_never_with_clinical_content(org_a, settled):
    mentor = settled.care_team.get(role="peer_mentor").mentor
    settled.preferred_name = "小明"
    settled.save(update_fields=["preferred_name"])
    end_job(org_a, start_job(org_a, settled, days=100), days=10, reason="fired")
    safety_flag(org_a, settled)
    compute(org_a)
    page = html.unescape(portal_client(org_a, mentor).get("/me/").content.decode())
    assert f"小明's job ended on {days_ago(10).isoformat()}. A check-in from you would help." in page
    assert "Safety" not in page and "PHQ" not in page and "Fired" not in page


def test_a_member_who_mentors_no_one_sees_no_prompt(org_a, settled):
    end_job(org_a, start_job(org_a, settled, days=100), days=10)
    compute(org_a)
    page = portal_client(org_a, MemberFactory(organization=org_a.org)).get("/me/").content.decode()
    assert "Your mentees" not in page


def test_a_former_mentor_is_no_longer_prompted(org_a, settled):
    assignment = settled.care_team.get(role="peer_mentor")
    end_job(org_a, start_job(org_a, settled, days=100), days=10)
    mentor_for(org_a, settled)  # a new mentor took over
    assignment.ended_on = days_ago(1)
    assignment.save(update_fields=["ended_on"])
    compute(org_a)
    assert "Your mentees" not in portal_client(org_a, assignment.mentor).get("/me/").content.decode()
