"""Export tables as plain data: columns with labels and value labels, and rows
(pure Python, no Django). Small cells of aggregate tables are hidden through a
disclosure ledger (``peerpath.outcomes.disclosure``, see ``collect._summary``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Column kinds: text, whole number, decimal number, calendar date, days since
# enrolment, yes/no (0/1), and a category from a fixed list of values.
STR, INT, FLOAT, DATE, DAY, BOOL, CAT = "str", "int", "float", "date", "day", "bool", "cat"
KINDS = (STR, INT, FLOAT, DATE, DAY, BOOL, CAT)
BOOL_LABELS = [(0, "No", "否"), (1, "Yes", "是")]


@dataclass(frozen=True)
class Choice:
    value: str
    en: str
    zh: str


@dataclass
class Column:
    name: str
    en: str
    zh: str
    kind: str = STR
    choices: list[Choice] = field(default_factory=list)
    unit: str = ""
    note: str = ""
    citation: str = ""
    licence: str = ""
    fixed_codes: dict[str, int] | None = None  # a research project's codes (``codes``)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if len(self.name) > 32 or not self.name.replace("_", "").isalnum() or not self.name[0].isalpha():
            raise ValueError(f"{self.name!r} is not a valid Stata/SPSS variable name")

    def codes(self) -> dict[str, int]:
        """Category value → integer code used in .sav and .dta files: the research
        project's codes when set (``fixed_codes``), else 1, 2, … in order."""
        if self.fixed_codes is not None:
            return {c.value: self.fixed_codes[c.value] for c in self.choices}
        return {c.value: i for i, c in enumerate(self.choices, start=1)}


@dataclass
class Table:
    name: str
    en: str
    zh: str
    columns: list[Column]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: column names must be distinct")

    def add(self, *values: Any) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"{self.name}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append(tuple(values))


# Text that a spreadsheet would read as a formula (OWASP CSV injection): a value
# starting with one of these is written with a leading single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` safe for a spreadsheet cell: prefixed with ``'`` when it begins like
    a formula. Only text goes through here; numbers (negative ones too) are written
    as numbers."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def date_column(name: str, en: str, zh: str, mode_days: bool) -> Column:
    """A date variable: a (shifted or real) date, or days since enrolment."""
    if mode_days:
        return Column(name, f"{en} (days since enrolment)", f"{zh}（入案後天數）", DAY, unit="days")
    return Column(name, en, zh, DATE)
