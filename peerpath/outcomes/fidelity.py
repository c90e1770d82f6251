"""IPS-25 fidelity facts that need no database (pure Python, no Django import).

- The 25 item headings (short public names, marked for translation; the pages
  translate them). The anchor wording of the scale is NOT shipped (licence): the
  review form shows the heading and a 1–5 choice.
- Continuous fidelity: the items routine data can measure, and the mapping of a
  measured value to the item's 1–5 rating. Only anchors we are sure of are used:

  * item 1, caseload size (IPS-25 form of 2008): 5 = 20 or fewer members per
    employment specialist, 4 = 21–25, 2 = 31–40, 1 = 41 or more; 3 = 26–30 is the
    only range left between the published 2 and 4;
  * item 15, rapid job search: 5 = first face-to-face employer contact within 30
    days of entry, on average. The lower anchors are not confirmed here, so a
    longer average gets no rating ("below the level of 5"). People still waiting
    for a first contact are censored: their wait is at least the days so far, so
    the mean is known only when nobody waits, and is known to exceed 30 days when
    it does so even counting the waits so far; otherwise the item is not rated;
  * item 17, job development: 5 = 6 or more face-to-face employer contacts per
    specialist per week; lower anchors not confirmed (as item 15);
  * item 21, competitive jobs: 5 = 95% or more of the jobs are competitive; lower
    anchors not confirmed (as item 15);
  * items 22 and 23, follow-along: the anchors describe the kind and timing of
    support, which these figures do not measure alone: shown without a rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Marks a message for translation (``makemessages`` collects it); the pages
    translate it when they show it, this module never does."""
    return message


ITEM_IDS: tuple[str, ...] = tuple(str(i) for i in range(1, 26))
RATINGS: tuple[int, ...] = (1, 2, 3, 4, 5)
NOTE_MAX_LENGTH = 2000

ITEM_TITLES: dict[str, str] = {
    "1": gettext_noop("Caseload size"),
    "2": gettext_noop("Employment services staff"),
    "3": gettext_noop("Vocational generalists"),
    "4": gettext_noop("Integration with mental health treatment through team assignment"),
    "5": gettext_noop("Integration with mental health treatment through frequent team contact"),
    "6": gettext_noop("Collaboration between employment specialists and vocational rehabilitation counsellors"),
    "7": gettext_noop("Vocational unit"),
    "8": gettext_noop("Role of employment supervisor"),
    "9": gettext_noop("Zero exclusion criteria"),
    "10": gettext_noop("Agency focus on competitive employment"),
    "11": gettext_noop("Executive team support for supported employment"),
    "12": gettext_noop("Work incentives planning"),
    "13": gettext_noop("Disclosure"),
    "14": gettext_noop("Ongoing, work-based vocational assessment"),
    "15": gettext_noop("Rapid job search for competitive job"),
    "16": gettext_noop("Individualised job search"),
    "17": gettext_noop("Job development: frequent employer contact"),
    "18": gettext_noop("Job development: quality of employer contact"),
    "19": gettext_noop("Diversity of job types"),
    "20": gettext_noop("Diversity of employers"),
    "21": gettext_noop("Competitive jobs"),
    "22": gettext_noop("Individualised follow-along supports"),
    "23": gettext_noop("Time-unlimited follow-along supports"),
    "24": gettext_noop("Community-based services"),
    "25": gettext_noop("Assertive engagement and outreach by integrated treatment team"),
}

# How a measured value relates to the item's rating.
RATED = "rated"  # a rating from a confirmed anchor
BELOW_CONFIRMED = "below_confirmed"  # short of the confirmed anchor(s); lower anchors not confirmed
NOT_RATED = "not_rated"  # the item's anchors cannot be applied to this figure
NO_DATA = "no_data"  # nothing to measure in the period


@dataclass(frozen=True)
class Rating:
    score: int | None  # 1–5, only when ``status == RATED``
    status: str


def _top_only(value: float | None, meets: bool) -> Rating:
    if value is None:
        return Rating(None, NO_DATA)
    return Rating(5, RATED) if meets else Rating(None, BELOW_CONFIRMED)


# Item 1: (highest ratio of members per specialist, rating), in order; above the
# last: 1. The ratio is compared as measured (20.5 is more than 20: rating 4).
CASELOAD_ANCHORS: tuple[tuple[float, int], ...] = ((20, 5), (25, 4), (30, 3), (40, 2))
RAPID_SEARCH_DAYS = 30  # item 15: mean days from entry to first employer contact, for 5
EMPLOYER_CONTACTS_PER_WEEK = 6  # item 17: face-to-face contacts per specialist per week, for 5
COMPETITIVE_SHARE = 0.95  # item 21: share of jobs that are competitive, for 5
FOLLOW_ALONG_WINDOW_DAYS = 30  # items 22/23: a support contact in the last 30 days


def caseload_rating(members_per_specialist: float | None) -> Rating:
    if members_per_specialist is None:
        return Rating(None, NO_DATA)
    for highest, score in CASELOAD_ANCHORS:
        if members_per_specialist <= highest:
            return Rating(score, RATED)
    return Rating(1, RATED)


def rapid_search_rating(mean_days: float | None) -> Rating:
    return _top_only(mean_days, mean_days is not None and mean_days <= RAPID_SEARCH_DAYS)


def rapid_search_rating_censored(days: Sequence[float], contacted: Sequence[bool]) -> Rating:
    """Item 15 from each member's days to a first contact (``contacted``) or days
    waited so far (censored): the mean of the waits is known only when nobody is
    still waiting; the waits so far give a lower bound, which settles "not within
    30 days" when it already exceeds 30. Otherwise: not rated."""
    if not days:
        return Rating(None, NO_DATA)
    at_least = sum(days) / len(days)
    if all(contacted):
        return rapid_search_rating(at_least)
    if at_least > RAPID_SEARCH_DAYS:
        return Rating(None, BELOW_CONFIRMED)
    return Rating(None, NOT_RATED)


def employer_contact_rating(per_specialist_week: float | None) -> Rating:
    return _top_only(
        per_specialist_week, per_specialist_week is not None and per_specialist_week >= EMPLOYER_CONTACTS_PER_WEEK
    )


def competitive_rating(share: float | None) -> Rating:
    return _top_only(share, share is not None and share >= COMPETITIVE_SHARE)


def follow_along_rating(value: float | None) -> Rating:
    """Items 22 and 23: never rated from routine data (see the module docstring)."""
    return Rating(None, NO_DATA if value is None else NOT_RATED)


# The anchors each measure is compared with, as shown beside it (numbers only).
ANCHOR_TEXT: dict[str, str] = {
    "caseload": gettext_noop("5: 20 or fewer · 4: 21–25 · 3: 26–30 · 2: 31–40 · 1: 41 or more"),
    "rapid_search": gettext_noop(
        "5: within 30 days on average (lower anchors not confirmed: not rated); not rated either while people "
        "still waiting leave the average unknown"
    ),
    "employer_contacts": gettext_noop("5: 6 or more a week (lower anchors not confirmed: not rated)"),
    "competitive": gettext_noop("5: 95% or more (lower anchors not confirmed: not rated)"),
}
# Items 22 and 23 share one text.
ANCHOR_TEXT["follow_along_recent"] = ANCHOR_TEXT["follow_along_gap"] = gettext_noop(
    "No rating: the anchors describe the kind and timing of support"
)


def per_week(count: int, specialists: int, days: int) -> float | None:
    """Contacts per specialist per week over ``days`` days (None without specialists or days)."""
    if specialists <= 0 or days <= 0:
        return None
    return count / specialists / (days / 7)


def items_complete(items: dict[str, object]) -> list[str]:
    """The item ids missing from ``items`` or not rated 1–5 (empty: complete)."""
    return [i for i in ITEM_IDS if items.get(i) not in RATINGS or isinstance(items.get(i), bool)]
