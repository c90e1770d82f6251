"""Rules of the professional track that need no database (pure Python).

- Referral steps: received → contacted → intake meeting → enrolled, or closed
  with a reason at any open step. Each step is dated, and the dates go forward.
  **Zero exclusion**: no step asks whether someone is "work ready"; the close
  reasons are about contact and choice, never readiness.
- Support contacts: which kinds belong to which track.
- The IPS definition of a competitive job, as three recorded criteria.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

# -- referrals ------------------------------------------------------------------

STEPS = ("received", "contacted", "intake", "enrolled")
OPEN, ENROLLED, CLOSED = "open", "enrolled", "closed"
# Why an open referral may be closed. Nothing here (or anywhere in the referral
# flow) is about being ready for work: in IPS everyone who wants to work is served.
CLOSE_REASONS = ("declined", "unreachable", "moved_away", "referred_elsewhere", "other")


@dataclass(frozen=True)
class StepDay:
    step: str
    on: dt.date
    days_since_previous: int | None  # None for the first step


def steps_reached(dates: Mapping[str, dt.date | None]) -> list[StepDay]:
    """The steps a referral has reached, in order, with the days between them."""
    reached = []
    previous: dt.date | None = None
    for step in STEPS:
        on = dates.get(step)
        if on is None:
            break
        reached.append(StepDay(step, on, (on - previous).days if previous is not None else None))
        previous = on
    return reached


def state_of(dates: Mapping[str, dt.date | None], closed_on: dt.date | None) -> str:
    if closed_on is not None:
        return CLOSED
    if dates.get("enrolled") is not None:
        return ENROLLED
    return OPEN


def next_step(dates: Mapping[str, dt.date | None], closed_on: dt.date | None = None) -> str | None:
    """The step an open referral moves to next (None once enrolled or closed)."""
    if state_of(dates, closed_on) != OPEN:
        return None
    reached = steps_reached(dates)
    return STEPS[len(reached)] if len(reached) < len(STEPS) else None


def last_step_date(dates: Mapping[str, dt.date | None]) -> dt.date | None:
    reached = steps_reached(dates)
    return reached[-1].on if reached else None


def step_date_problem(dates: Mapping[str, dt.date | None], on: dt.date, today: dt.date) -> str | None:
    """Why ``on`` cannot be the date of the referral's next step (or of its closing):
    ``"future"`` or ``"before_previous"``; None when it can."""
    if on > today:
        return "future"
    previous = last_step_date(dates)
    if previous is not None and on < previous:
        return "before_previous"
    return None


# -- support contacts -------------------------------------------------------------

PROFESSIONAL, PEER = "professional", "peer"
# Kinds of support contact each track gives (follow-along and family contacts
# come from both tracks; job coaching and benefits counselling are professional;
# a peer check-in is peer).
KINDS_BY_TRACK = {
    PROFESSIONAL: frozenset({"job_coaching", "follow_along", "benefits_counselling", "family"}),
    PEER: frozenset({"peer_checkin", "follow_along", "family"}),
}


def kind_fits_track(kind: str, track: str) -> bool:
    return kind in KINDS_BY_TRACK.get(track, frozenset())


# -- competitive jobs (IPS) ---------------------------------------------------------

# A competitive job is in the community, open to anyone (not set aside for people
# with disabilities) and pays at least the minimum wage. Each is recorded on its
# own, so that a report can say which criterion a job missed.
COMPETITIVE_CRITERIA = ("in_community", "open_to_anyone", "minimum_wage_or_more")


def is_competitive(in_community: bool, open_to_anyone: bool, minimum_wage_or_more: bool) -> bool:
    return in_community and open_to_anyone and minimum_wage_or_more
