"""The team's side: a safety follow-up with a due time, shown first to the care
team, recorded with when/how/outcome, escalated to coordinators when overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.alerts.models import Alert
from peerpath.audit.models import AccessLog
from peerpath.measures.models import FlagKind, ResultFlag
from peerpath.safety import actions, selectors
from peerpath.safety.models import FollowUpContact, SafetyFollowUp
from peerpath.safety.tests.conftest import answer_phq9, phq9_link


@pytest.fixture
def flagged(team_a, django_capture_on_commit_callbacks):
    """Organisation A's member answered PHQ-9 item 9 with 2 by link."""
    with django_capture_on_commit_callbacks(execute=True):
        answer_phq9(Client(), phq9_link(team_a), item9=2)
    team_a.follow_up = SafetyFollowUp.objects.get(member=team_a.member)
    return team_a


def _contact(**overrides):
    data = {"contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "method": "phone", "outcome": "safe",
            "plan": "reviewed", "note": "已討論安全計畫"}
    data.update(overrides)
    return data


def test_the_care_team_is_emailed_at_once_without_names_or_answers(flagged):
    to = [m for m in mail.outbox if flagged.users["professional"].email in m.to]
    assert len(to) == 1
    assert flagged.member.code in to[0].body and flagged.member.name not in to[0].body
    assert "PHQ" not in to[0].body
    assert AccessLog.objects.filter(event="safety.notified").count() == 1


def test_the_follow_up_comes_first_on_the_caseload_dashboard_and_member_page(flagged, client_for):
    client = client_for("professional")
    for url in (reverse("caseload"), reverse("dashboard"), f"/members/{flagged.member.code}/"):
        html = client.get(url).content.decode()
        assert "safety-urgent" in html, url
        start = html.index("safety-urgent")
        assert html.index(f"/members/{flagged.member.code}/safety/{flagged.follow_up.pk}/") > start
        main = html.index('id="main"') if 'id="main"' in html else 0
        # nothing of the page's own content comes before it but the heading
        assert start - main < 2500, url


def test_peer_leaders_and_researchers_see_no_safety_follow_up(flagged, client_for):
    for role in ("peer_leader", "researcher"):
        client = client_for(role)
        assert client.get(f"/members/{flagged.member.code}/safety/{flagged.follow_up.pk}/").status_code == 403
        assert "safety-urgent" not in client.get(reverse("dashboard")).content.decode()


def test_reaching_the_member_closes_the_follow_up_and_clears_the_alert(flagged, client_for,
                                                                      django_capture_on_commit_callbacks):
    from peerpath.alerts.compute import compute_alerts

    compute_alerts(flagged.org, timezone.localdate())
    assert Alert.objects.filter(member=flagged.member, rule="safety", state="open").exists()
    client = client_for("professional")
    url = f"/members/{flagged.member.code}/safety/{flagged.follow_up.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "?next=/caseload/", _contact(next="/caseload/"))
    assert response.status_code == 302 and response["Location"] == "/caseload/"
    flagged.follow_up.refresh_from_db()
    assert flagged.follow_up.state == "closed" and flagged.follow_up.outcome == "safe"
    assert flagged.follow_up.within_due is True
    assert not ResultFlag.objects.filter(member=flagged.member, kind=FlagKind.SAFETY, followed_up_at__isnull=True)
    assert not Alert.objects.filter(member=flagged.member, rule="safety", state__in=["open", "acknowledged"]).exists()
    assert "safety-urgent" not in client.get(reverse("caseload")).content.decode()
    assert AccessLog.objects.filter(event="safety.contact").count() == 1
    assert FollowUpContact.objects.get().note == "已討論安全計畫"


def test_not_reached_needs_a_next_attempt_which_becomes_the_due_time(flagged, client_for):
    client = client_for("professional")
    url = f"/members/{flagged.member.code}/safety/{flagged.follow_up.pk}/"
    refused = client.post(url, _contact(outcome="not_reached"))
    assert refused.status_code == 400 and "next_attempt_at" in refused.context["form"].errors
    assert not FollowUpContact.objects.exists()
    later = timezone.localtime() + dt.timedelta(hours=3)
    response = client.post(url, _contact(outcome="not_reached", next_attempt_at=later.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    flagged.follow_up.refresh_from_db()
    assert flagged.follow_up.state == "open"
    assert timezone.localtime(flagged.follow_up.due_at).strftime("%Y-%m-%dT%H:%M") == later.strftime("%Y-%m-%dT%H:%M")
    assert flagged.follow_up.first_due_at != flagged.follow_up.due_at


def test_a_contact_in_the_future_or_with_an_unknown_outcome_is_refused(flagged, client_for):
    client = client_for("professional")
    url = f"/members/{flagged.member.code}/safety/{flagged.follow_up.pk}/"
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert "contacted_at" in client.post(url, _contact(contacted_at=future)).context["form"].errors
    assert "outcome" in client.post(url, _contact(outcome="fine")).context["form"].errors
    assert not FollowUpContact.objects.exists()


def test_an_overdue_follow_up_escalates_once_to_coordinators_and_admins(flagged, client_for,
                                                                       django_capture_on_commit_callbacks):
    mail.outbox.clear()
    later = flagged.follow_up.due_at + dt.timedelta(minutes=1)
    assert actions.escalate_overdue(flagged.follow_up.due_at - dt.timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.escalate_overdue(later) == 1
        assert actions.escalate_overdue(later) == 0
    recipients = sorted(r for m in mail.outbox for r in m.to)
    assert recipients == sorted([flagged.users["admin"].email, flagged.users["coordinator"].email])
    assert all("OVERDUE" in m.subject or "逾期" in m.subject for m in mail.outbox)
    SafetyFollowUp.objects.filter(pk=flagged.follow_up.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    html = client_for("coordinator").get(reverse("dashboard")).content.decode()
    assert "safety-urgent" in html and flagged.member.code in html and "overdue" in html


def test_an_overdue_follow_up_is_shown_to_coordinators_even_before_the_e_mail(flagged):
    SafetyFollowUp.objects.filter(pk=flagged.follow_up.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    coordinator = flagged.staff["coordinator"]
    assert [f.pk for f in selectors.open_follow_ups(coordinator)] == [flagged.follow_up.pk]
    SafetyFollowUp.objects.filter(pk=flagged.follow_up.pk).update(due_at=timezone.now() + dt.timedelta(hours=5))
    assert list(selectors.open_follow_ups(coordinator)) == []  # not yet overdue, and not in their care team


def test_staff_of_another_organisation_get_404(flagged, org_b, client_for):
    client = client_for("professional", org_b)
    assert client.get(f"/members/{flagged.member.code}/safety/{flagged.follow_up.pk}/").status_code == 404
    assert client.get(f"/members/{flagged.member.code}/safety-plan/").status_code == 404


def test_the_timeline_shows_the_follow_up_and_its_contacts_to_clinical_staff_only(flagged):
    from peerpath.members.timeline import build_timeline

    actions.record_contact(flagged.staff["professional"], flagged.follow_up, contacted_at=timezone.now(),
                           method="in_person", outcome="referred", next_attempt_at=None, plan="written", note="")
    kinds = {e.kind for e in build_timeline(flagged.member, flagged.staff["professional"])}
    assert {"safety.opened", "safety.contact"} <= kinds
    assert not {"safety.opened", "safety.contact"} & {
        e.kind for e in build_timeline(flagged.member, flagged.staff["peer_leader"])}


def test_a_shared_plan_is_shown_to_peer_leaders_and_an_unshared_one_is_not(team_a, client_for):
    actions.save_plan(team_a.staff["professional"], team_a.member, steps={"reasons": "我的女兒"},
                      share_with_mentor=False)
    leader = client_for("peer_leader")
    url = f"/members/{team_a.member.code}/safety-plan/"
    assert leader.get(url).status_code == 403
    assert "我的女兒" not in leader.get(f"/members/{team_a.member.code}/").content.decode()
    actions.save_plan(team_a.staff["professional"], team_a.member, steps={"reasons": "我的女兒"},
                      share_with_mentor=True)
    assert "我的女兒" in leader.get(url).content.decode()
    assert leader.get(f"/members/{team_a.member.code}/safety-plan/edit/").status_code == 403


def test_the_escalate_command_escalates_overdue_follow_ups_once(flagged):
    from io import StringIO

    from django.core.management import call_command

    SafetyFollowUp.objects.filter(pk=flagged.follow_up.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    out = StringIO()
    call_command("safety", "escalate", stdout=out)
    assert "escalated 1 overdue" in out.getvalue()
    call_command("safety", "escalate", stdout=out)
    assert "escalated 0 overdue" in out.getvalue()
    assert AccessLog.objects.filter(event="safety.escalated").count() == 1


def test_a_safety_answer_on_a_paper_form_opens_a_follow_up_too(team_a):
    from peerpath.measures import actions as measure_actions

    measure_actions.record_paper_form(team_a.staff["professional"], team_a.member, "phq9",
                                      answers={str(i): 2 for i in range(1, 10)},
                                      taken_on=timezone.localdate(), reason="ad_hoc")
    assert SafetyFollowUp.objects.filter(member=team_a.member).count() == 1
