"""The alert rules, without a database: each fires at its threshold and not before."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from peerpath.alerts import rules
from peerpath.alerts.rules import (
    MENTOR_PROMPTS,
    MESSAGES,
    MemberSnapshot,
    OpenFlag,
    OverdueQuestionnaire,
    Thresholds,
    evaluate,
)

TODAY = dt.date(2026, 3, 31)
T = Thresholds()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def snap(**fields) -> MemberSnapshot:
    """A settled member: enrolled a year ago, with a peer mentor, nothing going on."""
    base = {"member_id": 1, "enrolment_date": ago(365), "today": TODAY, "has_peer_mentor": True}
    return MemberSnapshot(**{**base, **fields})


def at_work(started: int, **fields) -> MemberSnapshot:
    return snap(employed=True, current_job_starts=(ago(started),), **fields)


def test_a_settled_member_raises_nothing():
    assert evaluate(snap(), T) == []


def test_the_defaults_are_the_agreed_thresholds():
    assert (T.no_contact_days, T.job_end_contact_days, T.missed_sessions, T.mentor_days, T.isolation_days,
            T.overdue) == (14, 7, 3, 14, 60, True)


# -- employed, no contact ----------------------------------------------------------


def test_no_contact_fires_14_days_after_the_last_contact():
    found = rules.no_contact(at_work(100, last_contact={"professional": ago(14)}), T)
    assert [(f.rule, f.key, f.started_on, f.message) for f in found] == [
        ("no_contact", ago(14).isoformat(), ago(14), "no_contact")
    ]
    assert found[0].params == {"date": ago(14).isoformat()}
    assert found[0].audience == ("professional",) and not found[0].clinical


def test_no_contact_does_not_fire_13_days_after_the_last_contact():
    assert rules.no_contact(at_work(100, last_contact={"professional": ago(13)}), T) == []


def test_a_peer_track_contact_counts_as_contact():
    member = at_work(100, last_contact={"professional": ago(40), "peer": ago(3)})
    assert rules.no_contact(member, T) == []


def test_no_contact_does_not_fire_for_a_member_not_in_work():
    assert rules.no_contact(snap(last_contact={"professional": ago(90)}), T) == []


def test_without_any_contact_the_gap_counts_from_the_start_of_work():
    assert rules.no_contact(at_work(13), T) == []
    found = rules.no_contact(at_work(14), T)
    assert [(f.key, f.message) for f in found] == [(ago(14).isoformat(), "no_contact_since_start")]


def test_a_contact_before_the_job_started_does_not_shorten_the_grace_period():
    member = at_work(10, last_contact={"peer": ago(60)})
    assert rules.no_contact(member, T) == []
    found = rules.no_contact(at_work(20, last_contact={"peer": ago(60)}), T)
    assert found[0].started_on == ago(20) and found[0].message == "no_contact_since_start"


def test_with_two_jobs_the_work_counts_from_the_earlier_start():
    member = snap(employed=True, current_job_starts=(ago(5), ago(30)))
    assert rules.no_contact(member, T)[0].started_on == ago(30)


def test_a_new_gap_after_a_contact_is_a_new_episode():
    first = rules.no_contact(at_work(100, last_contact={"peer": ago(30)}), T)[0]
    later = rules.no_contact(at_work(100, last_contact={"peer": ago(15)}), T)[0]
    assert first.key != later.key


def test_the_no_contact_threshold_is_configurable():
    member = at_work(100, last_contact={"professional": ago(10)})
    assert rules.no_contact(member, replace(T, no_contact_days=10))
    assert not rules.no_contact(member, replace(T, no_contact_days=11))


# -- job ended ---------------------------------------------------------------------


def ended(days: int, **fields) -> MemberSnapshot:
    return snap(last_job_end=ago(days), last_job_end_reason="quit", **fields)


def test_job_ended_fires_7_days_after_the_ending_without_contact():
    found = rules.job_ended(ended(7), T)
    assert [(f.rule, f.key, f.started_on) for f in found] == [("job_ended", ago(7).isoformat(), ago(7))]
    assert found[0].params == {"date": ago(7).isoformat(), "reason": "quit"}


def test_job_ended_prompts_both_the_professional_and_the_peer_mentor():
    (found,) = rules.job_ended(ended(10), T)
    assert set(found.audience) == {"professional", "peer_mentor"} and not found.clinical


def test_job_ended_does_not_fire_6_days_after_the_ending():
    assert rules.job_ended(ended(6), T) == []


@pytest.mark.parametrize("track", ["professional", "peer"])
def test_a_contact_from_either_track_since_the_ending_stops_it(track):
    assert rules.job_ended(ended(10, last_contact={track: ago(9)}), T) == []


def test_a_contact_on_the_day_of_the_ending_counts():
    assert rules.job_ended(ended(10, last_contact={"professional": ago(10)}), T) == []


def test_a_contact_before_the_ending_does_not_count():
    assert rules.job_ended(ended(10, last_contact={"professional": ago(11), "peer": ago(12)}), T)


def test_a_later_job_ending_is_a_new_episode():
    assert rules.job_ended(ended(30), T)[0].key != rules.job_ended(ended(8), T)[0].key


def test_no_job_ending_no_alert():
    assert rules.job_ended(snap(), T) == []


# -- missed group sessions ---------------------------------------------------------


def attended(*statuses: str) -> MemberSnapshot:
    return snap(recent_attendance=tuple((ago(7 * i), s) for i, s in enumerate(statuses)))


def test_three_missed_sessions_in_a_row_fire():
    found = rules.missed_sessions(attended("absent", "absent", "absent"), T)
    assert [(f.rule, f.key, f.started_on) for f in found] == [("missed_sessions", ago(14).isoformat(), ago(14))]
    assert found[0].params == {"count": 3, "date": ago(14).isoformat()}
    assert "peer_leader" in found[0].audience


def test_two_missed_sessions_do_not_fire():
    assert rules.missed_sessions(attended("absent", "absent"), T) == []
    assert rules.missed_sessions(attended("absent", "absent", "present"), T) == []


@pytest.mark.parametrize("status", ["present", "late", "excused"])
def test_a_session_attended_or_excused_breaks_the_run(status):
    assert rules.missed_sessions(attended("absent", status, "absent"), T) == []


def test_only_the_latest_sessions_count():
    assert rules.missed_sessions(attended("absent", "absent", "absent", "present"), T)
    assert not rules.missed_sessions(attended("present", "absent", "absent", "absent"), T)


def test_the_number_of_missed_sessions_is_configurable():
    assert rules.missed_sessions(attended("absent", "absent"), replace(T, missed_sessions=2))


# -- questionnaire results ---------------------------------------------------------


def flagged(*kinds: str) -> MemberSnapshot:
    return snap(open_flags=tuple(OpenFlag(i + 1, k, ago(2), "phq9") for i, k in enumerate(kinds)))


def test_an_open_safety_flag_fires_a_clinical_alert_for_the_professional():
    (found,) = rules.safety(flagged("safety"), T)
    assert (found.rule, found.key, found.clinical, found.audience) == ("safety", "flag:1", True, ("professional",))
    assert found.params == {"instrument": "phq9", "date": ago(2).isoformat()}


def test_an_open_deterioration_flag_fires_a_clinical_alert():
    (found,) = rules.deterioration(flagged("safety", "deterioration"), T)
    assert (found.rule, found.key, found.clinical) == ("deterioration", "flag:2", True)


def test_without_open_flags_no_result_alert():
    assert rules.safety(snap(), T) == [] and rules.deterioration(snap(), T) == []
    assert rules.safety(flagged("deterioration"), T) == []


def test_each_flag_is_its_own_episode():
    assert [f.key for f in rules.safety(flagged("safety", "safety"), T)] == ["flag:1", "flag:2"]


# -- overdue questionnaires --------------------------------------------------------


def test_an_overdue_questionnaire_fires():
    member = snap(overdue=(OverdueQuestionnaire("who5", ago(20)),))
    (found,) = rules.overdue(member, T)
    assert (found.rule, found.key, found.started_on, found.clinical) == (
        "overdue", f"who5:{ago(20).isoformat()}", ago(20), False)


def test_no_overdue_questionnaire_no_alert():
    assert rules.overdue(snap(), T) == []


def test_overdue_alerts_can_be_switched_off():
    member = snap(overdue=(OverdueQuestionnaire("who5", ago(20)),))
    assert rules.overdue(member, replace(T, overdue=False)) == []


# -- new member without a peer mentor ----------------------------------------------


def new(days: int, **fields) -> MemberSnapshot:
    return snap(**{"enrolment_date": ago(days), "has_peer_mentor": False, **fields})


def test_a_new_member_without_a_mentor_after_14_days_fires():
    (found,) = rules.no_mentor(new(14), T)
    assert (found.rule, found.key, found.started_on) == ("no_mentor", ago(14).isoformat(), ago(14))
    assert found.params == {"date": ago(14).isoformat()}


def test_a_new_member_without_a_mentor_after_13_days_does_not():
    assert rules.no_mentor(new(13), T) == []


def test_a_member_with_a_mentor_does_not_fire():
    assert rules.no_mentor(new(30, has_peer_mentor=True), T) == []


def test_a_member_is_new_for_new_member_days():
    assert rules.no_mentor(new(179), T)
    assert rules.no_mentor(new(180), T) == []


# -- isolation in the helping network ----------------------------------------------


def test_an_isolated_member_fires_a_peer_track_alert():
    (found,) = rules.isolated(snap(isolated=True, last_contact={"peer": ago(70)}), T)
    assert (found.rule, found.key, found.clinical) == ("isolated", ago(70).isoformat(), False)
    assert set(found.audience) == {"peer_leader", "peer_mentor"}
    assert found.params == {"days": 60}


def test_a_member_not_isolated_does_not_fire():
    assert rules.isolated(snap(isolated=False), T) == []


def test_isolation_needs_the_member_enrolled_for_the_isolation_period():
    assert rules.isolated(new(59, isolated=True), T) == []
    (found,) = rules.isolated(new(60, isolated=True), T)
    assert found.key == "none"


# -- texts -------------------------------------------------------------------------


def test_every_finding_has_a_reason_and_action_whose_parameters_it_provides():
    everything = snap(
        enrolment_date=ago(20), has_peer_mentor=False, isolated=True, employed=True,
        current_job_starts=(ago(40),), last_job_end=ago(50), last_job_end_reason="laid_off",
        recent_attendance=((ago(1), "absent"), (ago(8), "absent"), (ago(15), "absent")),
        open_flags=(OpenFlag(1, "safety", ago(1), "phq9"), OpenFlag(2, "deterioration", ago(1), "who5")),
        overdue=(OverdueQuestionnaire("gses", ago(30)),),
    )
    found = evaluate(everything, replace(T, isolation_days=14))
    assert {f.rule for f in found} == set(rules.RULES)
    for f in found:
        assert (f.rule in rules.PEER_TRACK_RULES) == bool(set(f.audience) & rules.PEER_TRACK)
        assert (f.rule in rules.CLINICAL_RULES) == f.clinical
        reason, action = MESSAGES[f.message]
        assert reason % dict(f.params) and action % dict(f.params)
        if f.rule in MENTOR_PROMPTS:
            assert MENTOR_PROMPTS[f.rule] % {"name": "x", **f.params}


def test_no_clinical_rule_prompts_the_peer_track():
    everything = snap(open_flags=(OpenFlag(1, "safety", ago(1), "phq9"), OpenFlag(2, "deterioration", ago(1), "x")))
    found = evaluate(everything, T)
    assert {f.rule for f in found} == rules.CLINICAL_RULES
    for f in found:
        assert f.clinical and not set(f.audience) & rules.PEER_TRACK
    assert not rules.CLINICAL_RULES & set(MENTOR_PROMPTS)


def test_message_parameters_are_named():
    for reason, action in MESSAGES.values():
        assert "%s" not in reason + action
        assert all(re.fullmatch(r"[a-z]+", p) for p in re.findall(r"%\((\w+)\)s", reason))
