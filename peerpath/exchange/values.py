"""Reading the values of a cell: dates, numbers and coded choices. Pure Python.

Each reader returns the value or raises ``CellError`` (a ``ValueError``) whose message
names what was expected; the caller adds the row and the column (``problem``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from peerpath.exchange.tabular import Problem, gettext_noop, normal

ROC_OFFSET = 1911  # 民國 year + 1911 = Western year
_ISO = re.compile(r"(\d{3,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CHINESE = re.compile(r"(?:民國)?\s*(\d{2,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_ROC_PREFIX = re.compile(r"民國\s*(\d{2,3})[-/.](\d{1,2})[-/.](\d{1,2})")


class CellError(ValueError):
    """A cell that cannot be read: an English message template and its parameters."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)

    def problem(self, row: int, column: str | None) -> Problem:
        return Problem(row, column, self.message, self.params)


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        message = gettext_noop("%(value)r is not a date that exists; write dates as YYYY-MM-DD, e.g. 2026-03-15 "
                               "(or 民國 115/03/15)")
        raise CellError(message, value=text.strip()) from None


def parse_date(text: str) -> dt.date:
    """A date written as YYYY-MM-DD (also with / or . and an optional time, as REDCap
    and spreadsheets write them), YYYYMMDD, or in the Republic of China calendar:
    民國 115/03/15, 115/03/15 (a three-digit year) or 115年3月15日."""
    value = text.strip()
    if match := _ROC_PREFIX.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        return _date(year + ROC_OFFSET, month, day, text)
    if match := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        if len(match.group(1)) == 3:
            year += ROC_OFFSET
        return _date(year, month, day, text)
    if match := _COMPACT.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        return _date(year, month, day, text)
    if match := _CHINESE.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
        return _date(year if year >= 1000 else year + ROC_OFFSET, month, day, text)
    message = gettext_noop("%(value)r is not a date; write dates as YYYY-MM-DD, e.g. 2026-03-15 (or 民國 115/03/15)")
    raise CellError(message, value=value)


def parse_number(text: str) -> float:
    """A plain number (digits, an optional sign and decimal point; thousands separators
    are refused, as 1,5 may mean 1.5)."""
    value = text.strip()
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", value, flags=re.ASCII):
        raise CellError(gettext_noop("%(value)r is not a number"), value=value)
    return float(value)


def parse_year(text: str) -> int:
    """A year of four digits, 民國 followed by the ROC year, or a full date (its year)."""
    value = text.strip()
    if re.fullmatch(r"\d{4}", value, flags=re.ASCII):
        return int(value)
    if match := re.fullmatch(r"民國\s*(\d{1,3})\s*年?", value):
        return int(match.group(1)) + ROC_OFFSET
    try:
        return parse_date(value).year
    except ValueError:
        message = gettext_noop("%(value)r is not a year: write four digits, e.g. 1986 (or 民國75)")
        raise CellError(message, value=value) from None


def parse_boolean(text: str) -> bool:
    """Yes or no: 1/0, yes/no, y/n, true/false, 是/否, 有/無, 對/錯."""
    value = normal(text)
    if value in ("1", "yes", "y", "true", "t", "是", "有", "對", "v", "✓"):
        return True
    if value in ("0", "no", "n", "false", "f", "否", "無", "沒有", "錯", "x"):
        return False
    raise CellError(gettext_noop("%(value)r is not yes or no (write 1 or 0, yes or no, 是 or 否)"), value=text.strip())


def choice_map(choices: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Normalised alias → code, from (code, aliases) pairs (the code is an alias too)."""
    found: dict[str, str] = {}
    for code, names in choices:
        for alias in (code, *names):
            if alias and normal(str(alias)):
                found.setdefault(normal(str(alias)), code)
    return found


def parse_choice(text: str, choices: Mapping[str, str], shown: Iterable[str]) -> str:
    """The code a cell names (a code or a label, in either language)."""
    code = choices.get(normal(text))
    if code is None:
        raise CellError(gettext_noop("%(value)r is not one of: %(codes)s"), value=text.strip(),
                        codes=", ".join(shown))
    return code
