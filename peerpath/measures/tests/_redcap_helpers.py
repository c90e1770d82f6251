"""Shared helpers and sample dictionaries for the REDCap tests (no database)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from peerpath.measures.definitions import Direction, Instrument, Licence, load_library
from peerpath.measures.redcap import (
    HEADER,
    DictionaryError,
    DictionaryForm,
    parse_data_dictionary,
    to_instrument,
)

# Real data dictionaries from rios.conversion's tests (Apache-2.0, see data/redcap/NOTICE),
# kept in the repository so that a fresh clone runs every test.
TESTDATA = Path(__file__).resolve().parent / "data" / "redcap"
LIBRARY = load_library()
OPEN = Licence(wording_redistributable=True, text="Test licence.")
CLOSED = Licence(wording_redistributable=False, text="Scoring rules only.")
CHOICES = "Choices, Calculations, OR Slider Labels"


def shared_file(name: str) -> bytes:
    """A real REDCap file of TESTDATA; a missing one fails the test (never a skip)."""
    return (TESTDATA / name).read_bytes()


def only_form(source: str | bytes, form: str | None = None) -> DictionaryForm:
    [result] = parse_data_dictionary(source, form=form)
    return result


def convert(form: DictionaryForm, **kwargs: Any) -> Instrument:
    defaults: dict[str, Any] = {
        "instrument_id": "imported",
        "licence": OPEN,
        "citation": "Test citation.",
        "direction": Direction.HIGHER_IS_WORSE,
    }
    return to_instrument(form, **(defaults | kwargs))


def field(name: str, field_type: str, label: str, choices: str = "", **more: str) -> dict[str, str]:
    row = {
        "Variable / Field Name": name,
        "Form Name": more.pop("form", "scale"),
        "Field Type": field_type,
        "Field Label": label,
        CHOICES: choices,
    }
    return row | more


def dictionary(*rows: dict[str, str], header: tuple[str, ...] | list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def problems(source: str | bytes, **kwargs: Any) -> list[str]:
    with pytest.raises(DictionaryError) as caught:
        parse_data_dictionary(source, **kwargs)
    return [str(p) for p in caught.value.problems]


FREQ = "0, Not at all | 1, Some days | 2, Most days"

# The oldest header (REDCap 3-5: "Field Units", "Choices OR Calculations", "Text Validation
# Type", no matrix columns), hand-written with a label quoted over two lines and HTML.
OLD_SAMPLE = """\
"Variable / Field Name","Form Name","Field Units","Section Header","Field Type","Field Label","Choices OR Calculations","Field Note","Text Validation Type","Text Validation Min","Text Validation Max",Identifier?,"Branching Logic (Show field only if...)","Required Field?"
record_id,mood,,,text,Record ID,,,,,,,,
mood_intro,mood,,Mood check,descriptive,"<p>Think about the <b>last two weeks</b>.</p>",,,,,,,,
mood_1,mood,,,radio,Felt low,"0, Not at all | 1, Some days | 2, Most days",,,,,,,y
mood_2,mood,,,radio,"Felt
tense","0, Not at all | 1, Some days | 2, Most days",,,,,,,y
mood_3,mood,,,yesno,Slept well?,,,,,,,[mood_1] = '2',
mood_days,mood,days,,text,Days off work,,,integer,0,14,,,
mood_total,mood,,,calc,Total,"sum([mood_1],[mood_2])",,,,,,,
"""

# The same form with the newer header, its columns in another order, as REDCap writes it.
NEW_SAMPLE = dictionary(
    field("record_id", "text", "Record ID", form="mood"),
    field("mood_intro", "descriptive", "<p>Think about the <b>last two weeks</b>.</p>",
          form="mood", **{"Section Header": "Mood check"}),
    field("mood_1", "radio", "Felt low", FREQ, form="mood", **{"Required Field?": "y"}),
    field("mood_2", "radio", "Felt\ntense", FREQ, form="mood", **{"Required Field?": "y"}),
    field("mood_3", "yesno", "Slept well?", form="mood",
          **{"Branching Logic (Show field only if...)": "[mood_1] = '2'"}),
    field("mood_days", "text", "Days off work", form="mood", **{
        "Text Validation Type OR Show Slider Number": "integer",
        "Text Validation Min": "0", "Text Validation Max": "14"}),
    field("mood_total", "calc", "Total", "sum([mood_1],[mood_2])", form="mood"),
    header=list(reversed(HEADER)),
)  # fmt: skip
