"""Continuous-fidelity ratings and the item list (pure: no database)."""

from __future__ import annotations

import pytest

from peerpath.outcomes import fidelity
from peerpath.outcomes.fidelity import (
    BELOW_CONFIRMED,
    NO_DATA,
    NOT_RATED,
    RATED,
    Rating,
    caseload_rating,
    competitive_rating,
    employer_contact_rating,
    follow_along_rating,
    items_complete,
    per_week,
    rapid_search_rating,
    rapid_search_rating_censored,
)


def test_there_are_25_items_each_with_a_heading():
    assert fidelity.ITEM_IDS == tuple(str(i) for i in range(1, 26))
    assert set(fidelity.ITEM_TITLES) == set(fidelity.ITEM_IDS)
    assert fidelity.ITEM_TITLES["7"] == "Vocational unit"
    assert fidelity.ITEM_TITLES["21"] == "Competitive jobs"


@pytest.mark.parametrize(("ratio", "score"), [
    (0, 5), (12.5, 5), (20, 5), (20.01, 4), (25, 4), (25.5, 3), (30, 3), (30.5, 2), (40, 2), (40.01, 1), (90, 1),
])
def test_caseload_maps_members_per_specialist_to_the_published_anchors(ratio, score):
    assert caseload_rating(ratio) == Rating(score, RATED)


def test_caseload_without_specialists_has_no_rating():
    assert caseload_rating(None) == Rating(None, NO_DATA)


@pytest.mark.parametrize(("days", "expected"), [
    (0, Rating(5, RATED)), (30, Rating(5, RATED)), (30.1, Rating(None, BELOW_CONFIRMED)),
    (200, Rating(None, BELOW_CONFIRMED)), (None, Rating(None, NO_DATA)),
])
def test_rapid_search_is_5_within_30_days_on_average_and_otherwise_unrated(days, expected):
    assert rapid_search_rating(days) == expected


@pytest.mark.parametrize(("durations", "observed", "expected"), [
    ([10, 20], [True, True], Rating(5, RATED)),  # everyone had a contact: mean 15
    ([10, 60], [True, True], Rating(None, BELOW_CONFIRMED)),  # mean 35
    ([40, 35], [True, False], Rating(None, BELOW_CONFIRMED)),  # mean at least 37.5, whatever the wait
    ([5, 10], [True, False], Rating(None, NOT_RATED)),  # mean at least 7.5: unknown against 30
    ([], [], Rating(None, NO_DATA)),
])
def test_rapid_search_with_people_still_waiting_is_rated_only_when_the_mean_is_known(durations, observed, expected):
    assert rapid_search_rating_censored(durations, observed) == expected


@pytest.mark.parametrize(("per_week_value", "expected"), [
    (6, Rating(5, RATED)), (9.5, Rating(5, RATED)), (5.99, Rating(None, BELOW_CONFIRMED)),
    (0, Rating(None, BELOW_CONFIRMED)), (None, Rating(None, NO_DATA)),
])
def test_employer_contacts_are_5_from_six_a_week(per_week_value, expected):
    assert employer_contact_rating(per_week_value) == expected


@pytest.mark.parametrize(("share", "expected"), [
    (1.0, Rating(5, RATED)), (0.95, Rating(5, RATED)), (0.9499, Rating(None, BELOW_CONFIRMED)),
    (0.0, Rating(None, BELOW_CONFIRMED)), (None, Rating(None, NO_DATA)),
])
def test_competitive_jobs_are_5_from_95_percent(share, expected):
    assert competitive_rating(share) == expected


def test_follow_along_is_never_rated_from_data():
    assert follow_along_rating(0.8) == Rating(None, NOT_RATED)
    assert follow_along_rating(None) == Rating(None, NO_DATA)


def test_per_week_divides_by_specialists_and_weeks():
    assert per_week(12, 2, 14) == pytest.approx(3.0)
    assert per_week(12, 0, 14) is None
    assert per_week(12, 2, 0) is None


def test_items_complete_lists_missing_or_out_of_range_items():
    full = {i: 3 for i in fidelity.ITEM_IDS}
    assert items_complete(full) == []
    assert items_complete({**full, "7": 6, "9": 0, "12": True}) == ["7", "9", "12"]
    del full["25"]
    assert items_complete(full) == ["25"]
