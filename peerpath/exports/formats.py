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

from peerpath.exports.tables import BOOL, BOOL_LABELS, CAT, DATE, DAY, FLOAT, INT, Table

FORMATS = {"csv": "csv", "xlsx": "xlsx", "sav": "sav", "dta": "dta", "parquet": "parquet"}
STATA_LABEL_MAX = 80


def frame(table: Table, coded: bool) -> pd.DataFrame:
    """The table as a DataFrame; ``coded``: categories as integer codes."""
    data: dict[str, Any] = {}
    for i, col in enumerate(table.columns):
        values = [row[i] for row in table.rows]
        if col.kind == CAT and coded:
            codes = col.codes()
            data[col.name] = pd.Series([codes.get(v) if v not in (None, "") else None for v in values],
                                       dtype="float64")
        elif col.kind in (BOOL, INT, DAY):
            ints = [None if v is None else int(v) for v in values]
            data[col.name] = pd.Series(ints, dtype="float64" if coded else "Int64")
        elif col.kind == FLOAT:
            data[col.name] = pd.Series([None if v is None else float(v) for v in values], dtype="float64")
        elif col.kind == DATE:
            data[col.name] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            data[col.name] = pd.Series(["" if v is None else str(v) for v in values], dtype="object")
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


def write_table(table: Table, fmt: str) -> bytes:
    """One table in one format, as bytes."""
    if fmt == "csv":
        return frame(table, coded=False).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        frame(table, coded=False).to_excel(buffer, index=False, sheet_name=table.name[:31], engine="openpyxl")
        return buffer.getvalue()
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
