"""The codebook shipped with every export: one row per table and variable, in CSV
and Markdown (pure Python, no Django)."""

from __future__ import annotations

import csv
import io

from peerpath.exports.tables import BOOL, BOOL_LABELS, CAT, Column, Table, neutralise

HEADER = ["table", "variable", "label_en", "label_zh_hant", "type", "values", "unit", "note",
          "citation", "licence"]


def value_list(col: Column, coded: bool) -> str:
    """``1=Female (female); 2=Male (male)`` for coded files (the column's codes),
    else ``female=Female; …``."""
    if col.kind == BOOL:
        return "; ".join(f"{v}={en}" for v, en, _zh in BOOL_LABELS)
    if col.kind != CAT:
        return ""
    if coded:
        codes = col.codes()
        return "; ".join(f"{codes[c.value]}={c.en} ({c.value})" for c in col.choices)
    return "; ".join(f"{c.value}={c.en}" for c in col.choices)


def rows(tables: list[Table], coded: bool) -> list[list[str]]:
    out = []
    for table in tables:
        for col in table.columns:
            out.append([table.name, col.name, col.en, col.zh, col.kind, value_list(col, coded),
                        col.unit, col.note, col.citation, col.licence])
    return out


def codebook_csv(tables: list[Table], coded: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows([[neutralise(x) for x in row] for row in rows(tables, coded)])
    return buffer.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook_md(tables: list[Table], coded: bool, title: str) -> bytes:
    lines = [f"# {title}", ""]
    for table in tables:
        lines += [f"## {table.name} — {table.en} / {table.zh}", ""]
        if table.note:
            lines += [table.note, ""]
        lines += ["| variable | label | 標籤 | type | values | unit | note |", "|---|---|---|---|---|---|---|"]
        for col in table.columns:
            note = " ".join(x for x in (col.note, col.citation and f"Citation: {col.citation}",
                                        col.licence and f"Licence: {col.licence}") if x)
            lines.append("| " + " | ".join(_cell(x) for x in (
                col.name, col.en, col.zh, col.kind, value_list(col, coded), col.unit, note)) + " |")
        lines.append("")
    return "\n".join(lines).encode("utf-8")
