"""Writing export tables as CSV, XLSX, SPSS .sav, Stata .dta and Parquet, and
zipping them with the codebook (pure Python with pandas and pyreadstat, no Django).

In .sav and .dta files categories are integer codes with value labels and every
variable carries its label; CSV, XLSX and Parquet keep the category values as
text (the codebook lists them). Yes/no variables are 0/1 everywhere.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import pyreadstat

from peerpath.exports.tables import BOOL, BOOL_LABELS, CAT, DATE, DAY, FLOAT, INT, Table, neutralise

FORMATS = {"csv": "csv", "xlsx": "xlsx", "sav": "sav", "dta": "dta", "parquet": "parquet"}
STATA_LABEL_MAX = 80


class ExportValueError(ValueError):
    """A value held in the database that an export format cannot write, named by table,
    record (row, and the table's first column) and field: the export says what to correct
    instead of failing with a library's error."""


def _column(table: Table, i: int, values: list[Any], convert: Callable[[list[Any]], pd.Series]) -> pd.Series:
    """``convert(values)``; on failure, the first value that fails alone, named."""
    try:
        return convert(values)
    except (ValueError, TypeError, OverflowError):
        for r, value in enumerate(values):
            try:
                convert([value])
            except (ValueError, TypeError, OverflowError) as exc:
                first = table.columns[0]
                raise ExportValueError(
                    f"table {table.name}, row {r + 1} ({first.name} {table.rows[r][0]}), field "
                    f"{table.columns[i].name}: the value {value} cannot be written ({type(exc).__name__}); "
                    "correct it in Peerpath") from exc
        raise


def frame(table: Table, coded: bool, spreadsheet: bool = False) -> pd.DataFrame:
    """The table as a DataFrame; ``coded``: categories as integer codes;
    ``spreadsheet`` (CSV, XLSX): text that begins like a formula is neutralised
    (``tables.neutralise``). A value that cannot be converted raises ``ExportValueError``."""
    text = neutralise if spreadsheet else str
    data: dict[str, Any] = {}
    for i, col in enumerate(table.columns):
        values = [row[i] for row in table.rows]
        convert: Callable[[list[Any]], pd.Series]
        if col.kind == CAT and coded:
            codes = col.codes()

            def convert(vs: list[Any], codes: dict[str, int] = codes) -> pd.Series:
                return pd.Series([codes.get(v) if v not in (None, "") else None for v in vs], dtype="float64")
        elif col.kind in (BOOL, INT, DAY):
            def convert(vs: list[Any]) -> pd.Series:
                return pd.Series([None if v is None else int(v) for v in vs], dtype="float64" if coded else "Int64")
        elif col.kind == FLOAT:
            def convert(vs: list[Any]) -> pd.Series:
                return pd.Series([None if v is None else float(v) for v in vs], dtype="float64")
        elif col.kind == DATE:
            def convert(vs: list[Any]) -> pd.Series:
                return pd.to_datetime(pd.Series(vs, dtype="object"))
        else:
            def convert(vs: list[Any]) -> pd.Series:
                return pd.Series(["" if v is None else text(str(v)) for v in vs], dtype="object")
        data[col.name] = _column(table, i, values, convert)
    return pd.DataFrame(data, columns=[c.name for c in table.columns])


def _labels(table: Table, limit: int | None) -> tuple[list[str | None], dict[str, dict[int | float, str]]]:
    labels: list[str | None] = [c.en[:limit] if limit else c.en for c in table.columns]
    value_labels: dict[str, dict[int | float, str]] = {}
    for col in table.columns:
        if col.kind == CAT and col.choices:
            value_labels[col.name] = {
                code: (c.en[:limit] if limit else c.en) for c, code in zip(col.choices, col.codes().values(), strict=True)
            }
        elif col.kind == BOOL:
            value_labels[col.name] = {v: en for v, en, _zh in BOOL_LABELS}
    return labels, value_labels


def _via_file(writer: Callable[[pd.DataFrame, str], None], df: pd.DataFrame, suffix: str) -> bytes:
    # pyreadstat writes to a path only: a private temporary directory, removed at once.
    with tempfile.TemporaryDirectory(prefix="peerpath-export-") as tmp:
        path = Path(tmp) / f"table{suffix}"
        writer(df, str(path))
        return path.read_bytes()


def write_xlsx(table: Table) -> bytes:
    """One sheet of values: every cell is written with its type set (text as a
    string, never a formula; numbers and dates as such), in openpyxl's write-only
    mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    df = frame(table, coded=False, spreadsheet=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])

    def cell(value: Any, kind: str) -> Any:
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
            return WriteOnlyCell(sheet, value=None)
        if kind == DATE:
            c = WriteOnlyCell(sheet, value=value.date() if hasattr(value, "date") else value)
            c.number_format = "yyyy-mm-dd"
            return c
        if isinstance(value, str):
            c = WriteOnlyCell(sheet, value=None)
            c.value, c.data_type = value, "s"  # set after the value: a string is never read as a formula
            return c
        return WriteOnlyCell(sheet, value=value.item() if hasattr(value, "item") else value)

    sheet.append([WriteOnlyCell(sheet, value=c.name) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in df.itertuples(index=False, name=None):
        sheet.append([cell(v, k) for v, k in zip(row, kinds, strict=True)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_table(table: Table, fmt: str) -> bytes:
    """One table in one format, as bytes."""
    if fmt == "csv":
        # CRLF line ends (RFC 4180): a value holding a carriage return is quoted.
        return frame(table, coded=False, spreadsheet=True).to_csv(
            index=False, date_format="%Y-%m-%d", lineterminator="\r\n").encode("utf-8-sig")
    if fmt == "xlsx":
        return write_xlsx(table)
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame(table, coded=False).to_parquet(buffer, index=False, engine="pyarrow")
        return buffer.getvalue()
    if fmt == "sav":
        labels, value_labels = _labels(table, None)
        return _via_file(lambda df, p: pyreadstat.write_sav(
            df, p, column_labels=labels, variable_value_labels=value_labels, file_label=table.en,
        ), frame(table, coded=True), ".sav")
    if fmt == "dta":
        labels, value_labels = _labels(table, STATA_LABEL_MAX)
        return _via_file(lambda df, p: pyreadstat.write_dta(
            df, p, column_labels=labels, variable_value_labels=value_labels,
            file_label=table.en[:STATA_LABEL_MAX], version=15,
        ), frame(table, coded=True), ".dta")
    raise ValueError(f"unknown format {fmt!r}")


def zip_export(tables: list[Table], fmt: str, extra_files: dict[str, bytes],
               progress: Callable[[int], None] | None = None) -> bytes:
    """Every table in ``fmt`` plus the extra files (codebook, README), zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{table.name}.{FORMATS[fmt]}", write_table(table, fmt))
            if progress is not None:
                progress(len(table.rows))
        for name, content in extra_files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
