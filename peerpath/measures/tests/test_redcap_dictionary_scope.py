"""A REDCap data dictionary is refused only for what the chosen form cannot be built
without: empty labels on descriptive fields, and anything wrong in other forms, do not
refuse a project's dictionary when one form is imported. No database."""

from __future__ import annotations

import csv
import io

import pytest

from peerpath.measures.redcap import DictionaryError, parse_data_dictionary
from peerpath.measures.tests._redcap_helpers import (
    convert,
    dictionary,
    field,
    problems,
    shared_file,
)

LABEL = "Field Label"


def edited(name: str, change) -> str:
    """A real dictionary with ``change(rows)`` applied to its rows (dicts by column)."""
    text = shared_file(name).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def blank_labels_elsewhere(rows: list[dict[str, str]]) -> None:
    """Three empty labels in forms other than month_1_data (as in the real 34-form project),
    an empty descriptive field in it, and a field type REDCap does not have in another."""
    for name in ("date_enrolled", "patient_document", "dob"):
        next(r for r in rows if r["Variable / Field Name"] == name)[LABEL] = ""
    at = next(i for i, r in enumerate(rows) if r["Form Name"] == "month_1_data")
    rows.insert(at + 1, {**rows[at], "Variable / Field Name": "m1_note", "Field Type": "descriptive",
                         LABEL: "", "Section Header": "", "Choices, Calculations, OR Slider Labels": ""})
    next(r for r in rows if r["Form Name"] == "completion_data")["Field Type"] = "signature"


def test_a_projects_dictionary_with_empty_labels_in_other_forms_imports_the_chosen_form() -> None:
    text = edited("complex_1.csv", blank_labels_elsewhere)
    [month] = parse_data_dictionary(text, form="month_1_data")
    assert month.name == "month_1_data" and "m1_note" in [f.name for f in month.fields]
    instrument = convert(month, instrument_id="month1")
    assert instrument.items


def test_without_a_chosen_form_the_same_dictionary_names_each_problem() -> None:
    text = edited("complex_1.csv", blank_labels_elsewhere)
    found = problems(text)
    assert sum("the field label is empty" in p for p in found) == 3, found
    assert any("unknown field type 'signature'" in p for p in found), found
    assert len(found) == 4, found  # the empty descriptive field is not one of them


def test_what_the_chosen_form_cannot_be_built_without_is_refused_and_named() -> None:
    def blank_an_item(rows: list[dict[str, str]]) -> None:
        blank_labels_elsewhere(rows)
        item = next(r for r in rows if r["Form Name"] == "month_1_data" and r["Field Type"] == "dropdown")
        item[LABEL] = ""

    text = edited("complex_1.csv", blank_an_item)
    with pytest.raises(DictionaryError) as refused:
        parse_data_dictionary(text, form="month_1_data")
    found = [str(p) for p in refused.value.problems]
    assert len(found) == 1 and found[0].endswith("column 'Field Label': the field label is empty"), found


def test_an_empty_descriptive_field_is_read_past() -> None:
    text = dictionary(
        field("record_id", "text", "Record ID", form="mood"),
        field("mood_intro", "descriptive", "", form="mood"),
        field("mood_1", "radio", "Felt low", "0, No | 1, Yes", form="mood"),
    )
    [mood] = parse_data_dictionary(text)
    assert [f.name for f in mood.fields] == ["record_id", "mood_intro", "mood_1"]


def test_a_variable_name_used_twice_still_refuses_when_the_chosen_form_has_it() -> None:
    text = dictionary(
        field("mood_1", "radio", "Felt low", "0, No | 1, Yes", form="mood"),
        field("mood_1", "text", "", form="other"),
    )
    found = problems(text, form="mood")
    assert found == ["row 3, column 'Variable / Field Name': variable name 'mood_1' is already used in row 2; "
                     "each must be unique"]
