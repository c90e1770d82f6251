"""The instrument library: every definition file loads and is internally consistent, and a
broken definition is refused with a message that names the file and the field. No database."""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from peerpath.measures.definitions import (
    LIBRARY_DIR,
    DefinitionError,
    Instrument,
    Score,
    load_file,
    load_library,
)

DEFINITION_FILES = sorted(LIBRARY_DIR.glob("*.yaml"))

# The instruments issue 3 asks the library to hold.
REQUIRED = {
    "phq9", "k10", "k6", "who5", "rses", "gses", "brs", "qpr15", "stori",
    "ismi29", "ismi10", "lsns6", "ucla3", "ras24", "ahs", "hhi", "gcqs", "ips25",
}  # fmt: skip

# The "scoring rules only" licence group (docs/measures.md, "Wording, licences and
# translations"): the wording is entered locally by a licensee, never shipped. Ids beyond the
# required ones are the likely names of the group's other members, checked if they are ever added.
SCORING_RULES_ONLY = {
    "ismi29", "ismi10", "lsns6", "ucla3", "ras24", "ahs", "hhi", "gcqs", "ips25",
    "es", "mdes", "tfis", "tfi19", "gsrs", "cdrisc", "cdrisc10", "cdrisc25",
}  # fmt: skip

# Scores whose bands deliberately mark only part of the range (a single cut-off, say), as
# (instrument id, score id). Every other banded score must put each reachable value in exactly
# one band.
PARTIAL_BANDS: set[tuple[str, str]] = set()

# A continuous (visual-analogue) item is checked on a grid of 1/GRID of its range.
GRID = 100


@cache
def _instrument(path: Path) -> Instrument:
    return load_file(path)


def _num(value: float) -> Fraction:
    """The decimal a YAML number was written as, exactly (2.000001 stays 2.000001)."""
    return Fraction(str(value))


def _item_values(instrument: Instrument, item_id: str) -> list[Fraction]:
    """The values an item contributes to a score, reverse keying applied."""
    item = instrument.item(item_id)
    responses = instrument.response_sets[item.response_set]
    low, high = _num(responses.low), _num(responses.high)
    if responses.continuous:
        values = [low + (high - low) * step / GRID for step in range(GRID + 1)]
    else:
        values = [_num(v) for v in responses.values]
    return sorted({low + high - v for v in values} if item.reverse else set(values))


def reachable_values(instrument: Instrument, score: Score) -> set[Fraction]:
    """Every value the score can take: all answer combinations of every allowed number of
    answered items, combined by sum or mean, prorated and multiplied as the definition says."""
    n = len(score.items)
    # sums[k]: the totals of every combination of k answered items.
    sums: list[set[Fraction]] = [{Fraction(0)}] + [set() for _ in range(n)]
    for item_id in score.items:
        values = _item_values(instrument, item_id)
        for k in range(n - 1, -1, -1):
            sums[k + 1] |= {total + v for total in sums[k] for v in values}
    answered = range(score.prorate.min_answered, n + 1) if score.prorate else [n]
    multiplier = _num(score.multiplier)
    result: set[Fraction] = set()
    for k in answered:
        for total in sums[k]:
            if score.method == "mean":
                candidates = [total / k]
            elif k == n:
                candidates = [total]
            else:  # a sum scaled up from k answered items
                scaled = total * n / k
                if score.prorate and score.prorate.round_to == "integer":
                    candidates = [Fraction(math.floor(scaled)), Fraction(math.ceil(scaled))]
                else:
                    candidates = [scaled]
            result.update(c * multiplier for c in candidates)
    return result


def _label(path: Path) -> str:
    return path.stem


# -- the library as a whole ---------------------------------------------------------------


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_label)
def test_every_definition_file_loads_and_validates(path: Path) -> None:
    instrument = load_file(path)
    assert instrument.id == path.stem


def test_the_library_loads_every_file_by_id() -> None:
    library = load_library()
    assert sorted(library) == [p.stem for p in DEFINITION_FILES]


def test_the_library_holds_every_instrument_issue_3_requires() -> None:
    missing = REQUIRED - set(load_library())
    assert not missing, f"instruments required by issue 3 but not in the library: {sorted(missing)}"


def test_no_instrument_of_the_scoring_rules_only_group_ships_wording() -> None:
    shipped = []
    for instrument in load_library().values():
        if instrument.id not in SCORING_RULES_ONLY:
            continue
        if instrument.licence.wording_redistributable:
            shipped.append(f"{instrument.id}: licence.wording_redistributable is true")
        if instrument.instructions is not None:
            shipped.append(f"{instrument.id}: instructions are shipped")
        shipped += [f"{instrument.id}: item {i.id} has text" for i in instrument.items if i.text]
    assert not shipped


# -- each definition ----------------------------------------------------------------------


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_label)
def test_every_scored_item_counts_in_at_least_one_score(path: Path) -> None:
    instrument = _instrument(path)
    in_a_score = {item_id for score in instrument.scores for item_id in score.items}
    orphans = [i.id for i in instrument.items if i.scored and i.id not in in_a_score]
    assert not orphans, f"scored items in no score: {orphans}"


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_label)
def test_bands_lie_within_the_scores_theoretical_range(path: Path) -> None:
    instrument = _instrument(path)
    outside = []
    for score in instrument.scores:
        if not score.bands:
            continue
        values = reachable_values(instrument, score)
        low, high = min(values), max(values)
        for band in score.bands:
            if _num(band.min) < low or _num(band.max) > high:
                outside.append(
                    f"score {score.id}: band {band.label.get('en')!r} {band.min}–{band.max} "
                    f"is outside the range {float(low):g}–{float(high):g}"
                )
    assert not outside


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_label)
def test_bands_put_every_reachable_value_in_exactly_one_band(path: Path) -> None:
    instrument = _instrument(path)
    problems = []
    for score in instrument.scores:
        if not score.bands or (instrument.id, score.id) in PARTIAL_BANDS:
            continue
        spans = [(_num(b.min), _num(b.max)) for b in score.bands]
        for value in sorted(reachable_values(instrument, score)):
            hits = sum(1 for low, high in spans if low <= value <= high)
            if hits != 1:
                where = "no band" if hits == 0 else f"{hits} bands"
                problems.append(f"score {score.id}: {float(value):.6g} falls in {where}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_label)
def test_shipped_zh_hant_wording_is_marked_as_an_unvalidated_translation(path: Path) -> None:
    instrument = _instrument(path)
    texts = [i.text for i in instrument.items] + [instrument.instructions]
    ships_zh_hant = any(t is not None and t.zh_hant for t in texts)
    translation = instrument.translations.get("zh-hant")
    if ships_zh_hant:
        assert translation is not None and translation.status == "unvalidated"
    elif translation is not None:
        assert translation.status == "absent", "no zh-hant wording is shipped"


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=_label)
def test_every_instrument_has_a_citation_and_a_licence_text(path: Path) -> None:
    instrument = _instrument(path)
    assert instrument.citation.strip()
    assert instrument.licence.text.strip()


# -- malformed definitions ----------------------------------------------------------------


def _valid_definition(**changes: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "id": "demo",
        "version": 1,
        "short_name": "DEMO",
        "name": {"en": "Demo scale", "zh-hant": "示範量表"},
        "domain": "testing",
        "response_sets": {
            "agree": {
                "options": [
                    {"value": 1, "label": {"en": "Disagree"}},
                    {"value": 2, "label": {"en": "Neutral"}},
                    {"value": 3, "label": {"en": "Agree"}},
                ]
            }
        },
        "items": [{"id": "1", "response_set": "agree"}, {"id": "2", "response_set": "agree"}],
        "scores": [
            {
                "id": "total",
                "label": {"en": "Total"},
                "items": ["1", "2"],
                "method": "sum",
                "direction": "higher_is_worse",
                "bands": [
                    {"min": 2, "max": 3, "label": {"en": "Low"}},
                    {"min": 4, "max": 6, "label": {"en": "High"}},
                ],
            }
        ],
        "licence": {"wording_redistributable": False, "text": "scoring rules only"},
        "citation": "Nobody N. A demo scale. J Tests. 2024;1:1-2.",
        "translations": {"en": {"status": "absent"}, "zh-hant": {"status": "absent"}},
    }
    definition.update(changes)
    return definition


def _write(directory: Path, definition: dict[str, Any], name: str = "demo.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(DefinitionError) as refused:
        load_library(path.parent)
    return str(refused.value)


def test_the_valid_base_definition_of_these_tests_loads(tmp_path: Path) -> None:
    assert load_file(_write(tmp_path, _valid_definition())).id == "demo"


def test_an_unknown_response_set_is_refused_naming_the_file_and_field(tmp_path: Path) -> None:
    items = [{"id": "1", "response_set": "agree"}, {"id": "2", "response_set": "agreee"}]
    message = _refusal(_write(tmp_path, _valid_definition(items=items)))
    assert "demo.yaml" in message
    assert "item 2" in message and "response_set" in message and "agreee" in message


def test_overlapping_bands_are_refused_naming_the_file_and_field(tmp_path: Path) -> None:
    definition = _valid_definition()
    definition["scores"][0]["bands"][1]["min"] = 3
    message = _refusal(_write(tmp_path, definition))
    assert "demo.yaml" in message
    assert "scores.0" in message and "bands overlap" in message


def test_item_text_under_a_non_redistributable_licence_is_refused(tmp_path: Path) -> None:
    definition = _valid_definition()
    definition["items"][0]["text"] = {"en": "Licensed wording"}
    message = _refusal(_write(tmp_path, definition))
    assert "demo.yaml" in message
    assert "item 1" in message and "text" in message
    assert "licence.wording_redistributable" in message


def test_a_file_named_other_than_its_id_is_refused(tmp_path: Path) -> None:
    message = _refusal(_write(tmp_path, _valid_definition(), name="other.yaml"))
    assert "other.yaml" in message
    assert "instrument id" in message and "demo.yaml" in message


def test_a_yaml_syntax_error_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nitems: [1, 2\nscores: {\n", encoding="utf-8")
    message = _refusal(path)
    assert "broken.yaml" in message
    assert "cannot be read as YAML" in message and "line" in message


def test_a_missing_required_field_is_refused_naming_the_file_and_field(tmp_path: Path) -> None:
    definition = _valid_definition()
    del definition["citation"]
    message = _refusal(_write(tmp_path, definition))
    assert "demo.yaml" in message and "citation" in message


# -- the range checker itself -------------------------------------------------------------


def test_the_checker_finds_every_mean_of_a_prorated_reverse_keyed_score() -> None:
    """Two items 1–3, one reversed, mean of at least one answered: every half from 1 to 3."""
    definition = _valid_definition()
    definition["items"][1]["reverse"] = True
    definition["scores"][0].update(
        method="mean", bands=[], prorate={"min_answered": 1, "method": "mean_of_answered"}
    )
    instrument = Instrument.model_validate(definition)
    assert reachable_values(instrument, instrument.scores[0]) == {
        Fraction(n, 2) for n in range(2, 7)
    }


def test_the_checker_applies_the_multiplier_and_integer_rounding_of_a_scaled_up_sum() -> None:
    """Three items 1–3, sum scaled up from two answered and rounded, then doubled."""
    definition = _valid_definition()
    definition["items"].append({"id": "3", "response_set": "agree"})
    definition["scores"][0].update(
        items=["1", "2", "3"],
        multiplier=2,
        bands=[],
        prorate={"min_answered": 2, "method": "scale_up", "round_to": "integer"},
    )
    instrument = Instrument.model_validate(definition)
    # Two answered: 2..6 × 3/2 = 3, 4.5, 6, 7.5, 9 → 3, 4, 5, 6, 7, 8, 9; three answered: 3..9.
    assert reachable_values(instrument, instrument.scores[0]) == {
        Fraction(2 * n) for n in range(3, 10)
    }
