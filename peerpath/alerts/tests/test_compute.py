"""Computing alerts from the records of every app: raised, cleared, kept resolved."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.alerts import actions
from peerpath.alerts.compute import compute_alerts, snapshots
from peerpath.alerts.models import Alert, AlertSettings
from peerpath.alerts.rules import Thresholds
from peerpath.audit.models import AccessLog, Event
from peerpath.members.models import Status
from tests.factories import MemberFactory

from .conftest import (
    attend,
    compute,
    days_ago,
    end_job,
    helped,
    mentor_for,
    rules_of,
    safety_flag,
    start_job,
    workplace_visit,
)


def test_a_settled_member_has_no_alert(org_a, settled):
    compute(org_a)
    assert rules_of(settled) == set()


def test_a_member_in_work_without_contact_gets_an_alert_that_clears_after_a_workplace_visit(org_a, settled):
    start_job(org_a, settled, days=20)
    result = compute(org_a)
    alert = Alert.objects.get(member=settled)
    assert (alert.rule, alert.state, alert.started_on, alert.audience) == (
        "no_contact", "open", days_ago(20), ["professional"])
    assert result.raised >= 1
    workplace_visit(org_a, settled)
    result = compute(org_a)
    alert.refresh_from_db()
    assert (alert.state, alert.resolution, alert.resolved_by) == ("resolved", "cleared", None)
    assert result.cleared == 1


def test_a_job_ending_without_contact_prompts_both_tracks_and_clears_on_a_peer_contact(org_a, settled):
    job = start_job(org_a, settled, days=60)
    workplace_visit(org_a, settled, days=20)
    end_job(org_a, job, days=8, reason="laid_off")
    compute(org_a)
    alert = Alert.objects.get(member=settled, state="open")
    assert (alert.rule, alert.key, alert.params) == (
        "job_ended", days_ago(8).isoformat(), {"date": days_ago(8).isoformat(), "reason": "laid_off"})
    assert set(alert.audience) == {"professional", "peer_mentor"} and alert.peer_track
    workplace_visit(org_a, settled, days=1, track="peer")
    compute(org_a)
    assert rules_of(settled, state="open") == set()


def test_a_helping_contact_received_counts_as_a_peer_track_contact(org_a, settled):
    job = start_job(org_a, settled, days=60)
    end_job(org_a, job, days=8)
    helped(org_a, settled, days=2)
    compute(org_a)
    assert "job_ended" not in rules_of(settled)


def test_three_missed_sessions_raise_an_alert(org_a, settled):
    attend(org_a, settled, "absent", "absent", "absent")
    compute(org_a)
    assert rules_of(settled) == {"missed_sessions"}


def test_an_open_safety_flag_raises_a_clinical_alert_until_followed_up(org_a, settled):
    flag = safety_flag(org_a, settled)
    compute(org_a)
    alert = Alert.objects.get(member=settled)
    assert (alert.rule, alert.clinical, alert.peer_track, alert.key) == ("safety", True, False, f"flag:{flag.pk}")
    flag.followed_up_at = timezone.now()
    flag.save(update_fields=["followed_up_at"])
    compute(org_a)
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolution == "cleared"


def test_a_new_member_without_a_mentor_and_an_isolated_member(org_a):
    new = MemberFactory(organization=org_a.org, enrolment_date=days_ago(20))
    compute(org_a)
    assert rules_of(new) == {"no_mentor"}
    assert "isolated" in rules_of(org_a.member)  # enrolled 200 days ago, no helping contact


def test_an_alert_resolved_by_hand_stays_resolved_while_the_episode_lasts(org_a, settled):
    start_job(org_a, settled, days=20)
    compute(org_a)
    alert = Alert.objects.get(member=settled)
    actions.resolve(org_a.staff["professional"], alert, note="會員請假出國兩週，回國後聯絡。")
    result = compute(org_a)
    assert Alert.objects.filter(member=settled).count() == 1
    alert.refresh_from_db()
    assert (alert.state, alert.resolution) == ("resolved", "by_hand")
    assert result.raised == 0


def test_a_new_episode_after_a_resolved_one_is_a_new_alert(org_a, settled):
    start_job(org_a, settled, days=60)
    workplace_visit(org_a, settled, days=40)
    compute(org_a)
    first = Alert.objects.get(member=settled)
    actions.resolve(org_a.staff["professional"], first, note="已電話聯絡")
    workplace_visit(org_a, settled, days=15)  # a later contact, then another gap
    compute(org_a)
    assert Alert.objects.filter(member=settled, rule="no_contact", state="open").exclude(pk=first.pk).count() == 1


def test_an_automatically_cleared_alert_comes_back_with_its_episode(org_a):
    new = MemberFactory(organization=org_a.org, enrolment_date=days_ago(20))
    helped(org_a, new)
    compute(org_a)
    alert = Alert.objects.get(member=new, rule="no_mentor")
    mentor_for(org_a, new)
    compute(org_a)
    alert.refresh_from_db()
    assert alert.state == "resolved"
    new.care_team.update(ended_on=days_ago(0))
    result = compute(org_a)
    alert.refresh_from_db()
    assert alert.state == "open" and alert.resolution == "" and result.raised == 1


def test_alerts_of_a_member_who_leaves_the_programme_are_cleared(org_a, settled):
    start_job(org_a, settled, days=20)
    compute(org_a)
    settled.status = Status.CLOSED
    settled.save(update_fields=["status"])
    compute(org_a)
    assert rules_of(settled, state="open") == set()


def test_each_run_writes_one_audit_entry_with_counts(org_a, settled):
    start_job(org_a, settled, days=20)
    compute(org_a)
    compute(org_a)
    entries = AccessLog.objects.filter(organization=org_a.org, event=Event.ALERTS_COMPUTED).order_by("seq")
    raised = Alert.objects.filter(organization=org_a.org).count()
    assert [(e.extra["raised"], e.extra["cleared"], e.extra["open"]) for e in entries] == [
        (raised, 0, raised), (0, 0, raised)]
    assert entries[0].actor is None and entries[0].extra["date"] == days_ago(0).isoformat()


def test_the_organisation_thresholds_apply(org_a, settled):
    start_job(org_a, settled, days=10)
    compute(org_a)
    assert rules_of(settled) == set()
    AlertSettings.objects.create(organization=org_a.org, no_contact_days=10, updated_by=org_a.users["admin"])
    compute(org_a)
    assert rules_of(settled) == {"no_contact"}


def test_overdue_questionnaires_can_be_switched_off(org_a, settled):
    from peerpath.measures.models import PlanRule

    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="intake")
    compute(org_a)
    assert rules_of(settled) == {"overdue"}  # enrolled 200 days ago, never answered
    AlertSettings.objects.create(organization=org_a.org, overdue=False, updated_by=org_a.users["admin"])
    compute(org_a)
    assert rules_of(settled, state="open") == set()


def test_another_organisation_is_left_alone(org_a, org_b):
    compute_alerts(org_a.org, timezone.localdate())
    assert not Alert.objects.filter(organization=org_b.org).exists()
    assert Alert.objects.filter(organization=org_a.org).exists()


def test_a_failure_part_way_leaves_nothing_half_written(org_a, settled, monkeypatch):
    start_job(org_a, settled, days=20)

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr("peerpath.alerts.compute.audit.record", broken)
    with pytest.raises(RuntimeError):
        compute(org_a)
    assert not Alert.objects.exists()


# -- a fixed number of queries ---------------------------------------------------------


def _populate(org_a, start: int, stop: int) -> None:
    """Members with a little of everything: work, an ending, contacts, sessions,
    a mentor, a helping contact, a safety answer."""
    for i in range(start, stop):
        member = MemberFactory(organization=org_a.org, code=f"M{i:04d}", enrolment_date=days_ago(20 + i))
        job = start_job(org_a, member, days=40 + i)
        if i % 2:
            end_job(org_a, job, days=8)
        if i % 3 == 0:
            workplace_visit(org_a, member, days=i % 20)
        attend(org_a, member, "absent", "absent", "present")
        if i % 4 == 0:
            mentor_for(org_a, member)
        if i % 5 == 0:
            helped(org_a, member, days=3)
            safety_flag(org_a, member)


def _queries(org_a) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        compute(org_a)
    return [q["sql"] for q in ctx.captured_queries]


# settings, members, open flags, the plan and last questionnaires, employment (2),
# attendance, helping received, isolation (2), the existing alerts, and the audit
# entry (savepoint, chain head, insert, head update, release) in the run's savepoint (2)
STEADY_QUERIES = 1 + 1 + 1 + 2 + 2 + 1 + 1 + 2 + 1 + 5 + 2


def _not_inserts(queries: list[str]) -> list[str]:
    """New alerts are written with one bulk INSERT per batch (SQLite allows a few
    dozen rows per statement): the rest of a run must not grow with the data."""
    return [q for q in queries if not q.startswith(("INSERT INTO \"alerts_alert\"", "INSERT OR IGNORE"))]


def test_computing_costs_the_same_number_of_queries_for_3_or_30_members(org_a):
    from peerpath.measures.models import PlanRule

    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="every", interval_days=30)
    _populate(org_a, 0, 3)
    raising_few = _not_inserts(_queries(org_a))
    steady_few = _queries(org_a)
    _populate(org_a, 3, 30)
    Alert.objects.all().delete()
    raising_many = _not_inserts(_queries(org_a))
    steady_many = _queries(org_a)
    assert Alert.objects.count() > 60
    assert len(raising_few) == len(raising_many), "\n".join(raising_many)
    assert len(steady_few) == len(steady_many) == STEADY_QUERIES, "\n".join(steady_many)


def test_snapshots_read_every_app(org_a, settled):
    job = start_job(org_a, settled, days=30)
    workplace_visit(org_a, settled, days=40, track="peer")
    end_job(org_a, job, days=2)
    attend(org_a, settled, "late", "absent")
    (snap,) = [s for s in snapshots(org_a.org, timezone.localdate(), Thresholds()) if s.member_id == settled.pk]
    assert snap.last_job_end == days_ago(2) and snap.last_job_end_reason == "quit"
    assert snap.last_contact["peer"] == days_ago(30)  # the helping contact received is later than the visit
    assert [status for _day, status in snap.recent_attendance] == ["late", "absent"]
    assert snap.has_peer_mentor and not snap.isolated
