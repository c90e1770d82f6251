"""Referral steps, support tracks and competitive jobs (pure rules, no database)."""

from __future__ import annotations

import datetime as dt

from peerpath.employment import rules
from peerpath.employment.models import CloseReason, SupportKind

D = dt.date(2026, 6, 1)


def dates(**steps: int) -> dict[str, dt.date | None]:
    return {s: D + dt.timedelta(days=steps[s]) if s in steps else None for s in rules.STEPS}


def test_steps_show_the_days_between_them():
    reached = rules.steps_reached(dates(received=0, contacted=3, intake=10))
    assert [(s.step, s.days_since_previous) for s in reached] == [
        ("received", None), ("contacted", 3), ("intake", 7),
    ]


def test_a_referral_moves_through_its_steps_in_order():
    assert rules.next_step(dates(received=0)) == "contacted"
    assert rules.next_step(dates(received=0, contacted=1)) == "intake"
    assert rules.next_step(dates(received=0, contacted=1, intake=2)) == "enrolled"
    assert rules.next_step(dates(received=0, contacted=1, intake=2, enrolled=3)) is None
    assert rules.next_step(dates(received=0), closed_on=D) is None


def test_state_is_open_enrolled_or_closed():
    assert rules.state_of(dates(received=0), None) == rules.OPEN
    assert rules.state_of(dates(received=0, contacted=1, intake=2, enrolled=3), None) == rules.ENROLLED
    assert rules.state_of(dates(received=0), D) == rules.CLOSED


def test_a_step_may_not_be_dated_before_the_previous_one_or_in_the_future():
    d = dates(received=0, contacted=5)
    assert rules.step_date_problem(d, D + dt.timedelta(days=4), today=D + dt.timedelta(days=30)) == "before_previous"
    assert rules.step_date_problem(d, D + dt.timedelta(days=5), today=D + dt.timedelta(days=30)) is None
    assert rules.step_date_problem(d, D + dt.timedelta(days=31), today=D + dt.timedelta(days=30)) == "future"


def test_zero_exclusion_no_referral_is_closed_for_not_being_ready_for_work():
    """IPS serves everyone who wants to work: no step asks whether someone is
    "work ready", and no reason for closing a referral judges readiness."""
    words = ("ready", "readiness", "not suitable", "unsuitable", "unfit", "symptom", "too ill", "stable")
    assert set(CloseReason.values) == set(rules.CLOSE_REASONS)
    for value, label in CloseReason.choices:
        text = f"{value} {label}".lower()
        assert not any(w in text for w in words), f"close reason {value!r} excludes by readiness"
    # The steps are contact and meeting steps, nothing to pass.
    assert rules.STEPS == ("received", "contacted", "intake", "enrolled")


def test_each_support_kind_belongs_to_a_track():
    assert rules.kind_fits_track("job_coaching", "professional")
    assert not rules.kind_fits_track("job_coaching", "peer")
    assert rules.kind_fits_track("peer_checkin", "peer")
    assert not rules.kind_fits_track("peer_checkin", "professional")
    assert rules.kind_fits_track("follow_along", "peer") and rules.kind_fits_track("follow_along", "professional")
    every_kind = set().union(*rules.KINDS_BY_TRACK.values())
    assert every_kind == set(SupportKind.values)


def test_a_job_is_competitive_only_when_all_three_criteria_hold():
    assert rules.is_competitive(True, True, True)
    for i in range(3):
        criteria = [True, True, True]
        criteria[i] = False
        assert not rules.is_competitive(*criteria)
