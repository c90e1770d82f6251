"""REDCap export: writing every shipped instrument as a data dictionary whose calculated
fields equal PeerPath's scores and which reads back. No database."""

from __future__ import annotations

import csv
import io
import random
import re
from typing import Any

import pytest

from peerpath.measures.definitions import Instrument, Score
from peerpath.measures.redcap import (
    HEADER,
    not_imported,
    to_data_dictionary,
)
from peerpath.measures.scoring import score_one
from peerpath.measures.tests._redcap_helpers import (
    CHOICES,
    LIBRARY,
    convert,
    only_form,
)

# --- export ---------------------------------------------------------------------------


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_writes_the_newer_header_one_radio_per_item_and_a_calc_per_score() -> None:
    phq9 = LIBRARY["phq9"]
    text = to_data_dictionary(phq9)
    assert next(csv.reader(io.StringIO(text))) == list(HEADER) and len(HEADER) == 18
    rows = rows_of(text)
    assert [r["Variable / Field Name"] for r in rows] == [f"phq9_{n}" for n in range(1, 10)] + ["phq9_total"]
    assert {r["Form Name"] for r in rows} == {"phq9"}
    first = rows[0]
    assert (first["Field Type"], first["Field Label"]) == ("radio", "Little interest or pleasure in doing things")
    assert first[CHOICES] == "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
    assert first["Section Header"].startswith("Over the last 2 weeks")
    assert {r["Matrix Group Name"] for r in rows[:9]} == {"phq9_frequency"}
    total = rows[9]
    assert (total["Field Type"], total["Field Label"]) == ("calc", "Total")
    assert total[CHOICES] == "sum(" + ",".join(f"[phq9_{n}]" for n in range(1, 10)) + ")"
    assert [r["Variable / Field Name"] for r in rows if r["Field Annotation"]] == ["phq9_9"]
    assert rows[8]["Field Annotation"].startswith("Peerpath safety rule: an answer of 1 or more raises an alert")
    zh = rows_of(to_data_dictionary(phq9, language="zh-hant", form_name="phq9_zh"))
    assert zh[0]["Field Label"] == "做事時提不起勁或沒有樂趣" and zh[0]["Form Name"] == "phq9_zh"


def test_export_reverse_keys_as_low_plus_high_minus_the_answer_and_applies_the_multiplier() -> None:
    ismi29 = {r["Variable / Field Name"]: r for r in rows_of(to_data_dictionary(LIBRARY["ismi29"]))}
    assert ismi29["ismi29_1"]["Field Label"] == "Item 1"  # wording not shipped
    formula = ismi29["ismi29_stigma_resistance"][CHOICES]
    assert formula == "mean((5-[ismi29_7]),(5-[ismi29_14]),(5-[ismi29_24]),(5-[ismi29_26]),(5-[ismi29_27]))"
    who5 = {r["Variable / Field Name"]: r for r in rows_of(to_data_dictionary(LIBRARY["who5"]))}
    assert who5["who5_percentage"][CHOICES] == "sum([who5_1],[who5_2],[who5_3],[who5_4],[who5_5])*4"
    rses = rows_of(to_data_dictionary(LIBRARY["rses"]))
    assert rses[0][CHOICES].split(" | ")[0].startswith("3, ")  # options keep their order


def _variant(base: Instrument, **changes: Any) -> Instrument:
    data = base.model_dump(by_alias=True, exclude_none=True) | changes
    return Instrument.model_validate(data)


def test_export_groups_consecutive_items_of_a_response_set_into_matrices() -> None:
    phq9 = LIBRARY["phq9"]
    yes_no = {"options": [{"value": 0, "label": {"en": "No"}}, {"value": 1, "label": {"en": "Yes"}}]}
    sets = ["frequency", "frequency", "yes_no", "frequency", "frequency", "frequency", "yes_no", "yes_no", "frequency"]
    items = [{"id": i.id, "response_set": s} for i, s in zip(phq9.items, sets, strict=True)]
    instrument = _variant(phq9, items=items, response_sets={"frequency": phq9.response_sets["frequency"].model_dump(), "yes_no": yes_no},
                          scores=[{"id": "total", "label": {"en": "Total"}, "items": ["1"], "method": "sum", "direction": "higher_is_worse"}],
                          safety=[], licence={"wording_redistributable": False, "text": "none"}, instructions=None)  # fmt: skip
    groups = [r["Matrix Group Name"] for r in rows_of(to_data_dictionary(instrument))][:9]
    assert groups == [
        "phq9_frequency", "phq9_frequency", "", "phq9_frequency_2", "phq9_frequency_2", "phq9_frequency_2",
        "phq9_yes_no", "phq9_yes_no", "",
    ]  # fmt: skip
    back = convert(only_form(to_data_dictionary(instrument)), instrument_id="phq9", licence=instrument.licence)
    assert [i.response_set for i in back.items] == sets


def test_export_writes_a_continuous_scale_as_a_slider_and_escapes_markup() -> None:
    phq9 = LIBRARY["phq9"]
    vas = {"continuous": True, "options": [{"value": 0, "label": {"en": "Worst"}}, {"value": 100, "label": {"en": "Best"}}]}
    items = [{"id": "1", "response_set": "vas", "text": {"en": "Health <today> & now &amp; then"}}]
    instrument = _variant(phq9, items=items, response_sets={"vas": vas}, safety=[],
                          scores=[{"id": "total", "label": {"en": "Total"}, "items": ["1"], "method": "sum", "direction": "higher_is_better"}])  # fmt: skip
    [row, _] = rows_of(to_data_dictionary(instrument))
    assert (row["Field Type"], row[CHOICES], row["Text Validation Min"], row["Text Validation Max"]) == ("slider", "Worst |  | Best", "0", "100")
    back = convert(only_form(to_data_dictionary(instrument)), instrument_id="phq9")
    assert back.items[0].text is not None and back.items[0].text.en == "Health <today> & now &amp; then"
    assert back.response_sets["slider"] == instrument.response_sets["vas"]
    with pytest.raises(ValueError, match="form name"):
        to_data_dictionary(instrument, form_name="PHQ 9")


FORMULA = re.compile(r"(sum|mean)\((.*)\)(?:\*([0-9.]+))?")
TERM = re.compile(r"\[(\w+)\]|\(([0-9.]+)-\[(\w+)\]\)")


def evaluate(formula: str, record: dict[str, float]) -> float:
    """A REDCap sum()/mean() formula as exported, on a complete record."""
    match = FORMULA.fullmatch(formula)
    assert match, formula
    values = []
    for term in match.group(2).split(","):
        found = TERM.fullmatch(term)
        assert found, term
        values.append(record[found.group(1)] if found.group(1) else float(found.group(2)) - record[found.group(3)])
    total = sum(values) if match.group(1) == "sum" else sum(values) / len(values)
    return total * float(match.group(3) or 1)


@pytest.mark.parametrize("instrument_id", sorted(LIBRARY))
def test_exported_calc_fields_equal_peerpath_scores_for_complete_responses(instrument_id: str) -> None:
    instrument = LIBRARY[instrument_id]
    calcs = [r for r in rows_of(to_data_dictionary(instrument)) if r["Field Type"] == "calc"]
    assert [r["Variable / Field Name"] for r in calcs] == [f"{instrument_id}_{s.id}" for s in instrument.scores]
    rng = random.Random(instrument_id)
    for _ in range(25):
        answers = {i.id: rng.choice(instrument.response_sets[i.response_set].values) for i in instrument.items}
        record = {f"{instrument_id}_{k}": v for k, v in answers.items()}
        scores = score_one(instrument, answers)["scores"]
        for score, row in zip(instrument.scores, calcs, strict=True):
            assert evaluate(row[CHOICES], record) == pytest.approx(scores[score.id]["value"]), score.id


def _plain_total(instrument: Instrument) -> Score | None:
    """A score of the original that the import's default total reproduces: every item, no
    reverse keying, no multiplier."""
    every = [i.id for i in instrument.items]
    for score in instrument.scores:
        if score.items == every and score.multiplier == 1 and not any(i.reverse for i in instrument.items):
            return score
    return None


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@pytest.mark.parametrize("instrument_id", sorted(LIBRARY))
def test_every_shipped_instrument_round_trips_through_redcap(instrument_id: str, language: str) -> None:
    original = LIBRARY[instrument_id]
    form = only_form(to_data_dictionary(original, language=language))
    kwargs = {"instrument_id": instrument_id, "licence": original.licence, "direction": original.primary_score.direction}
    back = convert(form, **kwargs)
    assert [i.id for i in back.items] == [i.id for i in original.items]
    for mine, theirs in zip(original.items, back.items, strict=True):
        assert (mine.text.get(language) if mine.text else None) == (theirs.text.get(language) if theirs.text else None)
        ours = original.response_sets[mine.response_set]
        read = back.response_sets[theirs.response_set]
        assert [(o.value, o.label.get(language)) for o in ours.options] == [(o.value, o.label.get(language)) for o in read.options]
        assert theirs.response_set == mine.response_set
    assert (back.instructions.get(language) if back.instructions else None) == (
        original.instructions.get(language) if original.instructions else None
    )
    assert [s.name for s in not_imported(form)] == [f"{instrument_id}_{s.id}" for s in original.scores]
    # totals without reverse keying: the import's sum (and mean) of every item
    mean = convert(form, **kwargs, method="mean")
    plain = _plain_total(original)
    rng = random.Random(f"{instrument_id}-{language}")
    for _ in range(10):
        answers = {i.id: rng.choice(original.response_sets[i.response_set].values) for i in original.items}
        raw = sum(answers.values())
        assert score_one(back, answers)["scores"]["total"]["value"] == pytest.approx(raw)
        assert score_one(mean, answers)["scores"]["total"]["value"] == pytest.approx(raw / len(answers))
        if plain is not None:
            expected = score_one(original, answers)["scores"][plain.id]["value"]
            assert score_one(back if plain.method == "sum" else mean, answers)["scores"]["total"]["value"] == pytest.approx(expected)
