"""An export never fails obscurely on a value the database holds: a value that slipped
past every rule (an enrolment of 0001-01-01, an infinite number) is named by table,
record and field, in every format. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.exports import formats
from peerpath.exports.tables import DATE, FLOAT, INT, STR, Column, Table


def members_table(enrolled: object, score: object = 1.5) -> Table:
    table = Table("members", "Members", "會員", [
        Column("member_key", "Member", "會員", STR), Column("enrolment_date", "Enrolment date", "收案日期", DATE),
        Column("score", "Score", "分數", FLOAT), Column("age", "Age", "年齡", INT),
    ])
    table.add("P0001", dt.date(2026, 1, 5), 1.0, 40)
    table.add("P0002", enrolled, score, 41)
    return table


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_a_date_pandas_cannot_hold_is_named_by_record_and_field(fmt):
    with pytest.raises(formats.ExportValueError) as refused:
        formats.write_table(members_table(dt.date(1, 1, 1)), fmt)
    assert str(refused.value) == ("table members, row 2 (member_key P0002), field enrolment_date: the value "
                                  "0001-01-01 cannot be written (OutOfBoundsDatetime); correct it in Peerpath")


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_a_number_that_cannot_be_coded_is_named_by_record_and_field(fmt):
    table = members_table(dt.date(2026, 1, 6))
    table.rows[1] = ("P0002", dt.date(2026, 1, 6), 1.0, float("inf"))
    with pytest.raises(formats.ExportValueError) as refused:
        formats.write_table(table, fmt)
    assert str(refused.value).startswith("table members, row 2 (member_key P0002), field age: the value inf ")


def test_ordinary_values_are_written_as_before():
    data = formats.write_table(members_table(dt.date(1900, 1, 1)), "csv").decode("utf-8-sig")
    assert "P0002,1900-01-01,1.5,41" in data
