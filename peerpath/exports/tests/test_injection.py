"""Spreadsheet cells never become formulas: text that begins with =, +, -, @, a tab
or a carriage return is neutralised with a leading quote (OWASP's CSV-injection
guidance), numbers stay numbers, and an XLSX cell is always a value."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from peerpath.exports import actions, formats
from peerpath.exports.tables import FLOAT, INT, STR, Column, Table
from tests.factories import MemberFactory

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _table() -> Table:
    table = Table("t", "T", "表", [Column("name", "Name", "姓名", STR), Column("hours", "Hours", "時數", FLOAT),
                                    Column("n", "Count", "人數", INT)])
    for text in DANGEROUS:
        table.add(text, -2.5, -3)
    table.add("plain", 1.0, 1)
    return table


def test_csv_text_that_starts_a_formula_is_prefixed_with_a_quote():
    df = pd.read_csv(io.BytesIO(formats.write_table(_table(), "csv")), encoding="utf-8-sig",
                     keep_default_na=False)
    assert list(df["name"]) == ["'" + t for t in DANGEROUS] + ["plain"]


def test_negative_numbers_stay_numbers_in_csv_and_xlsx():
    df = pd.read_csv(io.BytesIO(formats.write_table(_table(), "csv")), encoding="utf-8-sig")
    assert df["hours"].tolist()[0] == -2.5 and df["n"].tolist()[0] == -3
    sheet = openpyxl.load_workbook(io.BytesIO(formats.write_table(_table(), "xlsx"))).active
    assert sheet["B2"].value == -2.5 and sheet["B2"].data_type == "n"
    assert sheet["C2"].value == -3 and sheet["C2"].data_type == "n"


def test_no_xlsx_cell_is_a_formula():
    sheet = openpyxl.load_workbook(io.BytesIO(formats.write_table(_table(), "xlsx"))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, max_col=1)]
    assert all(cell.data_type != "f" for cell in names)
    # (XML keeps no lone carriage return: it reads back as a line feed)
    assert [cell.value.replace("\n", "\r") for cell in names] == ["'" + t for t in DANGEROUS] + ["plain"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_member_named_like_a_formula_is_written_as_text_in_an_identifiable_export(org_a, fmt):
    MemberFactory(organization=org_a.org, code="X001", name='=HYPERLINK("http://x","y")')
    admin = org_a.staff["admin"]
    job = actions.run_job(actions.request_identifiable_export(admin, tables=["jobs"], fmt=fmt,
                                                              reason="Checking spreadsheet safety."))
    archive = zipfile.ZipFile(io.BytesIO(actions.export_bytes(admin, job)))
    if fmt == "csv":
        assert b"'=HYPERLINK" in archive.read("members.csv")
        assert b',=HYPERLINK' not in archive.read("members.csv")
        return
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("members.xlsx"))).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type != "f" for c in cells)
    assert all(c.value.startswith("'=") for c in cells)
