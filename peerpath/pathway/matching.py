"""Ranking peer mentors for a new member (pure Python, no Django).

Each candidate gets a score made of explainable parts, and a list of reasons a
coordinator reads before confirming one. A candidate who cannot mentor this
member (not available, no free place, not further in recovery, the member
themself or their current mentor, a hard gender preference not met) is excluded,
with the reason, and listed after the eligible ones. Ties are broken by member
code, so the same facts always give the same order.

Reasons and exclusions are data (a key and parameters); the pages turn them into
translated sentences (see ``pathway/describe.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Recovery stages in order (the STORI stages, as in members.models.Stage).
STAGES = ("moratorium", "awareness", "preparation", "rebuilding", "growth")
STAGE_INDEX = {s: i for i, s in enumerate(STAGES)}


@dataclass(frozen=True)
class MenteeFacts:
    member_id: int
    code: str
    stage: str | None  # current recovery stage; None when not assessed yet
    sectors: frozenset[str] = frozenset()  # job sectors of the member's goal
    languages: tuple[str, ...] = ()  # languages the member speaks, preferred first
    gender_preference: str = ""  # "" for none
    gender_required: bool = False  # True: only a mentor of that gender
    current_mentor_id: int | None = None  # the member's peer mentor now, if any


@dataclass(frozen=True)
class MentorFacts:
    member_id: int
    code: str
    stage: str | None
    gender: str
    available: bool
    max_mentees: int
    current_mentees: int
    sectors: frozenset[str] = frozenset()  # sectors of the mentor's work experience
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why a candidate scores (or is excluded); ``key`` names the sentence."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Weights:
    sector: float = 3.0
    # Points by how many stages further the mentor is: a step or two ahead is the
    # most useful model to imitate; far ahead still helps, a little less.
    stage_steps: tuple[float, ...] = (0.0, 1.5, 2.0, 1.5, 1.0)
    language: float = 1.0
    free_places: float = 1.0  # times the share of the mentor's places still free
    gender: float = 1.0


DEFAULT = Weights()


@dataclass(frozen=True)
class Suggestion:
    candidate: MentorFacts
    score: float
    reasons: tuple[Reason, ...]
    exclusions: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        return not self.exclusions


def _assess(mentee: MenteeFacts, mentor: MentorFacts, weights: Weights) -> Suggestion:
    reasons: list[Reason] = []
    exclusions: list[Reason] = []
    score = 0.0
    if mentor.member_id == mentee.member_id:
        exclusions.append(Reason("self"))
    if mentor.member_id == mentee.current_mentor_id:
        exclusions.append(Reason("current_mentor"))
    if not mentor.available:
        exclusions.append(Reason("not_available"))
    free = mentor.max_mentees - mentor.current_mentees
    if free <= 0:
        exclusions.append(Reason("no_free_places", {"max": mentor.max_mentees}))
    mentor_stage = STAGE_INDEX.get(mentor.stage or "")
    mentee_stage = STAGE_INDEX.get(mentee.stage or "")
    if mentor_stage is None:
        exclusions.append(Reason("mentor_stage_unknown"))
    elif mentee_stage is not None:
        steps = mentor_stage - mentee_stage
        if steps <= 0:
            exclusions.append(Reason("not_further", {"stage": mentor.stage}))
        else:
            score += weights.stage_steps[min(steps, len(weights.stage_steps) - 1)]
            reasons.append(Reason("further", {"steps": steps}))
    if mentee.gender_preference:
        if mentor.gender == mentee.gender_preference:
            score += weights.gender
            reasons.append(Reason("gender_as_preferred"))
        elif mentee.gender_required:
            exclusions.append(Reason("gender_not_as_required"))
    shared_sectors = sorted(mentee.sectors & mentor.sectors)
    if shared_sectors:
        score += weights.sector
        reasons.append(Reason("same_sector", {"sector": shared_sectors[0]}))
    shared_language = next((lang for lang in mentee.languages if lang in mentor.languages), None)
    if shared_language is not None:
        score += weights.language
        reasons.append(Reason("speaks", {"language": shared_language}))
    if free > 0 and mentor.max_mentees > 0:
        score += weights.free_places * free / mentor.max_mentees
        reasons.append(Reason("free_places", {"free": free, "max": mentor.max_mentees}))
    if exclusions:
        return Suggestion(mentor, 0.0, tuple(reasons), tuple(exclusions))
    return Suggestion(mentor, round(score, 3), tuple(reasons), ())


def rank_mentors(
    mentee: MenteeFacts, candidates: list[MentorFacts], weights: Weights = DEFAULT
) -> list[Suggestion]:
    """Eligible candidates by score (highest first, then by code), then the
    excluded ones by code, each with its reasons and exclusions."""
    assessed = [_assess(mentee, c, weights) for c in candidates]
    eligible = sorted((s for s in assessed if s.eligible), key=lambda s: (-s.score, s.candidate.code))
    excluded = sorted((s for s in assessed if not s.eligible), key=lambda s: s.candidate.code)
    return eligible + excluded
