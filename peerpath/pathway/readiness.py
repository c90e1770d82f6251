"""The readiness checklist for a helper role (pure Python, no Django).

An organisation configures criteria per target role (months in the programme,
group sessions attended, a training module completed, a current helper role, a
recovery stage); ``checklist`` tells, for one member's facts, which are met and
how far the member is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ROLES = ("participant", "buddy", "group_leader", "peer_specialist")
ROLE_INDEX = {r: i for i, r in enumerate(ROLES)}
STAGES = ("moratorium", "awareness", "preparation", "rebuilding", "growth")
STAGE_INDEX = {s: i for i, s in enumerate(STAGES)}

MONTHS = "months_in_programme"
SESSIONS = "sessions_attended"
TRAINING = "training_module"
CURRENT_ROLE = "current_role"
STAGE = "recovery_stage_at_least"


@dataclass(frozen=True)
class Criterion:
    id: int
    kind: str
    threshold: int | None = None
    module_id: int | None = None
    module_name: str = ""
    role: str = ""
    stage: str = ""


@dataclass(frozen=True)
class MemberFacts:
    months_in_programme: int
    sessions_attended: int
    modules_completed: frozenset[int]
    current_role: str
    stage: str | None


@dataclass(frozen=True)
class Check:
    criterion: Criterion
    met: bool
    have: object  # the member's value: a number, a role, a stage, or True/False for a module


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


def next_role(current: str) -> str | None:
    """The role after ``current`` on the pathway (None at the end)."""
    index = ROLE_INDEX.get(current, 0)
    return ROLES[index + 1] if index + 1 < len(ROLES) else None


def _check(criterion: Criterion, facts: MemberFacts) -> Check:
    if criterion.kind == MONTHS:
        return Check(criterion, facts.months_in_programme >= (criterion.threshold or 0), facts.months_in_programme)
    if criterion.kind == SESSIONS:
        return Check(criterion, facts.sessions_attended >= (criterion.threshold or 0), facts.sessions_attended)
    if criterion.kind == TRAINING:
        done = criterion.module_id in facts.modules_completed
        return Check(criterion, done, done)
    if criterion.kind == CURRENT_ROLE:
        met = ROLE_INDEX.get(facts.current_role, 0) >= ROLE_INDEX.get(criterion.role, len(ROLES))
        return Check(criterion, met, facts.current_role)
    if criterion.kind == STAGE:
        have = STAGE_INDEX.get(facts.stage or "")
        met = have is not None and have >= STAGE_INDEX.get(criterion.stage, len(STAGES))
        return Check(criterion, met, facts.stage)
    raise ValueError(f"unknown criterion kind {criterion.kind!r}")


def checklist(criteria: list[Criterion], facts: MemberFacts) -> list[Check]:
    """One check per criterion, in the order given."""
    return [_check(c, facts) for c in criteria]


def ready(checks: list[Check]) -> bool:
    """All criteria met (and there is at least one)."""
    return bool(checks) and all(c.met for c in checks)
