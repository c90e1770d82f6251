"""REDCap data dictionaries: reading real dictionaries (shared/testdata/redcap) and small
ones written here in both header variants, errors that name the row and column, turning a
form into a scorable instrument, and exporting every shipped instrument so that it reads
back. No database."""

from __future__ import annotations

import csv
import io
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.measures.definitions import Direction, Instrument, Licence, Score, load_library
from peerpath.measures.redcap import (
    HEADER,
    Choice,
    DictionaryError,
    DictionaryForm,
    Problem,
    not_imported,
    parse_choices,
    parse_data_dictionary,
    plain_text,
    to_data_dictionary,
    to_instrument,
)
from peerpath.measures.scoring import score_one

# shared/ sits beside the repository: /work/main/../shared locally, the same in CI.
TESTDATA = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "redcap"
LIBRARY = load_library()
OPEN = Licence(wording_redistributable=True, text="Test licence.")
CLOSED = Licence(wording_redistributable=False, text="Scoring rules only.")
CHOICES = "Choices, Calculations, OR Slider Labels"


def shared_file(name: str) -> bytes:
    if not TESTDATA.is_dir():
        message = f"REDCap test data missing: expected {TESTDATA} (shared/ beside the repository)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message)
        pytest.skip(message)
    return (TESTDATA / name).read_bytes()


def only_form(source: str | bytes, form: str | None = None) -> DictionaryForm:
    [result] = parse_data_dictionary(source, form=form)
    return result


def convert(form: DictionaryForm, **kwargs: Any) -> Instrument:
    defaults: dict[str, Any] = {
        "instrument_id": "imported",
        "licence": OPEN,
        "citation": "Test citation.",
        "direction": Direction.HIGHER_IS_WORSE,
    }
    return to_instrument(form, **(defaults | kwargs))


def field(name: str, field_type: str, label: str, choices: str = "", **more: str) -> dict[str, str]:
    row = {
        "Variable / Field Name": name,
        "Form Name": more.pop("form", "scale"),
        "Field Type": field_type,
        "Field Label": label,
        CHOICES: choices,
    }
    return row | more


def dictionary(*rows: dict[str, str], header: tuple[str, ...] | list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def problems(source: str | bytes, **kwargs: Any) -> list[str]:
    with pytest.raises(DictionaryError) as caught:
        parse_data_dictionary(source, **kwargs)
    return [str(p) for p in caught.value.problems]


FREQ = "0, Not at all | 1, Some days | 2, Most days"

# The oldest header (REDCap 3-5: "Field Units", "Choices OR Calculations", "Text Validation
# Type", no matrix columns), hand-written with a label quoted over two lines and HTML.
OLD_SAMPLE = """\
"Variable / Field Name","Form Name","Field Units","Section Header","Field Type","Field Label","Choices OR Calculations","Field Note","Text Validation Type","Text Validation Min","Text Validation Max",Identifier?,"Branching Logic (Show field only if...)","Required Field?"
record_id,mood,,,text,Record ID,,,,,,,,
mood_intro,mood,,Mood check,descriptive,"<p>Think about the <b>last two weeks</b>.</p>",,,,,,,,
mood_1,mood,,,radio,Felt low,"0, Not at all | 1, Some days | 2, Most days",,,,,,,y
mood_2,mood,,,radio,"Felt
tense","0, Not at all | 1, Some days | 2, Most days",,,,,,,y
mood_3,mood,,,yesno,Slept well?,,,,,,,[mood_1] = '2',
mood_days,mood,days,,text,Days off work,,,integer,0,14,,,
mood_total,mood,,,calc,Total,"sum([mood_1],[mood_2])",,,,,,,
"""

# The same form with the newer header, its columns in another order, as REDCap writes it.
NEW_SAMPLE = dictionary(
    field("record_id", "text", "Record ID", form="mood"),
    field("mood_intro", "descriptive", "<p>Think about the <b>last two weeks</b>.</p>",
          form="mood", **{"Section Header": "Mood check"}),
    field("mood_1", "radio", "Felt low", FREQ, form="mood", **{"Required Field?": "y"}),
    field("mood_2", "radio", "Felt\ntense", FREQ, form="mood", **{"Required Field?": "y"}),
    field("mood_3", "yesno", "Slept well?", form="mood",
          **{"Branching Logic (Show field only if...)": "[mood_1] = '2'"}),
    field("mood_days", "text", "Days off work", form="mood", **{
        "Text Validation Type OR Show Slider Number": "integer",
        "Text Validation Min": "0", "Text Validation Max": "14"}),
    field("mood_total", "calc", "Total", "sum([mood_1],[mood_2])", form="mood"),
    header=list(reversed(HEADER)),
)  # fmt: skip


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


# --- header variants, text and encodings ----------------------------------------------


def test_old_and_new_header_variants_read_the_same() -> None:
    old, new = only_form(OLD_SAMPLE), only_form(NEW_SAMPLE)
    assert old == new
    assert old.field("mood_intro").label == "Think about the last two weeks."
    assert old.field("mood_2").label == "Felt\ntense"
    assert old.field("mood_days").validation == "integer" and old.field("mood_1").required
    instrument = convert(old, instrument_id="mood")
    assert [i.id for i in instrument.items] == ["1", "2", "3"]
    assert instrument.instructions is not None
    assert instrument.instructions.en == "Mood check\n\nThink about the last two weeks."


def test_rows_count_like_a_spreadsheet_and_name_the_line_after_a_multiline_label() -> None:
    broken = OLD_SAMPLE.replace("mood_3,mood,,,yesno", "mood_3,mood,,,yes/no")
    assert problems(broken) == [
        "row 6 (line 7 of the file), column 'Field Type': unknown field type 'yes/no'; "
        "REDCap's field types are text, notes, dropdown, radio, checkbox, yesno, truefalse, "
        "calc, slider, descriptive, file, sql"
    ]


def test_a_bom_crlf_line_ends_and_semicolons_are_read() -> None:
    data = ("\ufeff" + OLD_SAMPLE.replace("\n", "\r\n")).encode("utf-8")
    assert only_form(data) == only_form(OLD_SAMPLE)
    rows = list(csv.reader(io.StringIO(NEW_SAMPLE, newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    assert only_form(out.getvalue()) == only_form(NEW_SAMPLE)


def test_html_in_labels_is_reduced_to_text() -> None:
    html = '<div class="rich-text-field-label"><span style="color:red">Tense</span> &amp; <i>worried</i><br>today</div>'
    assert plain_text(html) == "Tense & worried\ntoday"
    assert plain_text("<p>One</p>\n\n\n<p>Two &lt;3&gt;</p>") == "One\n\nTwo <3>"
    assert plain_text("a < b and c > d") == "a < b and c > d"
    form = only_form(dictionary(field("q1", "radio", html, "1, <b>Low</b> | 2, High &amp; dry")))
    assert form.field("q1").choices == (Choice("1", "Low"), Choice("2", "High & dry"))


def test_the_api_metadata_header_is_read_too() -> None:
    text = "field_name,form_name,field_type,field_label,select_choices_or_calculations\nq1,scale,radio,Q1,\"1, a | 2, b\"\n"
    assert only_form(text).field("q1").choices == (Choice("1", "a"), Choice("2", "b"))


def test_checkbox_columns_sql_and_file_fields_are_read_and_reported() -> None:
    form = only_form(dictionary(
        field("q1", "radio", "Q1", "1, a | 2, b"),
        field("why", "checkbox", "Why?", "1, Work | -1, Don't know | 2.5, Other"),
        field("site", "sql", "Site", "select value from redcap_data"),
        field("scan", "file", "Scan", **{"Text Validation Type OR Show Slider Number": "signature"}),
    ))  # fmt: skip
    assert form.field("why").record_columns == ("why___1", "why____1", "why___2_5")
    assert [(w.row, w.column) for w in form.warnings] == [(4, "Field Type")]
    assert "sql field 'site'" in str(form.warnings[0])
    assert [(s.name, s.column) for s in not_imported(form)] == [
        ("why", "Field Type"), ("site", "Field Type"), ("scan", "Field Type"),
    ]  # fmt: skip


# --- errors ---------------------------------------------------------------------------


def test_an_empty_file_is_refused() -> None:
    assert problems(b"") == ["row 1: the file is empty; expected a REDCap data dictionary (CSV with a header row)"]
    assert problems("\ufeff \n") == problems(b"")


def test_a_header_without_fields_is_refused() -> None:
    assert problems(dictionary()) == ["row 2: the dictionary has a header row but no fields"]


def test_every_problem_is_listed_with_its_row_and_column() -> None:
    text = dictionary(
        field("q1", "radio", "Q1", "1, a | 2 b | 1, c |  | x y, z"),
        field("Q 2", "radio", "", "1, a | 2, b"),
        field("q3", "radio", "Q3"),
        field("q1", "dropdown", "Q1 again", "1, a | 2, b"),
        field("q5", "calc", "Total"),
        field("q6", "text", "Days", **{
            "Text Validation Type OR Show Slider Number": "integer",
            "Text Validation Min": "ten", "Text Validation Max": "-3"}),
        field("q7", "text", "Days", **{
            "Text Validation Type OR Show Slider Number": "number",
            "Text Validation Min": "5", "Text Validation Max": "1"}),
        field("q8", "slider", "Pain", "none | some | lots | unbearable"),
        field("", "radio", "Q9", "1, a | 2, b", form="Bad Form"),
    )  # fmt: skip
    assert problems(text) == [
        f"row 2, column '{CHOICES}': choice 2 '2 b' has no comma: write each choice as 'code, label'; "
        "choice 3 '1, c': the code '1' is used twice; "
        "choice 4 is empty (two '|' in a row, or one at the end); "
        "choice 5 'x y, z': the code 'x y' must be letters, digits and underscores, or a number",
        "row 3, column 'Variable / Field Name': variable name 'Q 2' is not valid in REDCap: "
        "lowercase letters, digits and underscores, starting with a letter",
        "row 3, column 'Field Label': the field label is empty",
        f"row 4, column '{CHOICES}': a radio field needs its choices, as '1, label | 2, label'",
        "row 5, column 'Variable / Field Name': variable name 'q1' is already used in row 2; each must be unique",
        f"row 6, column '{CHOICES}': a calc field needs its formula",
        "row 7, column 'Text Validation Min': 'ten' is not a number",
        "row 8, column 'Text Validation Max': the maximum 1 is below the minimum 5",
        f"row 9, column '{CHOICES}': a slider has at most 3 labels (left | middle | right), not 4",
        "row 10, column 'Variable / Field Name': the variable name is empty",
        "row 10, column 'Form Name': form name 'Bad Form' is not valid in REDCap: "
        "lowercase letters, digits and underscores, starting with a letter",
    ]


def test_matrix_groups_must_share_type_and_choices_and_stay_together() -> None:
    group = {"Matrix Group Name": "feel"}
    text = dictionary(
        field("q1", "radio", "Q1", FREQ, **group),
        field("q2", "radio", "Q2", "0, No | 1, Yes", **group),
        field("q3", "checkbox", "Q3", FREQ, **group),
        field("q4", "text", "Note"),
        field("q5", "radio", "Q5", FREQ, **group),
        field("q6", "dropdown", "Q6", FREQ, **{"Matrix Group Name": "other"}),
    )
    assert problems(text) == [
        f"row 3, column '{CHOICES}': the choices differ from those of matrix group 'feel' (row 2); "
        "the fields of a matrix share their choices",
        "row 4, column 'Field Type': a checkbox field in matrix group 'feel', whose fields are radio (row 2)",
        "row 6, column 'Matrix Group Name': matrix group 'feel' (begun in row 2) resumes after other "
        "fields; a matrix's fields must be consecutive",
        "row 7, column 'Matrix Group Name': a dropdown cannot be in a matrix: only radio and checkbox fields can",
    ]


def test_file_level_problems_are_named() -> None:
    assert problems("Variable / Field Name,Form Name,Field Type,Field Label,Field Type\n") == [
        "row 1, column 'Field Type': the same column as 'Field Type', given twice"
    ]
    unterminated = dictionary(field("q1", "radio", "Q1", "1, a | 2, b")) + 'q2,scale,,radio,"Q2\n'
    assert problems(unterminated)[0].startswith("row 3: not a well-formed CSV row")
    extra = dictionary(field("q1", "radio", "Q1", "1, a | 2, b")).rstrip("\n") + ",surplus\n"
    assert problems(extra) == ["row 2: 19 cells, but the header has 18 columns"]
    big5 = dictionary(field("q1", "radio", "心情", "1, 低 | 2, 高")).encode("cp950")
    assert problems(big5) == ["row 2: the file is not UTF-8 text (byte 0xa4 on line 2); save it as 'CSV UTF-8'"]


def test_a_form_can_be_chosen_and_an_unknown_one_is_named() -> None:
    text = dictionary(field("a1", "radio", "A1", "1, a | 2, b", form="first"),
                      field("b1", "radio", "B1", "1, a | 2, b", form="second"))  # fmt: skip
    assert [f.name for f in parse_data_dictionary(text, form="second")] == ["second"]
    assert problems(text, form="third") == ["row 1, column 'Form Name': no form named 'third'; the dictionary has first, second"]


# --- choices --------------------------------------------------------------------------

CODES = st.one_of(
    st.integers(min_value=-99, max_value=999).map(str),
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    st.decimals(min_value=0, max_value=10, places=1).map(str),
)
LABELS = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 ,.'()?-/:;") + ["中", "文", "é"]), min_size=0, max_size=20
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CODES, LABELS), min_size=1, max_size=12, unique_by=lambda c: c[0]), st.sampled_from(["|", " | ", "  |\t"]))
def test_valid_choice_strings_parse(pairs: list[tuple[str, str]], separator: str) -> None:
    text = separator.join(f"{code}, {label}" for code, label in pairs)
    expected = tuple(Choice(code, " ".join(label.split()) or code) for code, label in pairs)
    assert parse_choices(text) == expected
    form = only_form(dictionary(field("q1", "radio", "Q1", text)))
    assert form.field("q1").choices == expected


def test_choices_one_per_line_are_read() -> None:
    assert parse_choices("1, Never\n2, Sometimes\n3, Often") == (
        Choice("1", "Never"), Choice("2", "Sometimes"), Choice("3", "Often"),
    )  # fmt: skip


# --- to_instrument --------------------------------------------------------------------

SCALE = dictionary(
    field("intro", "descriptive", "Answer every question.", **{"Section Header": "Part A"}),
    field("ps_1", "radio", "First", FREQ, **{"Matrix Group Name": "ps_feel"}),
    field("ps_2", "radio", "Item 2", FREQ, **{"Matrix Group Name": "ps_feel"}),
    field("ps_3", "radio", "Third", FREQ, **{"Matrix Group Name": "ps_again"}),
    field("ps_4", "radio", "Fourth", "1, Low | 2, Mid | 3, High", **{"Section Header": "Part B"}),
    field("ps_5", "slider", "Pain today", "None | | Worst", **{"Text Validation Min": "0", "Text Validation Max": "10"}),
    field("ps_note", "descriptive", "Thank you."),
)  # fmt: skip


def test_a_scale_becomes_items_sharing_response_sets_with_instructions() -> None:
    form = only_form(SCALE)
    instrument = convert(form, instrument_id="ps", name_en="Pain scale", name_zh="疼痛量表")
    assert [i.id for i in instrument.items] == ["1", "2", "3", "4", "5"]
    assert [i.response_set for i in instrument.items] == ["feel", "feel", "feel", "choices", "slider"]
    assert instrument.items[1].text is None  # "Item 2" is a placeholder, not wording
    assert instrument.instructions is not None
    assert instrument.instructions.en == "Part A\n\nAnswer every question."
    slider = instrument.response_sets["slider"]
    assert slider.continuous and [(o.value, o.label.en) for o in slider.options] == [(0, "None"), (10, "Worst")]
    assert (instrument.name.en, instrument.name.zh_hant, instrument.short_name) == ("Pain scale", "疼痛量表", "Pain scale")
    total = instrument.primary_score
    assert (total.id, total.method, total.direction, total.items) == ("total", "sum", "higher_is_worse", ["1", "2", "3", "4", "5"])
    assert score_one(instrument, {"1": 2, "2": 2, "3": 1, "4": 3, "5": 7.5})["scores"]["total"]["value"] == 15.5
    assert score_one(instrument, {"1": 2})["scores"]["total"]["value"] is None  # every item needed
    assert [(s.name, s.column) for s in not_imported(form)] == [("ps_4", "Section Header"), ("ps_note", "Field Label")]


def test_mean_direction_and_reverse_keying_are_chosen_by_the_caller() -> None:
    form = only_form(SCALE)
    instrument = convert(form, instrument_id="ps", method="mean", direction="higher_is_better", reverse=["ps_1", "3"])
    assert [i.reverse for i in instrument.items] == [True, False, True, False, False]
    assert instrument.primary_score.direction == Direction.HIGHER_IS_BETTER
    result = score_one(instrument, {"1": 0, "2": 1, "3": 0, "4": 3, "5": 4})["scores"]["total"]
    assert result["value"] == pytest.approx((2 + 1 + 2 + 3 + 4) / 5)
    assert convert(form, instrument_id="ps", reverse="4").item("4").reverse
    with pytest.raises(ValueError, match="reverse: no items"):
        convert(form, instrument_id="ps", reverse=["9"])
    lopsided = only_form(dictionary(field("q1", "radio", "Q1", "0, a | 1, b | 5, c"), field("q2", "radio", "Q2", FREQ)))
    with pytest.raises(ValueError, match="not symmetric"):
        convert(lopsided, reverse=["q1"])


def test_wording_is_left_out_when_the_licence_does_not_allow_it() -> None:
    instrument = convert(only_form(SCALE), instrument_id="ps", licence=CLOSED)
    assert all(i.text is None for i in instrument.items) and instrument.instructions is None
    assert instrument.response_sets["feel"].options[0].label.en == "Not at all"
    assert score_one(instrument, {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0})["scores"]["total"]["value"] == 1


def test_chinese_labels_are_zh_hant_and_english_ones_en() -> None:
    form = only_form(dictionary(
        field("q1", "radio", "我感到心情低落", "0, 完全沒有 | 1, 有幾天", **{"Section Header": "請回答以下問題"}),
        field("q2", "radio", "I felt calm", "0, 完全沒有 | 1, 有幾天"),
    ))  # fmt: skip
    instrument = convert(form)
    first, second = instrument.items
    assert first.text is not None and (first.text.en, first.text.zh_hant) == (None, "我感到心情低落")
    assert second.text is not None and (second.text.en, second.text.zh_hant) == ("I felt calm", None)
    assert instrument.instructions is not None and instrument.instructions.zh_hant == "請回答以下問題"
    assert {k: t.status for k, t in instrument.translations.items()} == {"en": "unvalidated", "zh-hant": "unvalidated"}
    only_en = convert(only_form(dictionary(field("q1", "radio", "Calm", "0, No | 1, Yes"))))
    assert {k: t.status for k, t in only_en.translations.items()} == {"en": "unvalidated", "zh-hant": "absent"}


def test_choice_codes_that_are_not_distinct_numbers_are_not_items() -> None:
    form = only_form(dictionary(
        field("q1", "radio", "Q1", "1, a | 01, b"),
        field("q2", "dropdown", "Q2", "1, only"),
        field("q3", "radio", "Q3", "-1, Worse | 0, Same | 1, Better"),
    ))  # fmt: skip
    reasons = {s.name: s.reason for s in not_imported(form)}
    assert reasons == {"q1": "two choice codes (1, 01) are the same number", "q2": "an item needs at least 2 choices"}
    assert convert(form).response_sets["choices"].values == [-1, 0, 1]


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


def test_problem_text_gives_the_line_only_when_it_differs() -> None:
    assert str(Problem(3, "Field Type", "bad")) == "row 3, column 'Field Type': bad"
    assert str(Problem(3, None, "bad", line=5)) == "row 3 (line 5 of the file): bad"
    assert str(Problem(3, None, "bad", line=3)) == "row 3: bad"
