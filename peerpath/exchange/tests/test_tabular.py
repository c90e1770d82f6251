"""Reading uploaded files into tables (no database)."""

from __future__ import annotations

import codecs
import datetime as dt
import io

import pytest
from openpyxl import Workbook

from peerpath.exchange.tabular import FileError, read_table

MEMBERS = "會員編號,姓名,出生年\nM0001,王小明,1985\nM0002,李小華,1990\n"


def problems(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(FileError) as caught:
        read_table(data, **kwargs)
    return [str(p) for p in caught.value.problems]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_utf8_csv_reads_its_header_and_rows_numbered_as_in_a_spreadsheet():
    table = read_table(MEMBERS.encode())
    assert table.header == ("會員編號", "姓名", "出生年")
    assert table.rows == [(2, ["M0001", "王小明", "1985"]), (3, ["M0002", "李小華", "1990"])]
    assert (table.file_format, table.delimiter) == ("csv", ",")


@pytest.mark.parametrize("bom,codec", [
    (codecs.BOM_UTF8, "utf-8"), (b"", "utf-16-le"), (b"", "utf-16-be"), (b"", "utf-32-le"), (b"", "utf-32-be"),
])
def test_every_byte_order_mark_gives_the_same_table(bom, codec):
    encoded = bom + ("\ufeff" + MEMBERS).encode(codec) if codec != "utf-8" else bom + MEMBERS.encode()
    table = read_table(encoded)
    assert table.header == ("會員編號", "姓名", "出生年") and len(table.rows) == 2


def test_big5_is_read_when_chosen_and_named_when_not():
    data = MEMBERS.encode("big5")
    assert read_table(data, encoding="big5").rows[0][1][1] == "王小明"
    [message] = problems(data)
    assert message.startswith("row 1: the file is not UTF-8 text (byte 0x")
    assert "Big5" in message


def test_semicolon_and_tab_separated_files_are_recognised():
    assert read_table(MEMBERS.replace(",", ";").encode()).delimiter == ";"
    assert read_table(MEMBERS.replace(",", "\t").encode()).header[1] == "姓名"


def test_quoted_cells_may_hold_commas_quotes_and_line_breaks_and_rows_keep_their_numbers():
    table = read_table(b'code,note\nM1,"a, ""b""\nsecond line"\nM2,x\n')
    assert table.rows == [(2, ["M1", 'a, "b"\nsecond line']), (3, ["M2", "x"])]


def test_a_stray_quote_names_the_row_and_line():
    [message] = problems(b'code,name\nM1,ok\nM2,"Wang\nM3,x\n')
    assert message.startswith("row 3: this row (from line 3 of the file) is not well-formed CSV")
    [message] = problems(b'code,name\nM1,"a"b\n')
    assert message.startswith("row 2: this row (from line 2 of the file) is not well-formed CSV")


def test_rows_with_more_cells_than_the_header_are_each_named():
    found = problems(b"code,name\nM1,a\nM2,b,extra\nM3,c\nM4,d,,more\n")
    assert found == [
        "row 3: 3 cells, but the header has 2 columns: a value is outside any column (a separator too many in this row?)",
        "row 5: 4 cells, but the header has 2 columns: a value is outside any column (a separator too many in this row?)",
    ]


def test_short_rows_are_padded_and_trailing_empty_cells_ignored():
    table = read_table(b"code,name,phone\nM1,a\nM2,b,,,\n")
    assert table.rows == [(2, ["M1", "a", ""]), (3, ["M2", "b", ""])]


def test_blank_lines_are_skipped_but_counted():
    table = read_table(b"code,name\n\nM1,a\n,\nM2,b\n")
    assert [row for row, _ in table.rows] == [3, 5]


@pytest.mark.parametrize("data", [b"", b"   \n\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n"])
def test_an_empty_file_is_refused(data):
    assert problems(data) == [
        "row 1: the file is empty: expected a header row of column names, then one row per record"]


def test_a_header_without_rows_is_refused():
    assert problems(b"code,name\n") == ["row 2: the file has a header row but no rows of data"]


def test_repeated_and_missing_column_names_are_refused():
    found = problems(b"code,,Name,name\nM1,x,a,b\n")
    assert "row 1: column 2 has values (from row 2) but no name in the header row" in found
    assert "row 1, column 'name': the same column name as column 3; each column needs its own name" in found


def test_binary_junk_and_old_excel_files_are_refused():
    assert "binary data (a NUL byte on line 1)" in problems(b"\x00\x01\x02garbage")[0]
    assert "old Excel workbook (.xls)" in problems(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)[0]
    assert "looks like an Excel workbook (.xlsx) but cannot be read" in problems(b"PK\x03\x04broken zip")[0]


def test_too_many_rows_are_refused_before_reading_the_rest():
    data = b"code\n" + b"".join(b"M%d\n" % i for i in range(50))
    assert problems(data, max_rows=10) == [
        "row 12: the file has more than 10 rows of data; split it into smaller files"]


def test_an_xlsx_workbook_reads_its_first_sheet_with_dates_and_whole_numbers_as_text():
    data = xlsx([["會員編號", "姓名", "收案日期", "出生年", None],
                 ["M0001", "王小明", dt.datetime(2026, 3, 1, tzinfo=dt.UTC).replace(tzinfo=None), 1985.0, None],
                 [None, None, None, None, None],
                 ["M0002", "李小華", dt.date(2026, 3, 2), 1990, None]])
    table = read_table(data)
    assert table.file_format == "xlsx"
    assert table.header == ("會員編號", "姓名", "收案日期", "出生年")
    assert table.rows == [(2, ["M0001", "王小明", "2026-03-01", "1985"]), (4, ["M0002", "李小華", "2026-03-02", "1990"])]
