"""Mentor ranking, checked by hand against the default weights (no database).

Default weights: same sector 3; stages further 1 → 1.5, 2 → 2, 3 → 1.5, 4 → 1;
a shared language 1; free places 1 × free/max; gender as preferred 1.
"""

from __future__ import annotations

from peerpath.pathway.matching import MenteeFacts, MentorFacts, Reason, Weights, rank_mentors

MENTEE = MenteeFacts(member_id=100, code="M0100", stage="awareness", sectors=frozenset({"food_service"}),
                     languages=("mandarin",))


def mentor(member_id: int, code: str, **facts) -> MentorFacts:
    defaults = dict(stage="rebuilding", gender="female", available=True, max_mentees=2, current_mentees=0,
                    sectors=frozenset(), languages=("mandarin",))
    return MentorFacts(member_id=member_id, code=code, **{**defaults, **facts})


def by_code(suggestions):
    return {s.candidate.code: s for s in suggestions}


def test_it_ranks_by_sector_stage_language_and_free_places():
    # M0001: 2 stages (2) + sector (3) + mandarin (1) + 1 of 3 free (1/3) = 6.333
    # M0003: 3 stages (1.5) + sector (3) + no shared language + 1 of 1 free (1) = 5.5
    # M0002: 1 stage (1.5) + other sector + mandarin (1) + 2 of 2 free (1) = 3.5
    ranked = rank_mentors(MENTEE, [
        mentor(2, "M0002", stage="preparation", sectors=frozenset({"retail"}), languages=("english", "mandarin")),
        mentor(1, "M0001", sectors=frozenset({"food_service"}), max_mentees=3, current_mentees=2),
        mentor(3, "M0003", stage="growth", sectors=frozenset({"food_service"}), languages=("english",),
               max_mentees=1),
    ])
    assert [(s.candidate.code, s.score) for s in ranked] == [("M0001", 6.333), ("M0003", 5.5), ("M0002", 3.5)]


def test_it_explains_each_part_of_the_score():
    [top] = rank_mentors(MENTEE, [mentor(1, "M0001", sectors=frozenset({"food_service"}), max_mentees=3,
                                         current_mentees=2)])
    assert top.reasons == (
        Reason("further", {"steps": 2}),
        Reason("same_sector", {"sector": "food_service"}),
        Reason("speaks", {"language": "mandarin"}),
        Reason("free_places", {"free": 1, "max": 3}),
    )
    assert top.exclusions == ()


def test_it_excludes_who_cannot_mentor_this_member_and_lists_them_last_by_code():
    ranked = rank_mentors(MENTEE, [
        mentor(6, "M0006", max_mentees=2, current_mentees=2),
        mentor(4, "M0004", available=False),
        mentor(1, "M0001"),
        mentor(5, "M0005", stage="awareness"),
        mentor(100, "M0100"),
        mentor(7, "M0007", stage=None),
    ])
    assert [s.candidate.code for s in ranked] == ["M0001", "M0004", "M0005", "M0006", "M0007", "M0100"]
    excluded = by_code(ranked)
    assert excluded["M0004"].exclusions == (Reason("not_available"),)
    assert excluded["M0005"].exclusions == (Reason("not_further", {"stage": "awareness"}),)
    assert excluded["M0006"].exclusions == (Reason("no_free_places", {"max": 2}),)
    assert excluded["M0007"].exclusions == (Reason("mentor_stage_unknown"),)
    assert Reason("self") in excluded["M0100"].exclusions
    assert all(s.score == 0 for s in ranked[1:])
    assert ranked[0].eligible and not any(s.eligible for s in ranked[1:])


def test_a_mentor_behind_in_recovery_is_not_further():
    [s] = rank_mentors(MENTEE, [mentor(1, "M0001", stage="moratorium")])
    assert s.exclusions == (Reason("not_further", {"stage": "moratorium"}),)


def test_the_current_mentor_is_not_suggested_again():
    mentee = MenteeFacts(**{**MENTEE.__dict__, "current_mentor_id": 1})
    [s] = rank_mentors(mentee, [mentor(1, "M0001")])
    assert s.exclusions == (Reason("current_mentor"),)


def test_equal_scores_are_ordered_by_code():
    ranked = rank_mentors(MENTEE, [mentor(10, "M0010"), mentor(9, "M0009"), mentor(11, "M0011")])
    assert [s.candidate.code for s in ranked] == ["M0009", "M0010", "M0011"]
    assert len({s.score for s in ranked}) == 1  # 2 + 1 + 1 = 4.0 each
    assert ranked[0].score == 4.0


def test_a_soft_gender_preference_adds_a_point_and_a_hard_one_excludes():
    soft = MenteeFacts(**{**MENTEE.__dict__, "gender_preference": "female"})
    ranked = by_code(rank_mentors(soft, [mentor(1, "M0001", gender="female"), mentor(2, "M0002", gender="male")]))
    assert ranked["M0001"].score == ranked["M0002"].score + 1
    assert Reason("gender_as_preferred") in ranked["M0001"].reasons
    hard = MenteeFacts(**{**soft.__dict__, "gender_required": True})
    ranked = by_code(rank_mentors(hard, [mentor(1, "M0001", gender="female"), mentor(2, "M0002", gender="male")]))
    assert ranked["M0001"].eligible
    assert ranked["M0002"].exclusions == (Reason("gender_not_as_required"),)


def test_a_mentee_not_yet_assessed_is_matched_without_the_stage():
    mentee = MenteeFacts(**{**MENTEE.__dict__, "stage": None})
    [s] = rank_mentors(mentee, [mentor(1, "M0001", stage="preparation")])
    assert s.eligible
    assert s.score == 2.0  # mandarin (1) + 2 of 2 places free (1)
    assert not any(r.key == "further" for r in s.reasons)


def test_far_ahead_counts_less_than_a_step_or_two():
    mentee = MenteeFacts(**{**MENTEE.__dict__, "stage": "moratorium", "languages": ()})
    ranked = by_code(rank_mentors(mentee, [
        mentor(1, "M0001", stage="awareness"), mentor(2, "M0002", stage="preparation"),
        mentor(3, "M0003", stage="rebuilding"), mentor(4, "M0004", stage="growth"),
    ]))
    # each also has 2 of 2 places free (1)
    assert [ranked[c].score for c in ("M0001", "M0002", "M0003", "M0004")] == [2.5, 3.0, 2.5, 2.0]


def test_weights_can_be_changed():
    heavy_language = Weights(language=10.0)
    ranked = rank_mentors(MENTEE, [
        mentor(1, "M0001", sectors=frozenset({"food_service"}), languages=("english",)),
        mentor(2, "M0002"),
    ], heavy_language)
    assert [s.candidate.code for s in ranked] == ["M0002", "M0001"]


def test_reasons_read_as_sentences():
    from django.utils import translation

    from peerpath.pathway.describe import reason_text

    with translation.override("en"):
        assert reason_text(Reason("same_sector", {"sector": "food_service"})) == "Same job sector: Food service"
        assert reason_text(Reason("further", {"steps": 2})) == "2 stages further in recovery"
        assert reason_text(Reason("further", {"steps": 1})) == "1 stage further in recovery"
        assert reason_text(Reason("speaks", {"language": "english"})) == "Speaks English"
        assert reason_text(Reason("free_places", {"free": 1, "max": 3})) == "Has 1 of 3 places free"
        assert reason_text(Reason("gender_as_preferred")) == "Gender as preferred"
        assert reason_text(Reason("not_further", {"stage": "awareness"})) == "Not further in recovery (Awareness)"
