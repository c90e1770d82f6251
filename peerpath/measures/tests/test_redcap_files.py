"""REDCap data dictionaries: reading the real dictionaries in tests/data/redcap.
No database."""

from __future__ import annotations

import pytest

from peerpath.measures.redcap import (
    Choice,
    DictionaryError,
    not_imported,
    parse_data_dictionary,
)
from peerpath.measures.scoring import score_one
from peerpath.measures.tests._redcap_helpers import (
    CHOICES,
    convert,
    only_form,
    problems,
    shared_file,
)

# --- the shared test data -------------------------------------------------------------


def test_the_old_header_variant_of_format_1_reads_every_field_type() -> None:
    forms = parse_data_dictionary(shared_file("format_1.csv"))
    assert [f.name for f in forms] == ["demographics", "info"]
    demographics = forms[0]
    types = {f.name: f.field_type for f in demographics.fields}
    assert types["sex"] == "dropdown" and types["ethnicity"] == "radio"
    assert types["race"] == "checkbox" and types["address"] == "notes" and types["age"] == "calc"
    assert (types["sliderq"], types["truefalseq"], types["yesnoq"]) == ("slider", "truefalse", "yesno")
    assert demographics.field("sex").choices == (Choice("0", "Female"), Choice("1", "Male"))
    assert demographics.field("race").record_columns == ("race___0", "race___1", "race___2", "race___3")
    assert demographics.field("yesnoq").choices == (Choice("0", "No"), Choice("1", "Yes"))
    assert demographics.field("truefalseq").choices == (Choice("0", "False"), Choice("1", "True"))
    assert demographics.field("sliderq").slider_range == (0.0, 100.0)
    height = demographics.field("height")
    assert (height.validation, height.validation_min, height.validation_max) == ("number", "130", "215")
    assert demographics.field("age").calculation == "round(datediff([dob],'today','y'),0)"
    assert demographics.field("first_name").identifier
    assert demographics.field("given_birth").branching_logic == '[sex] = "0"'
    assert demographics.field("date_enrolled").section_header == "Demographic Attributes"
    assert demographics.field("study_id").row == 2 and forms[1].field("comments").row == 25


def test_format_1_becomes_an_instrument_of_its_choice_fields_sharing_identical_scales() -> None:
    demographics = parse_data_dictionary(shared_file("format_1.csv"), form="demographics")[0]
    instrument = convert(demographics)
    assert [i.id for i in instrument.items] == ["sex", "given_birth", "ethnicity", "sliderq", "truefalseq", "yesnoq"]
    # the dropdown "0, No | 1, Yes" and the built-in yesno field share one response set
    assert instrument.item("given_birth").response_set == instrument.item("yesnoq").response_set
    slider = instrument.response_sets[instrument.item("sliderq").response_set]
    assert slider.continuous and (slider.low, slider.high) == (0, 100)
    answers = {"sex": 1, "given_birth": 0, "ethnicity": 2, "sliderq": 37.5, "truefalseq": 1, "yesnoq": 1}
    assert score_one(instrument, answers)["scores"]["total"]["value"] == 42.5
    skipped = {(s.name, s.column) for s in not_imported(demographics)}
    assert ("race", "Field Type") in skipped and ("age", "Field Type") in skipped
    assert ("given_birth", "Branching Logic (Show field only if...)") in skipped
    assert "sex" not in {name for name, _ in skipped}


def test_complex_1_reads_columns_by_name_whatever_their_order() -> None:
    forms = parse_data_dictionary(shared_file("complex_1.csv"))
    assert [f.name for f in forms] == [
        "demographics", "baseline_data", "month_1_data", "month_2_data", "month_3_data", "completion_data",
    ]  # fmt: skip
    demographics = forms[0]
    # this file puts Text Validation Min/Max straight after Field Note
    assert demographics.field("height").validation_min == "130"
    assert demographics.field("height").validation_max == "215"
    assert demographics.field("num_children").branching_logic == '[sex] = "0" and [given_birth] = "1"'
    assert demographics.field("first_name").identifier and not demographics.field("sex").identifier
    assert len(demographics.field("race").choices) == 7


def test_complex_1_month_form_takes_its_section_title_as_instructions_and_lists_later_headers() -> None:
    month = parse_data_dictionary(shared_file("complex_1.csv"), form="month_1_data")[0]
    instrument = convert(month)
    assert [i.id for i in instrument.items] == [
        "compliance_1", "hospit_1", "cause_hosp_1", "discharge_summary_1", "death_1", "cause_death_1",
    ]  # fmt: skip
    no_yes = {instrument.item(i).response_set for i in ("hospit_1", "discharge_summary_1", "death_1")}
    assert len(no_yes) == 1 and len(instrument.response_sets) == 4
    assert instrument.instructions is not None and instrument.instructions.en == "Month 1"
    headers = [(s.name, s.row) for s in not_imported(month) if s.column == "Section Header"]
    assert headers == [("hospit_1", 62), ("death_1", 67)]


def test_complex_2_agitated_behavior_scale_imports_as_a_14_to_56_total() -> None:
    form = only_form(shared_file("complex_2.csv"))
    instrument = convert(form, instrument_id="abs", name_en="Agitated Behavior Scale", short_name="ABS")
    assert [i.id for i in instrument.items] == [f"{n:02d}" for n in range(1, 15)]
    first = instrument.items[0]
    assert first.text is not None
    assert first.text.en == "1. Short attention span, easy distractibility, inability to concentrate."
    assert list(instrument.response_sets) == ["choices"]
    assert instrument.response_sets["choices"].options[1].label.en == "2- present to a slight degree"
    assert instrument.instructions is not None and instrument.instructions.en is not None
    assert instrument.instructions.en.startswith("At the end of the observation period indicate")
    assert "ratings. 1 = absent" in instrument.instructions.en  # runs of spaces collapsed
    # the dictionary's own total field is validated as an integer from 14 to 56
    total = form.field("abs_total_score")
    for value, expected in ((1, float(total.validation_min)), (4, float(total.validation_max))):
        answers = {item.id: value for item in instrument.items}
        assert score_one(instrument, answers)["scores"]["total"]["value"] == expected
    assert [s.name for s in not_imported(form)] == [
        "abs_patient_1", "abs_patient_2", "abs_rater_disc", "abs_start", "abs_end", "abs_total_score",
    ]  # fmt: skip


def test_matrix_1_reads_a_matrix_group_but_text_codes_cannot_be_items() -> None:
    form = only_form(shared_file("matrix_1.csv"))
    assert [f.matrix_group for f in form.fields] == ["matrixgroupname"] * 3
    assert form.fields[0].section_header == "Matrix Header"
    assert form.fields[0].choices[0] == Choice("id_1", "column1")
    with pytest.raises(DictionaryError) as caught:
        convert(form)
    messages = [str(p) for p in caught.value.problems]
    assert "has no radio, dropdown, yesno, truefalse or slider field with numeric codes" in messages[0]
    for row in (2, 3, 4):
        assert any(m.startswith(f"row {row}, column '{CHOICES}'") and "id_1, id_2, id_3" in m for m in messages)


def test_bad_field_type_is_refused_naming_row_and_column() -> None:
    found = problems(shared_file("bad_field_type.csv"))
    assert len(found) == 1
    assert found[0].startswith("row 4, column 'Field Type': unknown field type 'bad'")


def test_bad_format_is_refused_naming_the_missing_header_columns() -> None:
    found = problems(shared_file("bad_format.csv"))
    assert [m.split(":")[0] for m in found] == [
        "row 1, column 'Variable / Field Name'", "row 1, column 'Form Name'",
        "row 1, column 'Field Type'", "row 1, column 'Field Label'",
    ]  # fmt: skip
    assert "is this a REDCap data dictionary?" in found[0] and "'Code'" in found[0]
