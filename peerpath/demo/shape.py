"""How the synthetic members of the demos find and keep work: one rule for the
demo association (``generator.py`` with the employment and groups parts) and the
national benchmark network (``national.py``). Plain Python, no Django.

What the seed of the programme describes, with noise: members in mid-to-late
recovery who attend peer groups and move into helping roles find work more often,
and a job started after attending a peer group (at least one session in the
``WINDOW_DAYS`` days before the job, the window of the process→outcome report)
ends at ``ENDING_HAZARD_RATIO`` times the rate of a job without (proportional
hazards, Weibull tenure). A member-level frailty spreads jobs of the same member
together, so that jobs are clustered within members as in real data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

WINDOW_DAYS = 180  # the same window as peerpath.outcomes.participation.WINDOW_DAYS (tested)
GROUP_WEEKS = 156  # the demo's peer groups meet weekly for three years
ENDING_HAZARD_RATIO = 0.5  # a job after group attendance ends at half the rate of one without
MEDIAN_TENURE_DAYS = 150  # median tenure of a job without group attendance (frailty 1)
TENURE_SHAPE = 1.0  # Weibull shape: the risk of a job ending falls a little as the job goes on
FRAILTY_SD = 0.25  # member-level noise on the ending hazard (log scale)
SHORTEST_JOB_DAYS = 7

# Chance of working at some time, by recovery stage (index into generator.STAGES) …
WORK_BY_STAGE = (0.25, 0.35, 0.55, 0.7, 0.75)
# … raised for members who attend peer groups and for those in a helping role (odds ratios).
WORK_ODDS_GROUPS = 3.0
WORK_ODDS_HELPING = 2.0
# Chance of joining a peer group, by recovery stage (members further on join more often).
GROUPS_BY_STAGE = (0.4, 0.55, 0.75, 0.85, 0.9)


def work_chance(stage: int, attends: bool, helps: bool) -> float:
    """The chance that a member works at some time in the programme."""
    p = WORK_BY_STAGE[max(0, min(stage, len(WORK_BY_STAGE) - 1))]
    odds = p / (1 - p) * (WORK_ODDS_GROUPS if attends else 1.0) * (WORK_ODDS_HELPING if helps else 1.0)
    return odds / (1 + odds)


def group_chance(stage: int) -> float:
    """The chance that a member joins a peer group at some time."""
    return GROUPS_BY_STAGE[max(0, min(stage, len(GROUPS_BY_STAGE) - 1))]


def frailty(rng: random.Random) -> float:
    """A member's multiplier of the job-ending hazard (lognormal, median 1)."""
    return math.exp(rng.gauss(0, FRAILTY_SD))


def in_groups_before(periods: Sequence[tuple[dt.date, dt.date | None]], start: dt.date) -> bool:
    """Whether a member was on a peer group's roster (``periods``: joined, left or
    None) at some time in the ``WINDOW_DAYS`` days before ``start`` (``start -
    WINDOW_DAYS`` to ``start - 1``), the window of the process→outcome report, which
    counts the sessions attended in it. Roster periods rather than session dates, so
    that the plan is the same, shifted, whatever the weekday it is made on."""
    since = start - dt.timedelta(days=WINDOW_DAYS)
    return any(joined < start and (left is None or left >= since) for joined, left in periods)


def tenure_days(rng: random.Random, attended: bool, member_frailty: float = 1.0) -> int:
    """Days a job lasts: Weibull with median ``MEDIAN_TENURE_DAYS`` for a job without
    group attendance, the hazard multiplied by ``ENDING_HAZARD_RATIO`` with it and by
    the member's frailty (inverse transform of S(t) = exp(−ln 2 · (t/M)^k · h))."""
    hazard = (ENDING_HAZARD_RATIO if attended else 1.0) * member_frailty
    u = 1.0 - rng.random()  # (0, 1]
    days = MEDIAN_TENURE_DAYS * (-math.log(u) / (math.log(2) * hazard)) ** (1 / TENURE_SHAPE)
    return max(SHORTEST_JOB_DAYS, round(days))
