"""Pseudonyms, date coding, small cells, formats and the codebook, without a database."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from peerpath.exports import codebook, collect, formats, pseudo
from peerpath.exports.tables import (
    BOOL,
    CAT,
    DATE,
    FLOAT,
    INT,
    Choice,
    Column,
    Table,
)


def test_pseudonyms_are_stable_per_key_and_differ_across_keys():
    assert pseudo.pseudonym("k1", 7) == pseudo.pseudonym("k1", 7)
    assert pseudo.pseudonym("k1", 7) != pseudo.pseudonym("k2", 7)
    assert pseudo.pseudonym("k1", 7) != pseudo.pseudonym("k1", 8)
    p = pseudo.pseudonym("k1", 7)
    assert p.startswith("P") and len(p) == 13


def test_the_shift_is_one_to_180_days_either_way_and_never_zero():
    shifts = [pseudo.shift_days("key", i) for i in range(2000)]
    assert all(1 <= abs(s) <= 180 for s in shifts)
    assert min(shifts) < 0 < max(shifts)


def test_shift_mode_keeps_the_intervals_between_a_members_dates():
    coder = pseudo.DateCoder(pseudo.SHIFT, "key")
    enrolled = dt.date(2024, 3, 1)
    a, b = coder.code(5, enrolled, dt.date(2024, 3, 1)), coder.code(5, enrolled, dt.date(2024, 6, 9))
    assert isinstance(a, dt.date) and isinstance(b, dt.date)
    assert (b - a).days == (dt.date(2024, 6, 9) - dt.date(2024, 3, 1)).days
    assert a != enrolled


def test_days_mode_counts_days_since_enrolment():
    coder = pseudo.DateCoder(pseudo.DAYS, "key")
    assert coder.code(5, dt.date(2024, 3, 1), dt.date(2024, 3, 11)) == 10
    assert coder.code(5, dt.date(2024, 3, 1), None) is None


def test_an_unknown_date_mode_is_refused():
    with pytest.raises(ValueError):
        pseudo.DateCoder("real", "key")


def test_birth_years_are_banded():
    assert pseudo.birth_year_band(1987) == "1985-1989"
    assert pseudo.birth_year_band(None) == ""


def test_summary_counts_below_the_threshold_are_hidden_and_a_lone_one_takes_a_cover():
    rows = [{"gender": "female", "status": "active", "stage_now": "rebuilding"}] * 10
    rows += [{"gender": "male", "status": "active", "stage_now": "rebuilding"}] * 2
    rows += [{"gender": "female", "status": "inactive", "stage_now": "rebuilding"}] * 7
    table = collect._summary(rows, 5)
    shown = {(r[1], r[2]): r[3] for r in table.rows if r[0] == "gender_status"}
    assert shown[("male", "active")] is None  # 2: a small cell
    # 19 members − 10 − 7 women would give it away: one of the women's counts goes too
    assert [shown[("female", "active")], shown[("female", "inactive")]].count(None) == 1
    assert collect.summary_ledger(rows, 5)[0].audit() == []


def test_variable_names_must_be_valid_for_stata():
    with pytest.raises(ValueError):
        Column("a.b", "x", "x")
    with pytest.raises(ValueError):
        Column("x" * 33, "x", "x")


def _table() -> Table:
    table = Table("demo", "Demo", "示範", [
        Column("pid", "Pseudonym", "代號"),
        Column("gender", "Gender", "性別", CAT, [Choice("female", "Female", "女"), Choice("male", "Male", "男")]),
        Column("hours", "Hours per week", "每週時數", FLOAT),
        Column("n", "Count", "數", INT),
        Column("planned", "Planned ending", "計畫離職", BOOL),
        Column("day", "Start date", "開始日", DATE),
    ])
    table.add("P1", "male", 12.5, 3, 1, dt.date(2024, 1, 2))
    table.add("P2", "female", None, None, 0, None)
    return table


def test_sav_and_dta_keep_variable_and_value_labels(tmp_path):
    import pyreadstat

    for fmt in ("sav", "dta"):
        path = tmp_path / f"t.{fmt}"
        path.write_bytes(formats.write_table(_table(), fmt))
        reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
        df, meta = reader(str(path))
        assert meta.column_names_to_labels["hours"] == "Hours per week"
        assert meta.variable_value_labels["gender"] == {1: "Female", 2: "Male"}
        assert list(df["gender"]) == [2, 1]
        assert df["day"].iloc[0] is not None


def test_csv_and_parquet_open_in_pandas_with_text_categories():
    df = pd.read_csv(io.BytesIO(formats.write_table(_table(), "csv")), encoding="utf-8-sig")
    assert list(df["gender"]) == ["male", "female"]
    assert formats.write_table(_table(), "csv").startswith(b"\xef\xbb\xbf")
    pq = pd.read_parquet(io.BytesIO(formats.write_table(_table(), "parquet")))
    assert list(pq["gender"]) == ["male", "female"]
    xl = pd.read_excel(io.BytesIO(formats.write_table(_table(), "xlsx")))
    assert list(xl["pid"]) == ["P1", "P2"]


def test_the_codebook_lists_every_variable_with_its_values():
    rows = codebook.rows([_table()], coded=True)
    assert [r[1] for r in rows] == ["pid", "gender", "hours", "n", "planned", "day"]
    gender = rows[1]
    assert gender[2:4] == ["Gender", "性別"] and gender[5] == "1=Female (female); 2=Male (male)"
    assert "0=No" in rows[4][5]


def test_the_zip_holds_a_file_per_table_and_the_extras():
    data = formats.zip_export([_table()], "csv", {"codebook.csv": b"x", "README.txt": b"y"})
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == ["README.txt", "codebook.csv", "demo.csv"]
