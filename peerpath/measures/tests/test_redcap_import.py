"""REDCap data dictionaries written here: both header variants, text and encodings,
errors that name the row and column, choice strings, and turning a form into a scorable
instrument. No database."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.measures.definitions import Direction
from peerpath.measures.redcap import (
    Choice,
    Problem,
    not_imported,
    parse_choices,
    parse_data_dictionary,
    plain_text,
)
from peerpath.measures.scoring import score_one
from peerpath.measures.tests._redcap_helpers import (
    CHOICES,
    CLOSED,
    FREQ,
    NEW_SAMPLE,
    OLD_SAMPLE,
    convert,
    dictionary,
    field,
    only_form,
    problems,
)

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


def test_problem_text_gives_the_line_only_when_it_differs() -> None:
    assert str(Problem(3, "Field Type", "bad")) == "row 3, column 'Field Type': bad"
    assert str(Problem(3, None, "bad", line=5)) == "row 3 (line 5 of the file): bad"
    assert str(Problem(3, None, "bad", line=3)) == "row 3: bad"
