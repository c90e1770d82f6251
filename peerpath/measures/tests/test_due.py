"""Due and overdue questionnaires, without a database."""

import datetime as dt

from peerpath.measures.due import Rule, due_for_member

TODAY = dt.date(2026, 11, 27)
RULES = [Rule("phq9", "intake"), Rule("phq9", "every", 90), Rule("who5", "every", 90), Rule("gses", "job_start")]


def test_a_new_member_is_due_for_intake_questionnaires():
    due = due_for_member(RULES, enrolment_date=TODAY - dt.timedelta(days=3), last_completed={}, today=TODAY)
    assert [(d.instrument_id, d.trigger, d.overdue) for d in due] == [("phq9", "intake", False)]


def test_intake_is_overdue_after_the_grace_period():
    [due] = due_for_member(RULES, enrolment_date=TODAY - dt.timedelta(days=20), last_completed={}, today=TODAY)
    assert due.overdue and due.due_on == TODAY - dt.timedelta(days=20)


def test_periodic_questionnaires_follow_the_last_completed_one():
    last = {"phq9": TODAY - dt.timedelta(days=85), "who5": TODAY - dt.timedelta(days=200)}
    due = due_for_member(RULES, enrolment_date=TODAY - dt.timedelta(days=400), last_completed=last, today=TODAY)
    assert [(d.instrument_id, d.due_on, d.overdue) for d in due] == [
        ("who5", TODAY - dt.timedelta(days=110), True),
        ("phq9", TODAY + dt.timedelta(days=5), False),
    ]


def test_nothing_is_listed_beyond_the_horizon_or_for_event_rules():
    last = {"phq9": TODAY - dt.timedelta(days=10), "who5": TODAY - dt.timedelta(days=10)}
    assert due_for_member(RULES, enrolment_date=TODAY - dt.timedelta(days=400), last_completed=last,
                          today=TODAY) == []


# -- questionnaires triggered by events other apps record -----------------------

JOB_RULES = [Rule("gses", "job_start"), Rule("who5", "job_end")]


def test_a_recent_job_start_makes_the_questionnaire_due_on_that_day():
    start = TODAY - dt.timedelta(days=3)
    [due] = due_for_member(JOB_RULES, enrolment_date=TODAY - dt.timedelta(days=400), last_completed={},
                           today=TODAY, events={"job_start": [start]})
    assert (due.instrument_id, due.due_on, due.trigger, due.overdue) == ("gses", start, "job_start", False)


def test_a_questionnaire_taken_since_the_event_satisfies_it():
    start = TODAY - dt.timedelta(days=10)
    assert due_for_member(JOB_RULES, enrolment_date=TODAY - dt.timedelta(days=400),
                          last_completed={"gses": start + dt.timedelta(days=1)}, today=TODAY,
                          events={"job_start": [start]}) == []


def test_an_old_event_asks_for_nothing():
    assert due_for_member(JOB_RULES, enrolment_date=TODAY - dt.timedelta(days=400), last_completed={},
                          today=TODAY, events={"job_start": [TODAY - dt.timedelta(days=61)]}) == []


def test_an_unanswered_job_end_questionnaire_becomes_overdue():
    end = TODAY - dt.timedelta(days=20)
    [due] = due_for_member(JOB_RULES, enrolment_date=TODAY - dt.timedelta(days=400), last_completed={},
                           today=TODAY, events={"job_end": [end]})
    assert (due.instrument_id, due.overdue) == ("who5", True)
