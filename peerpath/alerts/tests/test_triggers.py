"""Alerts follow the records: writes refresh the alerts of the members they concern
when their transaction commits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from peerpath.alerts.compute import compute_alerts
from peerpath.alerts.models import Alert
from peerpath.alerts.triggers import paused
from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions as employment
from tests.factories import CareTeamFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit callbacks run for real


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def working_without_contact(org_a):
    member = MemberFactory(organization=org_a.org, code="A0100", enrolment_date=days_ago(300))
    CareTeamFactory(member=member, professional=org_a.users["professional"], started_on=days_ago(300),
                    assigned_by=org_a.users["coordinator"])
    employment.start_job(
        org_a.staff["professional"], member, new_employer={"name": "示範商店", "sector": "retail"},
        title="店員", start_date=days_ago(30), hours_per_week=Decimal("20"), hourly_wage=Decimal("190"),
        in_community=True, open_to_anyone=True, minimum_wage_or_more=True, disclosure="none",
    )
    return member


def open_rules(member) -> set[str]:
    return set(Alert.objects.filter(member=member, state__in=["open", "acknowledged"]).values_list("rule", flat=True))


def test_a_job_start_raises_and_a_workplace_visit_clears_the_no_contact_alert_at_once(org_a):
    member = working_without_contact(org_a)
    assert "no_contact" in open_rules(member)  # raised by the job start's commit
    employment.log_support_contact(
        org_a.staff["professional"], member, contacted_on=timezone.localdate(), track="professional",
        kind="job_coaching", place="workplace", minutes=45,
    )
    assert "no_contact" not in open_rules(member)
    [run] = AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).order_by("-seq")[:1]
    assert run.extra["members"] == [member.pk] and run.extra["cleared"] == 1


def test_a_refresh_after_a_write_leaves_other_members_alerts_alone(org_a):
    other = MemberFactory(organization=org_a.org, code="A0200", enrolment_date=days_ago(300))
    compute_alerts(org_a.org, timezone.localdate())
    others_before = set(Alert.objects.filter(member=other).values_list("rule", "state"))
    assert others_before  # e.g. no peer mentor
    working_without_contact(org_a)
    assert set(Alert.objects.filter(member=other).values_list("rule", "state")) == others_before


def test_paused_writes_refresh_nothing(org_a):
    with paused():
        member = working_without_contact(org_a)
    assert open_rules(member) == set()


def test_answers_saved_one_by_one_on_a_phone_refresh_nothing_until_the_questionnaire_is_sent(org_a):
    """Each answer of a self-report is saved as the member goes; recomputing alerts
    on every tap would cost each answer a full refresh. Only completion counts."""
    from peerpath.measures import actions as measures

    administration, _token = measures.create_link(org_a.staff["professional"], org_a.member, "who5", reason="periodic")
    runs = AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count()
    for item in ("1", "2", "3", "4", "5"):
        measures.save_link_answer(administration, item, 3)
    assert AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count() == runs
    measures.complete_link(administration)
    assert AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count() == runs + 1


def test_a_write_concerning_many_members_queues_their_refresh_for_a_worker(org_a, settings):
    """Above PEERPATH_ALERTS_SYNC_MEMBERS the request does not wait: the refresh is a
    task (member ids only) that a worker runs, raising the same alert."""
    from django_tasks_db.models import DBTaskResult

    from peerpath.alerts.triggers import refresh_after_commit
    from peerpath.tasks.worker import run_pending

    settings.PEERPATH_ALERTS_SYNC_MEMBERS = 1
    with paused():
        member = working_without_contact(org_a)
        other = MemberFactory(organization=org_a.org, code="A0201", enrolment_date=days_ago(300))
    refresh_after_commit(org_a.org.pk, [member.pk, other.pk])  # outside a transaction: at once
    assert "no_contact" not in open_rules(member)  # not computed within the request
    [row] = DBTaskResult.objects.filter(task_path="peerpath.alerts.tasks.recompute_member_alerts")
    assert row.args_kwargs == {"args": [org_a.org.pk, sorted([member.pk, other.pk])], "kwargs": {}}
    assert run_pending() == 1
    assert "no_contact" in open_rules(member)


def test_a_write_concerning_few_members_refreshes_within_the_request(org_a, settings):
    from django_tasks_db.models import DBTaskResult

    settings.PEERPATH_ALERTS_SYNC_MEMBERS = 2
    member = working_without_contact(org_a)
    assert "no_contact" in open_rules(member)
    assert not DBTaskResult.objects.filter(task_path="peerpath.alerts.tasks.recompute_member_alerts").exists()
