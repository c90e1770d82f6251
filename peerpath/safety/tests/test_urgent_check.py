"""The urgent panel's first question (has the organisation any open follow-up?)
is one statement compiled once and run for each view's organisation, as the
database is at that view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.members.models import CareTeamAssignment
from peerpath.safety.models import FollowUpState, SafetyFollowUp
from peerpath.safety.tests.conftest import answer_phq9, phq9_link

pytestmark = pytest.mark.django_db


def _flag(tenant, django_capture_on_commit_callbacks) -> SafetyFollowUp:
    CareTeamAssignment.objects.create(
        organization=tenant.org, member=tenant.member, role="professional", professional=tenant.users["professional"],
        started_on=timezone.localdate() - dt.timedelta(days=30), assigned_by=tenant.users["coordinator"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer_phq9(Client(), phq9_link(tenant), item9=2)
    return SafetyFollowUp.objects.get(member=tenant.member)


def test_a_follow_up_opened_after_a_view_is_shown_at_the_next_and_only_to_its_organisation(
        org_a, org_b, client_for, django_capture_on_commit_callbacks):
    in_a, in_b = client_for("professional"), client_for("professional", org_b)
    for client in (in_a, in_b):  # nothing open anywhere: the check is compiled and says so
        for url in (reverse("caseload"), reverse("dashboard")):
            assert "safety-urgent" not in client.get(url).content.decode()

    follow_up = _flag(org_b, django_capture_on_commit_callbacks)

    for url in (reverse("caseload"), reverse("dashboard")):
        assert "safety-urgent" not in in_a.get(url).content.decode(), url
        page = in_b.get(url).content.decode()
        assert "safety-urgent" in page and f"/safety/{follow_up.pk}/" in page, url

    SafetyFollowUp.objects.filter(pk=follow_up.pk).update(state=FollowUpState.CLOSED, closed_at=timezone.now())
    assert "safety-urgent" not in in_b.get(reverse("dashboard")).content.decode()


def test_kiosk_calls_of_the_last_twelve_hours_unanswered_and_of_the_organisation_are_shown(org_a, org_b):
    # The first question (any call at all?) is one statement compiled once: each
    # view's organisation and moment, as the database is then.
    from peerpath.groups.models import PeerGroup, Session
    from peerpath.measures.models import Administration
    from peerpath.safety.models import KioskCall
    from peerpath.safety.selectors import open_kiosk_calls

    def call(tenant, hours_ago: float, answered: bool = False) -> KioskCall:
        group = PeerGroup.objects.create(organization=tenant.org, name=f"g{hours_ago}{answered}", kind="job_retention",
                                         started_on=timezone.localdate() - dt.timedelta(days=30))
        session = Session.objects.create(organization=tenant.org, group=group, date=timezone.localdate(),
                                         recorded_by=tenant.users["peer_leader"])
        administration = Administration.objects.create(organization=tenant.org, member=tenant.member,
                                                       instrument_id="phq9", instrument_version=1, mode="kiosk")
        now = timezone.now()
        return KioskCall.objects.create(organization=tenant.org, member=tenant.member, administration=administration,
                                        session=session, raised_at=now - dt.timedelta(hours=hours_ago),
                                        answered_at=now if answered else None)

    coordinator_a, coordinator_b = org_a.staff["coordinator"], org_b.staff["coordinator"]
    assert open_kiosk_calls(coordinator_a) == [] and open_kiosk_calls(coordinator_b) == []
    call(org_a, 13)
    call(org_a, 1, answered=True)
    assert open_kiosk_calls(coordinator_a) == []
    recent = call(org_a, 1)
    assert [c.pk for c in open_kiosk_calls(coordinator_a)] == [recent.pk]
    assert open_kiosk_calls(coordinator_b) == []
