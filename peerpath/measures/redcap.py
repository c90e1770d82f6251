"""REDCap data dictionaries: import a form as an instrument, export an instrument as a form.

Pure Python (no Django import). Reading the CSV is in ``redcap_import``, writing it in
``redcap_export``; this module turns a form into an ``Instrument`` and gathers the API.

Reading (``parse_data_dictionary``): UTF-8 with or without a BOM (bytes or str); comma,
semicolon or tab separated; the newer header (18 columns, "Choices, Calculations, OR Slider
Labels", "Text Validation Type OR Show Slider Number", matrix columns, "Field Annotation"),
the older ones ("Choices OR Calculations", "Text Validation Type", "Field Units", no matrix
columns) and the snake_case keys of REDCap's API metadata export, in any column order;
labels may be quoted over several lines and HTML in them is reduced to text. Every one of
REDCap's 12 field types is read. A dictionary that cannot be read raises ``DictionaryError``
listing every problem as "row N, column 'X': message" (row as a spreadsheet counts it,
header = row 1); nothing is returned then. Variable and form names must follow REDCap's
rules (lowercase letters, digits, underscores, starting with a letter); a form whose rows
are not together is still read as one form. With ``form=`` only that form is returned, and
only the header and that form's rows must be valid (a problem in another form of a
project's dictionary does not refuse it); an empty descriptive field is read past. ``sql`` fields (choices from a query on the REDCap
server) are read and reported in ``form.warnings``, never imported. Unknown columns are
ignored; "Custom Alignment" and "Question Number" are read past.

Converting (``to_instrument``): radio, dropdown, yesno (0 No, 1 Yes), truefalse (0 False,
1 True) and slider fields with numeric choice codes become items; identical choice lists
share one response set (named after the matrix group that first uses it); a slider becomes
a continuous response set over its range (Text Validation Min/Max, else 0-100) labelled by
its left/middle/right labels. Item ids are the variable names, without the
"<instrument id>_" prefix when every item has it. A label that reads "Item <id>" is a
placeholder, not wording; item wording and instructions are left out when the licence
does not allow redistributing them. Texts with CJK characters are zh-hant, others en. The
section header and descriptive text of the section holding the first item, up to it,
become the instructions. One primary score, "total": the sum (or mean) of every item,
every item answered, in the direction the caller gives; the caller also gives the licence
and citation (nothing in a dictionary says them) and may reverse-key items. What is not
imported — text, notes, calc, checkbox, file and sql fields, choice codes that are not
numbers, section headers and display text after the first item, branching logic — is
listed by ``not_imported(form)``.

Writing (``to_data_dictionary``): the newer header; one radio field per item (a slider for
a continuous response set) named "<instrument id>_<item id>", its choices
"value, label | …", its label the item text or "Item <id>" when no wording is shipped, the
instructions as the first section header, a matrix group for each run of two or more
consecutive items with the same response set; then a calc field per score,
``sum(...)``/``mean(...)`` with reverse-keyed items as ``(low+high-[x])`` (``(5-[x])`` on a
1-4 scale) and the multiplier (``*4``). REDCap's ``sum()``/``mean()`` skip blank answers, so the calc field equals
Peerpath's score for complete responses only (no prorating). A safety rule is written into
its item's Field Annotation (REDCap alerts only if an alert is set up); bands, norms,
unscored and reverse-keyed flags (other than in the formulas) and stages are not exported.
The text holds one form: add it to a project's dictionary after the record ID field (or
use it as the instrument.csv of an instrument ZIP). Encode it as ``utf-8-sig`` for Excel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .definitions import Direction, Instrument, Licence, Text
from .redcap_export import to_data_dictionary
from .redcap_import import (
    COLUMNS,
    HEADER,
    NUMBER,
    Choice,
    DictionaryError,
    DictionaryField,
    DictionaryForm,
    Problem,
    parse_choices,
    parse_data_dictionary,
    plain_text,
)
from .scoring import check_definition

__all__ = [
    "HEADER", "Choice", "DictionaryError", "DictionaryField", "DictionaryForm",
    "Problem", "Skipped", "is_chinese", "not_imported", "parse_choices",
    "parse_data_dictionary", "plain_text", "to_data_dictionary", "to_instrument",
]  # fmt: skip

TOTAL_LABEL = {"sum": {"en": "Total", "zh-hant": "總分"}, "mean": {"en": "Total (mean)", "zh-hant": "總平均分"}}
NOT_ITEMS = {
    "text": "a free-text answer, not a scored item",
    "notes": "a free-text answer, not a scored item",
    "calc": "calculated by REDCap; Peerpath calculates its own scores",
    "checkbox": "several answers at once (one column per choice in REDCap records), not a scored item",
    "file": "a file upload, not a scored item",
    "sql": "its choices come from a query on the REDCap server, which Peerpath cannot run",
}
# CJK radicals, punctuation, bopomofo, ideographs (with extension A and compatibility), fullwidth forms
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3100-\u312f\u31a0-\u31bf"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)


def is_chinese(text: str) -> bool:
    """Whether ``text`` holds CJK characters (then it is taken as zh-hant, else en)."""
    return _CJK.search(text) is not None


def _text(value: str) -> Text:
    return Text.model_validate({"zh-hant" if is_chinese(value) else "en": value})


@dataclass(frozen=True)
class Skipped:
    """A field, or part of one, that ``to_instrument`` does not import, and why."""

    row: int
    name: str
    field_type: str
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column '{self.column}': {self.name} ({self.field_type}): {self.reason}"


def _why_not_an_item(f: DictionaryField) -> str | None:
    """Why a field cannot be an item, or None when it can."""
    if f.field_type in NOT_ITEMS:
        return NOT_ITEMS[f.field_type]
    if f.field_type == "slider":
        low, high = f.slider_range
        return None if low < high else f"the slider's range {low:g}-{high:g} is empty"
    codes = [c.code for c in f.choices]
    if not all(NUMBER.fullmatch(c) for c in codes):
        return f"the choice codes ({', '.join(codes)}) are not all numbers, as an item's answers must be"
    if len({float(c) for c in codes}) < len(codes):
        return f"two choice codes ({', '.join(codes)}) are the same number"
    return "an item needs at least 2 choices" if len(codes) < 2 else None


@dataclass(frozen=True)
class _Plan:
    items: tuple[DictionaryField, ...]
    instructions: tuple[str, ...]
    skipped: tuple[Skipped, ...]


def _plan(form: DictionaryForm) -> _Plan:
    """Items, instructions and what is left out. The instructions are the section header
    and the display text of the section that holds the first item, up to that item."""
    items: list[DictionaryField] = []
    section: list[tuple[DictionaryField, str]] = []  # before the first item: (field, text)
    skipped: list[Skipped] = []
    after = "after the first item; Peerpath shows instructions only at the top"

    def skip(f: DictionaryField, column: str, reason: str) -> None:
        skipped.append(Skipped(f.row, f.name, f.field_type, COLUMNS[column][0], reason))

    for f in form.fields:
        if f.section_header and items:
            skip(f, "section", f"a section header {after}")
        elif f.section_header:
            for g, _ in section:
                if g.field_type == "descriptive":
                    skip(g, "label", "display text in a section without items")
            section = [(f, f.section_header)]
        if f.field_type == "descriptive":
            if items:
                skip(f, "label", f"display text {after}")
            else:
                section.append((f, f.label))
            continue
        reason = _why_not_an_item(f)
        if reason is not None:
            column = {"slider": "max"}.get(f.field_type, "type" if f.field_type in NOT_ITEMS else "choices")
            skip(f, column, reason)
            continue
        items.append(f)
        if f.branching_logic:
            skip(f, "branching", "branching logic is not imported: the item is always asked")
    instructions = tuple(text for _, text in section) if items else ()
    return _Plan(tuple(items), instructions, tuple(sorted(skipped, key=lambda s: s.row)))


def not_imported(form: DictionaryForm) -> list[Skipped]:
    """What ``to_instrument(form, …)`` leaves out, in file order, so the UI can say so."""
    return list(_plan(form).skipped)


def _options(f: DictionaryField) -> dict[str, Any]:
    """A field's response set: its choices, or a slider's range with its labels (two labels
    are taken as left and right)."""
    if f.field_type != "slider":
        return {"options": [{"value": float(c.code), "label": _text(c.label)} for c in f.choices]}
    low, high = f.slider_range
    labels = list(f.slider_labels)
    points = [(low, labels[0] if labels and labels[0] else f"{low:g}")]
    if len(labels) == 3 and labels[1]:
        points.append(((low + high) / 2, labels[1]))
    points.append((high, labels[-1] if len(labels) > 1 and labels[-1] else f"{high:g}"))
    return {"options": [{"value": v, "label": _text(t)} for v, t in points], "continuous": True}


def _response_sets(fields: tuple[DictionaryField, ...], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """One response set per distinct choice list, named after the first matrix group that
    uses it (without the instrument's prefix), else after its type; and each field's set."""
    keyed = [(repr(options), options, f) for f in fields for options in [_options(f)]]
    names: dict[str, str] = {}
    sets: dict[str, Any] = {}
    for key, options, f in keyed:
        if key in names:
            continue
        group = next((g.matrix_group for k, _, g in keyed if k == key and g.matrix_group), "")
        base = group.removeprefix(prefix) or group or {
            "yesno": "yes_no", "truefalse": "true_false", "slider": "slider"}.get(f.field_type, "choices")
        name, n = base, 1
        while name in sets:
            n += 1
            name = f"{base}_{n}"
        names[key], sets[name] = name, options
    return sets, [names[key] for key, _, _ in keyed]


def to_instrument(
    form: DictionaryForm,
    *,
    instrument_id: str,
    licence: Licence,
    citation: str,
    direction: Direction | str,
    name_en: str | None = None,
    name_zh: str | None = None,
    short_name: str | None = None,
    domain: str = "imported from a REDCap data dictionary",
    method: Literal["sum", "mean"] = "sum",
    reverse: Iterable[str] = (),
) -> Instrument:
    """``form`` as an instrument whose primary score "total" is the sum (or mean) of all its
    items in ``direction``; ``reverse``: item ids (or variable names) to reverse-key. Item
    wording and instructions are left out when ``licence`` does not allow redistributing
    them. Raises ``DictionaryError`` when the form has no field that can be an item, and
    ``ValueError`` for arguments the schema or the scoring engine refuses."""
    plan = _plan(form)
    if not plan.items:
        why = "has no radio, dropdown, yesno, truefalse or slider field with numeric codes"
        row = form.fields[0].row if form.fields else 1
        first = Problem(row, None, f"form {form.name!r} {why}: nothing to score")
        rest = [Problem(s.row, s.column, f"{s.name}: {s.reason}") for s in plan.skipped]
        raise DictionaryError([first, *rest])
    prefix = f"{instrument_id}_"
    strip = all(f.name.startswith(prefix) and len(f.name) > len(prefix) for f in plan.items)
    ids = {f.name: f.name.removeprefix(prefix) if strip else f.name for f in plan.items}
    reversed_ids = {ids.get(r, r) for r in ([reverse] if isinstance(reverse, str) else reverse)}
    unknown = sorted(reversed_ids - set(ids.values()))
    if unknown:
        known = list(ids.values())
        raise ValueError(f"reverse: no items {unknown} in form {form.name!r}; its items are {known}")
    wording = licence.wording_redistributable
    response_sets, set_names = _response_sets(plan.items, prefix)
    items: list[dict[str, Any]] = []
    for f, set_name in zip(plan.items, set_names, strict=True):
        item_id = ids[f.name]
        placeholder = f.label in (f"Item {item_id}", f"Item {f.name}")
        text = _text(f.label) if wording and not placeholder else None
        reverse_keyed = item_id in reversed_ids
        items.append({"id": item_id, "text": text, "response_set": set_name, "reverse": reverse_keyed})
    joined = "\n\n".join(plan.instructions)
    instructions = _text(joined) if joined and wording else None
    texts = [o["label"] for rs in response_sets.values() for o in rs["options"]]
    texts += [i["text"] for i in items if i["text"]] + ([instructions] if instructions else [])
    present = {"en" if t.en else "zh-hant" for t in texts}
    note = (
        f"Imported from the REDCap data dictionary, form {form.name!r}; whether this wording is "
        "the original or a validated translation is not recorded."
    )
    skipped = ", ".join(dict.fromkeys(s.name for s in plan.skipped)) or "nothing"
    names = {"en": name_en, "zh-hant": name_zh} if name_en or name_zh else {"en": form.label}
    data = {
        "id": instrument_id,
        "version": 1,
        "short_name": short_name or name_en or name_zh or form.label,
        "name": names,
        "domain": domain,
        "instructions": instructions,
        "response_sets": response_sets,
        "items": items,
        "scores": [{
            "id": "total",
            "primary": True,
            "label": TOTAL_LABEL[method],
            "items": [i["id"] for i in items],
            "method": method,
            "direction": direction,
        }],
        "licence": licence,
        "citation": citation,
        "translations": {
            language: {"status": "unvalidated", "note": note} if language in present
            else {"status": "absent", "note": "Not in the REDCap data dictionary."}
            for language in ("en", "zh-hant")
        },
        "notes": f"Imported from REDCap form {form.name!r}: {len(items)} items; not imported: {skipped}.",
    }  # fmt: skip
    instrument = Instrument.model_validate(data)
    check_definition(instrument)  # e.g. a reverse-keyed item on an asymmetric scale
    return instrument
