"""Reading an uploaded file (CSV or XLSX) into a header and rows of text cells.

Pure Python (no Django import). A file that cannot be read as a table raises
``FileError`` listing every problem found as "row N, column 'X': message" (rows as a
spreadsheet counts them: the header is row 1); nothing is returned then.

CSV: UTF-8 with or without a BOM; UTF-16 and UTF-32 with their BOM (Excel's "Unicode
text"); Big5 (cp950, what Excel on Traditional Chinese Windows writes) only when the
caller says so. Comma, semicolon or tab separated, whichever gives the header the most
columns (comma on a tie). Quoted cells may span lines; a stray quote, a NUL byte, a row
with more cells than the header, a header cell that is empty above values or repeated,
an empty file and too many rows are refused with a message that names the row.

XLSX: the first worksheet, read in streaming mode (openpyxl ``read_only``) from its real
cells, whatever its stored dimension claims; a value beyond the column limit is refused at
its row, and rows beyond the row limit as soon as they are met. Dates become
``YYYY-MM-DD`` (with the time when it is not midnight), whole numbers lose their ``.0``.
An old ``.xls`` workbook or a damaged one is refused with a message that says so.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ENCODINGS", "FileError", "Problem", "Table", "gettext_noop", "normal", "read_table"]


def gettext_noop(message: str) -> str:
    """Marks an English message template for translation (``makemessages`` collects it);
    the pages translate it when they show it, this module never does."""
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where: ``row`` as a spreadsheet counts it (the header is row 1),
    ``column`` the column's name (None: the whole row, or the file). ``message`` is an
    English template with ``%(name)s`` placeholders filled from ``params``; ``line`` is
    the line of the file where the row starts, when it differs (a cell over two lines)."""

    row: int
    column: str | None
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0

    @property
    def text(self) -> str:
        return self.message % dict(self.params) if self.params else self.message

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.line and self.line != self.row:
            where += f" (line {self.line} of the file)"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.text}"

ENCODINGS = ("auto", "big5")  # auto: a BOM says, else UTF-8
MAX_REPORTED = 200  # structural problems listed before "and N more"
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
EMPTY = gettext_noop("the file is empty: expected a header row of column names, then one row per record")


class FileError(ValueError):
    """A file that cannot be read as a table; ``problems`` lists what is wrong."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n  ".join(str(p) for p in self.problems)
        super().__init__(f"the file cannot be read:\n  {lines}")


@dataclass(frozen=True)
class Table:
    """A file's header and its data rows. ``rows`` holds (row number, cells) for every
    row that is not blank; each row has exactly as many cells as the header."""

    header: tuple[str, ...]
    rows: list[tuple[int, list[str]]]
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""

    def column(self, index: int) -> list[str]:
        return [cells[index] for _, cells in self.rows]


def normal(text: str) -> str:
    """A header as compared with known names: width-, case- and punctuation-insensitive
    (so that "Member code", "member_code" and "ＭＥＭＢＥＲ-CODE" are the same)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-./()（）:：]+", "", folded)


def _fail(row: int, message: str, **params: Any) -> FileError:
    return FileError([Problem(row, None, message, params)])


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).removeprefix("\ufeff"), codec
            except UnicodeDecodeError as exc:
                message = gettext_noop("the file starts with a %(codec)s byte-order mark but is not %(codec)s "
                                       "text; save it from the spreadsheet as 'CSV UTF-8' or as an Excel "
                                       "workbook (.xlsx)")
                raise _fail(_line_of(data, exc.start), message, codec=codec.upper()) from exc
    if b"\x00" in data:
        line = _line_of(data, data.index(b"\x00"))
        message = gettext_noop("the file holds binary data (a NUL byte on line %(line)s), not text; save it from "
                               "the spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx)")
        raise _fail(line, message, line=line)
    codec = "cp950" if encoding == "big5" else "utf-8"
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        byte = f"0x{data[exc.start]:02x}"
        if codec == "utf-8":
            message = gettext_noop("the file is not UTF-8 text (byte %(byte)s on line %(line)s); it may be Big5 "
                                   "(Excel on Traditional Chinese Windows): choose that encoding, or save it "
                                   "from the spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx)")
        else:
            message = gettext_noop("the file is not Big5 text either (byte %(byte)s on line %(line)s); save it "
                                   "from the spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx)")
        raise _fail(line, message, byte=byte, line=line) from exc


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]

    def cells(delimiter: str) -> int:
        try:
            return len(next(csv.reader([first], delimiter=delimiter), []))
        except csv.Error:
            return 0

    return max((",", ";", "\t"), key=cells)


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(row, first line, cells) of every row, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start, row = 1, 0
    try:
        for cells in reader:
            row += 1
            yield row, start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        message = gettext_noop("this row (from line %(line)s of the file) is not well-formed CSV (%(error)s): a "
                               "quote (\") inside a cell must be doubled, and a quoted cell must be closed")
        raise FileError([Problem(row + 1, None, message, {"line": start, "error": str(exc)}, start)]) from exc


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes, max_columns: int) -> Iterator[tuple[int, int, list[str]]]:
    """The rows of the first sheet as its cells really are. The sheet's stored
    ``<dimension>`` is never trusted: one claiming two rows would hide the rest, one
    claiming column XFD would pad every row to 16,384 cells. A value beyond
    ``max_columns`` is refused at the row that has it, before the rest is read."""
    try:
        from openpyxl import load_workbook
        from openpyxl.utils import get_column_letter

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        for row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if len(values) > max_columns:
                beyond = [i for i, v in enumerate(values) if i >= max_columns and _cell(v).strip()]
                if beyond:
                    message = gettext_noop("a value in column %(column)s (%(n)s): at most %(max)s columns can be "
                                           "imported; delete what is beyond them")
                    raise _fail(row, message, column=get_column_letter(beyond[-1] + 1), n=beyond[-1] + 1,
                                max=max_columns)
                values = values[:max_columns]
            yield row, row, [_cell(v) for v in values]
        book.close()
    except FileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        message = gettext_noop("the file looks like an Excel workbook (.xlsx) but cannot be read (%(error)s); save "
                               "it again from the spreadsheet as an Excel workbook (.xlsx) or as 'CSV UTF-8'")
        raise _fail(1, message, error=type(exc).__name__) from exc


def _table(
    records: Iterable[tuple[int, int, list[str]]], *, max_rows: int, max_columns: int
) -> tuple[tuple[str, ...], list[tuple[int, list[str]]]]:
    iterator = iter(records)
    header_cells: list[str] | None = None
    for _row, _line, cells in iterator:
        if any(c.strip() for c in cells):
            header_cells = cells
            header_row = _row
            break
    if header_cells is None:
        raise _fail(1, EMPTY)
    while header_cells and not header_cells[-1].strip():
        header_cells = header_cells[:-1]
    header = tuple(c.strip() for c in header_cells)
    problems: list[Problem] = []
    if len(header) > max_columns:
        message = gettext_noop("the header row has %(n)s columns; at most %(max)s can be imported")
        raise _fail(header_row, message, n=len(header), max=max_columns)
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name and normal(name) in seen:
            first = seen[normal(name)]
            message = gettext_noop("the same column name as column %(first)s; each column needs its own name")
            problems.append(Problem(header_row, name, message, {"first": first}))
        elif name:
            seen[normal(name)] = i
    rows: list[tuple[int, list[str]]] = []
    unnamed: dict[int, int] = {}  # column without a name → first row with a value in it
    nameless = [i for i, name in enumerate(header) if not name]
    more = 0
    width = len(header)
    for row, line, cells in iterator:
        if not "".join(cells).strip():
            continue
        if len(rows) >= max_rows:
            message = gettext_noop("the file has more than %(max)s rows of data; split it into smaller files")
            raise _fail(row, message, max=f"{max_rows:,}")
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            extra = len(cells) - width
            while extra and not cells[width + extra - 1].strip():
                extra -= 1
            message = gettext_noop("%(cells)s cells, but the header has %(columns)s columns: a value is outside "
                                   "any column (a separator too many in this row?)")
            if len(problems) < MAX_REPORTED:
                problems.append(Problem(row, None, message, {"cells": width + extra, "columns": width}, line))
            else:
                more += 1
            continue
        if len(cells) != width:
            cells = cells[:width] + [""] * (width - len(cells))
        for i in nameless:
            if cells[i].strip() and i not in unnamed:
                unnamed[i] = row
        rows.append((row, cells))
    for i, row in sorted(unnamed.items()):
        message = gettext_noop("column %(n)s has values (from row %(row)s) but no name in the header row")
        problems.insert(0, Problem(header_row, None, message, {"n": i + 1, "row": row}))
    if not rows and not problems:
        problems.append(Problem(header_row + 1, None, gettext_noop("the file has a header row but no rows of data")))
    if more:
        message = gettext_noop("… and %(n)s more rows with too many cells")
        problems.append(Problem(problems[-1].row, None, message, {"n": more}))
    if problems:
        raise FileError(sorted(problems, key=lambda p: p.row))
    return header, rows


def read_table(
    data: bytes, *, encoding: str = "auto", max_rows: int = 200_000, max_columns: int = 1000
) -> Table:
    """The header and rows of a CSV or XLSX file (recognised by its content, not its
    name). Raises ``FileError`` naming every problem; ``encoding`` is "auto" or "big5"."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}")
    if not data.strip():
        raise _fail(1, EMPTY)
    if data.startswith(XLS_MAGIC):
        message = gettext_noop("this is an old Excel workbook (.xls), which cannot be read; save it from the "
                               "spreadsheet as an Excel workbook (.xlsx) or as 'CSV UTF-8'")
        raise _fail(1, message)
    if data.startswith(XLSX_MAGIC):
        header, rows = _table(_xlsx_rows(data, max_columns), max_rows=max_rows, max_columns=max_columns)
        return Table(header, rows, "xlsx")
    text, codec = _decode(data, encoding)
    if not text.strip():
        raise _fail(1, EMPTY)
    delimiter = _delimiter(text)
    header, rows = _table(_csv_rows(text, delimiter), max_rows=max_rows, max_columns=max_columns)
    return Table(header, rows, "csv", codec, delimiter)
