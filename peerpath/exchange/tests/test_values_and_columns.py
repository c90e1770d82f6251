"""Cell values and the suggested column mapping (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.exchange import columns
from peerpath.exchange.values import CellError, parse_boolean, parse_date, parse_number, parse_year


@pytest.mark.parametrize("text,expected", [
    ("2026-03-15", dt.date(2026, 3, 15)),
    ("2026/3/5", dt.date(2026, 3, 5)),
    ("2026.03.15", dt.date(2026, 3, 15)),
    ("2026-03-15 14:22", dt.date(2026, 3, 15)),  # REDCap datetime
    ("2026-03-15 14:22:09", dt.date(2026, 3, 15)),
    ("20260315", dt.date(2026, 3, 15)),
    ("115/03/15", dt.date(2026, 3, 15)),  # 民國 year of three digits
    ("民國115/3/15", dt.date(2026, 3, 15)),
    ("民國 99/12/31", dt.date(2010, 12, 31)),
    ("115年3月15日", dt.date(2026, 3, 15)),
    ("2026年3月15日", dt.date(2026, 3, 15)),
    (" 2026-03-15 ", dt.date(2026, 3, 15)),
])
def test_dates_are_read_in_iso_and_roc_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["15/03/2026", "3/15/2026", "26-03-15", "yesterday", "2026-02-30", ""])
def test_ambiguous_or_impossible_dates_are_refused_with_the_format_to_use(text):
    with pytest.raises(CellError) as caught:
        parse_date(text)
    assert "write dates as YYYY-MM-DD" in str(caught.value)


def test_years_numbers_and_yes_no():
    assert parse_year("1985") == 1985 and parse_year("民國75") == 1986 and parse_year("1985-06-01") == 1985
    with pytest.raises(CellError, match="is not a year"):
        parse_year("75")
    assert parse_number(" 3.5 ") == 3.5
    for bad in ("1,5", "3 points", "nan", "１"):
        with pytest.raises(CellError, match="is not a number"):
            parse_number(bad)
    assert parse_boolean("是") is True and parse_boolean("No") is False and parse_boolean("1") is True
    with pytest.raises(CellError, match="is not yes or no"):
        parse_boolean("maybe")


def test_headers_in_chinese_and_english_are_recognised_whatever_their_spelling():
    header = ["會員編號", "姓名", "Birth Year", "性別", "ENROLMENT_DATE", "轉介來源", "手機", "E-mail",
              "preferred-language", "復元階段", "同意書版本", "同意日期", "notes"]
    assert columns.suggest(columns.MEMBERS, header) == {
        0: "code", 1: "name", 2: "birth_year", 3: "gender", 4: "enrolment_date", 5: "referral_source",
        6: "phone", 7: "email", 8: "preferred_language", 9: "stage", 10: "consent_version", 11: "consent_date",
    }


def test_the_first_of_two_columns_for_one_field_wins():
    assert columns.suggest(columns.MEMBERS, ["name", "姓名"]) == {0: "name"}


def test_item_columns_are_suggested_by_item_id_or_redcap_variable_name():
    header = ["member code", "填答日期", "phq9_1", "2", "Q3", "item4", "other"]
    mapping = columns.suggest(columns.RESPONSES, header, {"phq9": ["1", "2", "3", "4"]})
    assert mapping == {0: "member_code", 1: "taken_on", 2: "item:phq9:1", 3: "item:phq9:2",
                       4: "item:phq9:3", 5: "item:phq9:4"}
    assert columns.missing_required(columns.RESPONSES, {0: "member_code"}) == ["taken_on"]
    assert columns.split_item_key("item:phq9:1") == ("phq9", "1") and columns.split_item_key("name") is None
