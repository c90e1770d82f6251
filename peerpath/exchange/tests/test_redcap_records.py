"""REDCap record exports read as questionnaire responses (no database), with forms
converted from the real data dictionaries in measures/tests/data/redcap."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from peerpath.exchange.redcap_records import RecordOptions, layout, read_records
from peerpath.exchange.samples import redcap_records
from peerpath.exchange.tabular import read_table
from peerpath.measures.redcap import parse_data_dictionary
from peerpath.measures.scoring import score_responses
from peerpath.measures.tests._redcap_helpers import LIBRARY, convert, shared_file

TODAY = dt.date(2026, 6, 1)
FORM = "agitated_behavior_scale"
ITEMS = [f"abs_{i:02d}" for i in range(1, 15)]


@pytest.fixture(scope="module")
def abs_scale():
    """The Agitated Behavior Scale form of complex_2.csv, imported as instrument 'abs'."""
    [form] = parse_data_dictionary(shared_file("complex_2.csv"), form=FORM)
    return convert(form, instrument_id="abs")


def records(*rows: dict[str, str], header: list[str] | None = None) -> bytes:
    columns = header or ["study_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
                         "member_code", "race___1", "race___2", "abs_start", *ITEMS, f"{FORM}_complete"]
    lines = [",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def answers(value: int) -> dict[str, str]:
    return {item: str(value) for item in ITEMS}


def read(data: bytes, instrument, **options):
    defaults = {"form": FORM, "date_field": "abs_start", "member_field": "member_code"}
    return read_records(read_table(data), instrument, RecordOptions(**(defaults | options)), today=TODAY)


def test_the_dictionary_round_trip_keeps_the_variable_names_as_items(abs_scale):
    assert [i.id for i in abs_scale.items] == [f"{i:02d}" for i in range(1, 15)]  # "abs_" prefix dropped
    data = records(
        {"study_id": "1", "redcap_event_name": "admission_arm_1", "member_code": "M0001", "race___1": "1",
         "abs_start": "2026-01-05 09:30", **answers(1), f"{FORM}_complete": "2"},
        {"study_id": "1", "redcap_event_name": "week_1_arm_1", "abs_start": "2026-01-12 10:00", **answers(2),
         f"{FORM}_complete": "1"},
        {"study_id": "2", "redcap_event_name": "admission_arm_1", "member_code": "M0002", **answers(4),
         "abs_start": "2026-02-01", f"{FORM}_complete": "2"},
    )
    result = read(data, abs_scale)
    assert result.problems == []
    responses = result.responses
    assert responses.rows == [2, 3, 4]
    assert responses.member_codes == ["M0001", "M0001", "M0002"]  # record 1's code from its first event
    assert responses.taken_on == [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 2, 1)]
    totals = score_responses(abs_scale, responses.answers)["total"].value.tolist()
    assert totals == [14.0, 28.0, 56.0]
    assert responses.columns["01"] == "abs_01"


def test_repeating_instruments_take_their_date_from_the_event_row_and_other_forms_rows_are_read_past(abs_scale):
    data = records(
        {"study_id": "7", "redcap_event_name": "admission_arm_1", "member_code": "M0007",
         "abs_start": "2026-03-01"},
        {"study_id": "7", "redcap_event_name": "admission_arm_1", "redcap_repeat_instrument": FORM,
         "redcap_repeat_instance": "1", **answers(1), f"{FORM}_complete": "2"},
        {"study_id": "7", "redcap_event_name": "admission_arm_1", "redcap_repeat_instrument": FORM,
         "redcap_repeat_instance": "2", "abs_start": "2026-03-04", **answers(2), f"{FORM}_complete": "2"},
        {"study_id": "7", "redcap_event_name": "admission_arm_1", "redcap_repeat_instrument": "other_form",
         "redcap_repeat_instance": "1", **answers(3)},
    )
    result = read(data, abs_scale)
    assert result.problems == []
    assert result.responses.rows == [3, 4]
    assert result.responses.taken_on == [dt.date(2026, 3, 1), dt.date(2026, 3, 4)]
    assert result.without_answers == 1  # the event row holds no answers


def test_incomplete_forms_are_problems_unless_skipped_as_chosen(abs_scale):
    data = records(
        {"study_id": "1", "member_code": "M0001", "abs_start": "2026-01-05", **answers(1), f"{FORM}_complete": "0"},
        {"study_id": "2", "member_code": "M0002", "abs_start": "2026-01-05", **answers(1), f"{FORM}_complete": "2"},
    )
    assert [str(p) for p in read(data, abs_scale).problems] == [
        f"row 2, column '{FORM}_complete': the form is marked Incomplete (0): mark it complete in REDCap, "
        "or choose to skip incomplete forms"]
    skipped = read(data, abs_scale, skip_incomplete=True)
    assert skipped.problems == [] and skipped.skipped_incomplete == [2] and skipped.responses.rows == [3]


def test_every_bad_cell_is_named_by_row_and_variable(abs_scale):
    data = records(
        {"study_id": "1", "member_code": "M0001", "abs_start": "2026-13-05", **answers(1), f"{FORM}_complete": "2"},
        {"study_id": "2", "abs_start": "2026-01-05", **answers(2), f"{FORM}_complete": "2"},
        {"study_id": "3", "member_code": "M0003", "abs_start": "2026-01-05", **answers(2), "abs_03": "5",
         "abs_09": "Absent", f"{FORM}_complete": "2"},
        {"study_id": "4", "member_code": "M0004", "abs_start": "2027-01-05", **answers(1), f"{FORM}_complete": "9"},
    )
    assert [str(p) for p in read(data, abs_scale).problems] == [
        "row 2, column 'abs_start': '2026-13-05' is not a date that exists; write dates as YYYY-MM-DD, "
        "e.g. 2026-03-15 (or 民國 115/03/15)",
        "row 3, column 'member_code': record '2' has no member code in field 'member_code'",
        "row 4, column 'abs_03': 5 is not an answer to item 03: expected one of 1, 2, 3, 4",
        "row 4, column 'abs_09': 'Absent' is not a number: an answer to item 09 is one of 1, 2, 3, 4",
        f"row 5, column '{FORM}_complete': '9' is not a form status (0, 1 or 2)",
    ]


def test_missing_variables_and_unknown_fields_are_named_in_the_header(abs_scale):
    header = ["study_id", "abs_start", *ITEMS[:-1], f"{FORM}_complete"]
    data = records({"study_id": "1", "abs_start": "2026-01-01", **answers(1)}, header=header)
    found = [str(p) for p in read(data, abs_scale, member_field="member_id").problems]
    assert found == [
        "row 1, column 'member_id': the field 'member_id' is not a column of the records",
        "row 1: no column for item 14 of abs (variable 'abs_14' or '14'): export every field of form "
        f"'{FORM}'",
    ]
    other = records({"study_id": "1"}, header=["study_id", "visit_date", "x_1"])
    found = [str(p) for p in read(other, abs_scale, date_field="visit_date", member_field="").problems]
    assert "no column holds an item of abs" in found[0]


def test_the_record_id_may_be_the_member_code_and_events_may_be_chosen(abs_scale):
    data = records(
        {"study_id": "M0001", "redcap_event_name": "a_arm_1", "abs_start": "2026-01-05", **answers(1)},
        {"study_id": "M0001", "redcap_event_name": "b_arm_1", "abs_start": "2026-02-05", **answers(2)},
    )
    assert layout(read_table(data)).events == ["a_arm_1", "b_arm_1"]
    result = read(data, abs_scale, member_field="", events=("b_arm_1",))
    assert result.responses.member_codes == ["M0001"] and result.responses.rows == [3]
    assert "no rows of the event(s) c_arm_1" in str(read(data, abs_scale, events=("c_arm_1",)).problems[0])


def test_missing_answers_stay_missing_and_the_engine_decides_what_is_scorable():
    phq9 = LIBRARY["phq9"]
    data = redcap_records(phq9, records=200, seed=5, missing_rate=0.1).encode()
    result = read_records(read_table(data), phq9, RecordOptions(form="phq9", date_field="visit_date",
                                                                member_field="member_code"), today=TODAY)
    assert result.problems == [] and len(result.responses) == 200
    assert any(math.isnan(v) for row in result.responses.answers.tolist() for v in row)
    assert len(result.responses.answer_dicts()[0]) <= 9
