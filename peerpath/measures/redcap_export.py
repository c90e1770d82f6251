"""Writing an instrument as a REDCap data dictionary (CSV, newer header variant); see
``redcap`` for the overview. Pure Python (no Django import)."""

from __future__ import annotations

import csv
import html
import io
import re

from .definitions import Instrument, Item, Score
from .redcap_import import COLUMNS, HEADER, MARKUP, NAME

NOTE = {
    "en": "Equals Peerpath's score when every item is answered (REDCap's sum and mean skip blanks).",
    "zh-hant": "所有題目皆作答時，與 Peerpath 的分數相同（REDCap 的 sum、mean 會略過空白）。",
}


def code(value: float) -> str:
    """A number as a REDCap choice code or formula constant: 3, -1, 2.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def variable(*parts: str) -> str:
    """A REDCap variable (or matrix group) name from ``parts``: lowercase, ``_`` for other
    characters, starting with a letter."""
    name = re.sub(r"[^a-z0-9_]", "_", "_".join(parts).lower())
    return name if NAME.fullmatch(name) else f"v_{name}"


def _label(text: str) -> str:
    """A text as a REDCap label; text that would read as HTML is escaped so that it reads
    back unchanged."""
    return html.escape(text, quote=False) if MARKUP.search(text) else text


def _choice_label(text: str) -> str:
    return _label(" ".join(text.split()).replace("|", "/"))


def _matrix_groups(instrument: Instrument) -> dict[str, str]:
    """Item id → matrix group, for each run of two or more consecutive items with the same
    (non-continuous) response set; a set's later runs get a numbered name."""
    groups: dict[str, str] = {}
    runs: dict[str, int] = {}
    items = instrument.items
    start = 0
    while start < len(items):
        end = start
        name = items[start].response_set
        while end + 1 < len(items) and items[end + 1].response_set == name:
            end += 1
        if end > start and not instrument.response_sets[name].continuous:
            runs[name] = runs.get(name, 0) + 1
            group = variable(instrument.id, name, *([str(runs[name])] if runs[name] > 1 else []))
            groups.update((item.id, group) for item in items[start : end + 1])
        start = end + 1
    return groups


def formula(instrument: Instrument, score: Score, variables: dict[str, str]) -> str:
    """A REDCap calc formula for ``score`` (complete responses): ``sum([a],(5-[b]))*4``."""
    terms = []
    for item_id in score.items:
        response_set = instrument.response_sets[instrument.item(item_id).response_set]
        term = f"[{variables[item_id]}]"
        if instrument.item(item_id).reverse:
            term = f"({code(response_set.low + response_set.high)}-{term})"
        terms.append(term)
    result = f"{score.method}({','.join(terms)})"
    return result if score.multiplier == 1 else f"{result}*{code(score.multiplier)}"


def _scale(instrument: Instrument, item: Item, language: str, group: str) -> dict[str, str]:
    """The type, choices (or slider labels and range) and matrix group of an item's field."""
    response_set = instrument.response_sets[item.response_set]
    if not response_set.continuous:
        options = response_set.options
        choices = " | ".join(f"{code(o.value)}, {_choice_label(o.label.get(language))}" for o in options)
        return {"type": "radio", "choices": choices, "matrix_group": group}
    low, high = response_set.low, response_set.high
    by_value = {o.value: _choice_label(o.label.get(language)) for o in response_set.options}
    labels = [by_value[low], by_value.get((low + high) / 2, ""), by_value[high]]
    return {
        "type": "slider", "choices": " | ".join(labels), "validation": "number",
        "min": code(low), "max": code(high),
    }  # fmt: skip


def to_data_dictionary(instrument: Instrument, *, language: str = "en", form_name: str | None = None) -> str:
    """``instrument`` as a REDCap data dictionary (CSV text, newer header variant) in
    ``language``: one field per item, then one calc field per score. It holds this form
    only: add it to a project's dictionary after the record ID field (or use it as the
    instrument.csv of an instrument ZIP); uploaded alone, REDCap would take its first field
    for the record ID."""
    form = form_name or instrument.id
    if not NAME.fullmatch(form):
        raise ValueError(f"form name {form!r}: lowercase letters, digits, underscores, starting with a letter")
    variables = {item.id: variable(instrument.id, item.id) for item in instrument.items}
    if len(set(variables.values())) < len(variables):
        raise ValueError(f"{instrument.id}: two item ids give the same REDCap variable name")
    groups = _matrix_groups(instrument)
    rows: list[dict[str, str]] = []
    instructions = _label(instrument.instructions.get(language)) if instrument.instructions else ""
    for n, item in enumerate(instrument.items):
        row = {
            "name": variables[item.id],
            "form": form,
            "section": instructions if n == 0 else "",
            "label": _label(item.text.get(language) if item.text else f"Item {item.id}"),
            "annotation": " ".join(
                f"Peerpath safety rule: an answer of {code(r.at_least)} or more raises an alert "
                f"({r.message.get(language)}); REDCap alerts only if an alert is set up for it."
                for r in instrument.safety if r.item == item.id
            ),
        }  # fmt: skip
        rows.append(row | _scale(instrument, item, language, groups.get(item.id, "")))
    taken = set(variables.values())
    for score in instrument.scores:
        name = variable(instrument.id, score.id)
        while name in taken:
            name += "_score"
        taken.add(name)
        rows.append({
            "name": name,
            "form": form,
            "type": "calc",
            "label": _label(score.label.get(language)),
            "choices": formula(instrument, score, variables),
            "note": NOTE["zh-hant" if language.startswith("zh") else "en"],
        })  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    keys = [key for key in COLUMNS if key != "units"]
    writer.writerows([row.get(key, "") for key in keys] for row in rows)
    return out.getvalue()
