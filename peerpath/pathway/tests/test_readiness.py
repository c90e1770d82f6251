"""The readiness checklist (pure Python, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.pathway.readiness import (
    Criterion,
    MemberFacts,
    checklist,
    months_between,
    next_role,
    ready,
)

FACTS = MemberFacts(months_in_programme=7, sessions_attended=11, modules_completed=frozenset({1}),
                    current_role="buddy", stage="preparation")


@pytest.mark.parametrize("start,end,months", [
    (dt.date(2025, 1, 15), dt.date(2026, 1, 15), 12),
    (dt.date(2025, 1, 15), dt.date(2026, 1, 14), 11),
    (dt.date(2026, 1, 31), dt.date(2026, 2, 28), 0),
    (dt.date(2026, 1, 31), dt.date(2026, 3, 31), 2),
    (dt.date(2026, 5, 1), dt.date(2026, 4, 1), 0),
])
def test_whole_months_between_two_dates(start, end, months):
    assert months_between(start, end) == months


def test_each_criterion_is_checked_against_the_members_facts():
    criteria = [
        Criterion(1, "months_in_programme", threshold=6),
        Criterion(2, "months_in_programme", threshold=8),
        Criterion(3, "sessions_attended", threshold=11),
        Criterion(4, "sessions_attended", threshold=12),
        Criterion(5, "training_module", module_id=1, module_name="傾聽與回饋"),
        Criterion(6, "training_module", module_id=2, module_name="倫理與界線"),
        Criterion(7, "current_role", role="buddy"),
        Criterion(8, "current_role", role="group_leader"),
        Criterion(9, "current_role", role="participant"),
        Criterion(10, "recovery_stage_at_least", stage="preparation"),
        Criterion(11, "recovery_stage_at_least", stage="rebuilding"),
    ]
    checks = checklist(criteria, FACTS)
    assert [(c.criterion.id, c.met) for c in checks] == [
        (1, True), (2, False), (3, True), (4, False), (5, True), (6, False), (7, True), (8, False), (9, True),
        (10, True), (11, False),
    ]
    assert [c.have for c in checks[:2]] == [7, 7]
    assert not ready(checks)


def test_a_member_not_assessed_does_not_meet_a_stage_criterion():
    facts = MemberFacts(0, 0, frozenset(), "participant", None)
    [check] = checklist([Criterion(1, "recovery_stage_at_least", stage="moratorium")], facts)
    assert not check.met and check.have is None


def test_ready_needs_every_criterion_met_and_at_least_one():
    assert ready(checklist([Criterion(1, "months_in_programme", threshold=7)], FACTS))
    assert not ready([])


def test_the_next_role_on_the_pathway():
    assert [next_role(r) for r in ("participant", "buddy", "group_leader", "peer_specialist")] == [
        "buddy", "group_leader", "peer_specialist", None,
    ]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        checklist([Criterion(1, "shoe_size", threshold=3)], FACTS)
