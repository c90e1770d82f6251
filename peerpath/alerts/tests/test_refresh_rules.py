"""A write that only some rules read refreshes only those rules' alerts: a
questionnaire completed on a phone brings its member's questionnaire alerts up to
date as a full refresh would, without reading the other apps' records again."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.alerts.compute import ComputeResult, compute_alerts
from peerpath.alerts.models import UNRESOLVED, Alert, Resolution, State
from peerpath.alerts.triggers import FEEDS, paused, refresh_after_commit
from peerpath.audit.models import AccessLog, Event
from peerpath.employment import actions as employment
from peerpath.measures import actions as measures
from peerpath.measures.models import Administration, PlanRule
from tests.factories import MemberFactory

from .conftest import attend, days_ago, helped, professional_for, safety_flag, start_job

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit callbacks run for real

QUESTIONNAIRE_RULES = FEEDS["measures.Administration"]
OTHER_APPS = ("employment_", "groups_attendance", "pathway_helpingcontact")  # tables only the other rules read


def alerts(org: Any) -> set[tuple[int, str, str, str, str]]:
    return set(Alert.objects.filter(organization=org).values_list("member_id", "rule", "key", "state", "resolution"))


def full_then_partial(org: Any, member_ids: set[int], rule_ids: frozenset[str]
                      ) -> tuple[tuple[ComputeResult, set[Any]], tuple[ComputeResult, set[Any]]]:
    """A full refresh of ``member_ids`` (rolled back), then one of ``rule_ids`` only:
    each one's result and the organisation's alerts after it."""
    today = timezone.localdate()
    with transaction.atomic():
        full = compute_alerts.within(org, today, member_ids=member_ids)
        after_full = alerts(org)
        transaction.set_rollback(True)
    partial = compute_alerts(org, today, member_ids=member_ids, rule_ids=rule_ids)
    return (full, after_full), (partial, alerts(org))


def phq9_link(tenant: Any, member: Any, item9: int) -> Any:
    administration, _token = measures.create_link(tenant.staff["professional"], member, "phq9", reason="periodic")
    for item in range(1, 10):
        measures.save_link_answer(administration, str(item), item9 if item == 9 else 1)
    return administration


def test_a_refresh_of_the_questionnaire_rules_equals_a_full_one_on_tricky_data(org_a, org_b):
    """Alerts of every rule, one resolved by hand (not raised again), one cleared
    automatically (reopened), an overdue questionnaire answered (cleared), a new
    safety flag (raised): the same alerts and the same counts either way."""
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="every", interval_days=30)
    member = MemberFactory(organization=org_a.org, code="A0300", enrolment_date=days_ago(300))
    professional_for(org_a, member)
    start_job(org_a, member, days=30)  # no contact since: no_contact
    attend(org_a, member, "absent", "absent", "absent")  # missed_sessions
    helped(org_a, member, days=200)  # isolated
    by_hand = safety_flag(org_a, member)
    cleared = safety_flag(org_a, member)
    Administration.objects.filter(member=member).update(taken_on=days_ago(250))  # the PHQ-9 is overdue
    compute_alerts(org_a.org, timezone.localdate())
    Alert.objects.filter(member=member, key=f"flag:{by_hand.pk}").update(
        state=State.RESOLVED, resolution=Resolution.BY_HAND, resolved_at=timezone.now())
    Alert.objects.filter(member=member, key=f"flag:{cleared.pk}").update(
        state=State.RESOLVED, resolution=Resolution.CLEARED, resolved_at=timezone.now())
    other = MemberFactory(organization=org_b.org, code="B0300", enrolment_date=days_ago(300))
    safety_flag(org_b, other)
    compute_alerts(org_b.org, timezone.localdate())
    theirs = alerts(org_b.org)
    with paused():
        measures.complete_link(phq9_link(org_a, member, item9=3))  # answers the overdue PHQ-9; a safety answer

    (full, after_full), (partial, after_partial) = full_then_partial(org_a.org, {member.pk}, QUESTIONNAIRE_RULES)

    assert partial == full and after_partial == after_full
    assert full.raised == 2 and full.cleared == 1  # the new safety flag, the reopened one; the overdue PHQ-9
    assert {rule for _m, rule, _k, state, _r in after_full if state == State.OPEN} >= {
        "no_contact", "missed_sessions", "isolated", "safety"}
    assert alerts(org_b.org) == theirs  # another organisation's alerts are left alone


def test_a_completed_questionnaire_refreshes_only_its_rules_without_reading_the_other_apps(org_a):
    member = MemberFactory(organization=org_a.org, code="A0301", enrolment_date=days_ago(300))
    start_job(org_a, member, days=30)
    assert Alert.objects.filter(member=member, rule="no_contact", state=State.OPEN).exists()
    administration = phq9_link(org_a, member, item9=2)
    runs = AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count()
    with CaptureQueriesContext(connection) as queries:
        measures.complete_link(administration)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert not [table for table in OTHER_APPS if table in read]
    assert Alert.objects.filter(member=member, rule="safety", state=State.OPEN).exists()
    [run] = AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).order_by("-seq")[:1]
    assert AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count() == runs + 1
    # the member's other alert counts among the open ones, as in a full refresh
    open_now = Alert.objects.filter(member=member, state__in=UNRESOLVED).count()
    assert open_now > 1
    assert run.extra == {"date": timezone.localdate().isoformat(), "raised": 1, "cleared": 0, "open": open_now,
                         "members": [member.pk]}


def test_the_other_rules_alerts_wait_for_their_own_writes_or_the_periodic_run(org_a):
    """A contact written without a refresh (paused) leaves a stale no-contact alert:
    a questionnaire does not clear it (it does not concern it), the next full run does."""
    member = MemberFactory(organization=org_a.org, code="A0302", enrolment_date=days_ago(300))
    start_job(org_a, member, days=30)
    with paused():
        employment.log_support_contact(
            org_a.staff["professional"], member, contacted_on=timezone.localdate(), track="professional",
            kind="job_coaching", place="workplace", minutes=45,
        )
    measures.complete_link(phq9_link(org_a, member, item9=0))
    assert Alert.objects.filter(member=member, rule="no_contact", state=State.OPEN).exists()
    compute_alerts(org_a.org, timezone.localdate())
    assert not Alert.objects.filter(member=member, rule="no_contact", state=State.OPEN).exists()


def test_writes_of_one_transaction_for_some_rules_and_for_every_rule_refresh_every_rule(org_a):
    member = MemberFactory(organization=org_a.org, code="A0303", enrolment_date=days_ago(300))
    with paused():
        start_job(org_a, member, days=30)  # no contact since, not refreshed
    with transaction.atomic():
        refresh_after_commit(org_a.org.pk, [member.pk], QUESTIONNAIRE_RULES)
    assert not Alert.objects.filter(member=member, rule="no_contact").exists()
    with transaction.atomic():
        refresh_after_commit(org_a.org.pk, [member.pk], QUESTIONNAIRE_RULES)
        refresh_after_commit(org_a.org.pk, [member.pk])  # e.g. a job: every rule
    assert Alert.objects.filter(member=member, rule="no_contact", state=State.OPEN).exists()
