"""FHIR names, codes and answer values shared by the export (``fhir``) and the import
(``fhir_read``): the canonical URLs of a Questionnaire and of its answer code
systems, the linkIds of scores, answer codes as FHIR writes them, and the check that
a value is one of an item's answer options.

Pure Python (no Django import, no FHIR library at run time).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .definitions import LANGUAGES, Instrument, Item, ResponseSet, Score

DEFAULT_BASE_URL = "https://peerpath.example.org/fhir"
TOLERANCE = 1e-9  # as the scoring engine matches answers to options
INSTRUCTIONS_LINK_ID = "instructions"

JSON = dict[str, Any]


# --- names and codes ----------------------------------------------------------------


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: expected one of {', '.join(LANGUAGES)}")
    return language


def questionnaire_url(instrument: Instrument, base_url: str = DEFAULT_BASE_URL) -> str:
    """The canonical URL of the instrument's Questionnaire (without the version)."""
    return f"{base_url.rstrip('/')}/Questionnaire/{instrument.id}"


def questionnaire_canonical(instrument: Instrument, base_url: str = DEFAULT_BASE_URL) -> str:
    """``url|version``: what a QuestionnaireResponse points at."""
    return f"{questionnaire_url(instrument, base_url)}|{instrument.version}"


def code_system_url(
    instrument: Instrument, response_set: str, base_url: str = DEFAULT_BASE_URL
) -> str:
    """The code system of one response set's answer codes."""
    return f"{base_url.rstrip('/')}/CodeSystem/{_code_system_name(instrument, response_set)}"


def _code_system_name(instrument: Instrument, response_set: str) -> str:
    return quote(f"{instrument.id}-{response_set}", safe="")


def score_link_id(score: Score) -> str:
    return f"score-{score.id}"


def answer_code(value: float) -> str:
    """An option value as a FHIR code: ``"3"`` for 3.0, ``"2.5"`` for 2.5."""
    return str(_number(value))


def _number(value: float) -> int | float:
    """A JSON number: an integral value as an int (``0``, not ``0.0``)."""
    number = float(value)
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


def _computable_name(instrument: Instrument) -> str:
    """``Questionnaire.name``: ``[A-Z][A-Za-z0-9_]*`` from the short name (PHQ-9 → PHQ9)."""
    name = "".join(c for c in instrument.short_name if c.isascii() and (c.isalnum() or c == "_"))
    name = name or instrument.id.upper()
    if not name[0].isalpha():
        name = "Q" + name
    return name[0].upper() + name[1:]


def _resource_id(instrument: Instrument, language: str) -> str:
    # FHIR ids are [A-Za-z0-9\-.]{1,64}; instrument ids are [a-z0-9_]+.
    return f"{instrument.id.replace('_', '-')}-v{instrument.version}-{language}"[:64]


# --- answer values --------------------------------------------------------------------


def _allowed(response_set: ResponseSet) -> str:
    if response_set.continuous:
        return f"a number from {response_set.low:g} to {response_set.high:g}"
    return "one of " + ", ".join(f"{v:g}" for v in response_set.values)


def _valid_value(instrument: Instrument, item: Item, value: float) -> float:
    """``value`` if it is an answer option of ``item`` (the option's own value), else
    ``ValueError`` naming the item, the value and the options."""
    response_set = instrument.response_sets[item.response_set]
    if response_set.continuous:
        if response_set.low - TOLERANCE <= value <= response_set.high + TOLERANCE:
            return value
    else:
        for option in response_set.options:
            if abs(option.value - value) <= TOLERANCE:
                return option.value
    raise ValueError(
        f"{instrument.id}, item {item.id!r}: value {value:g} is not an answer option "
        f"({_allowed(response_set)})"
    )
