"""Questionnaire responses read from a table: one row per response, a column per item.
Pure Python and NumPy (no Django import).

The answers of all rows are read column by column into one matrix per instrument
(``nan`` = not answered) and checked against the instrument's response options with
array operations, so that 100,000 rows take a fraction of a second; each answer that is
not a number or not an option is a problem naming its row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from peerpath.exchange.columns import item_names, split_item_key
from peerpath.exchange.tabular import Problem, Table, gettext_noop, normal
from peerpath.exchange.values import CellError, parse_choice, parse_date
from peerpath.measures.definitions import Instrument
from peerpath.measures.scoring import TOLERANCE, FloatArray
from peerpath.members import rules


@dataclass
class Responses:
    """Responses to one instrument, in file order (every list has one entry per row)."""

    instrument: Instrument
    rows: list[int] = field(default_factory=list)
    member_codes: list[str] = field(default_factory=list)
    taken_on: list[dt.date] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    answers: FloatArray = field(default_factory=lambda: np.empty((0, 0)))
    columns: dict[str, str] = field(default_factory=dict)  # item id → the column read
    date_column: str | None = None  # the column of the date answered

    def __len__(self) -> int:
        return len(self.rows)

    def answer_dicts(self) -> list[dict[str, float]]:
        """Each response as item id → value, unanswered items left out (as stored)."""
        ids = [i.id for i in self.instrument.items]
        return [
            {ids[j]: float(v) for j, v in enumerate(row) if not np.isnan(v)}
            for row in self.answers.tolist()
        ]


_PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


def _number(cell: str) -> float | None:
    """A cell's number, nan when blank, None when it is not a plain number."""
    text = cell.strip()
    if not text:
        return math.nan
    return float(text) if _PLAIN_NUMBER.fullmatch(text) else None


def _numbers(cells: Sequence[str]) -> tuple[FloatArray, list[int]]:
    """The cells as numbers (blank → nan) and the indexes of cells that are not numbers.
    Each distinct text is read once (a column of answers holds a handful)."""
    read = {cell: _number(cell) for cell in set(cells)}
    values = np.array([read[cell] if read[cell] is not None else math.nan for cell in cells], dtype=np.float64)
    bad = [i for i, cell in enumerate(cells) if read[cell] is None] if None in read.values() else []
    return values, bad


def allowed(instrument: Instrument, item_id: str) -> str:
    """The answers an item takes, as "0, 1, 2, 3" or "0-100"."""
    response_set = instrument.response_sets[instrument.item(item_id).response_set]
    if response_set.continuous:
        return f"{response_set.low:g}-{response_set.high:g}"
    return ", ".join(f"{v:g}" for v in response_set.values)


NOT_A_NUMBER = gettext_noop("%(value)r is not a number: an answer to item %(item)s is one of %(allowed)s")
NOT_AN_ANSWER = gettext_noop("%(value)s is not an answer to item %(item)s: expected one of %(allowed)s")


def read_answers(
    instrument: Instrument, columns: Mapping[str, tuple[str, Sequence[str]]], rows: Sequence[int]
) -> tuple[FloatArray, list[Problem]]:
    """The answer matrix (rows × ``instrument.items``) from item id → (column name, cells),
    and a problem for each cell that is not a valid answer (that answer is left out)."""
    matrix = np.full((len(rows), len(instrument.items)), np.nan)
    problems: list[Problem] = []
    for j, item in enumerate(instrument.items):
        if item.id not in columns:
            continue
        name, cells = columns[item.id]
        values, not_numbers = _numbers(cells)
        options_text = allowed(instrument, item.id)
        for r in not_numbers:
            params = {"value": cells[r].strip(), "item": item.id, "allowed": options_text}
            problems.append(Problem(rows[r], name, NOT_A_NUMBER, params))
        response_set = instrument.response_sets[item.response_set]
        if response_set.continuous:
            ok = (values >= response_set.low - TOLERANCE) & (values <= response_set.high + TOLERANCE)
        else:
            options = np.array(response_set.values)
            ok = (np.abs(values[:, None] - options[None, :]) <= TOLERANCE).any(axis=1)
        bad = ~ok & ~np.isnan(values)
        for r in np.flatnonzero(bad).tolist():
            params = {"value": cells[r].strip(), "item": item.id, "allowed": options_text}
            problems.append(Problem(rows[r], name, NOT_AN_ANSWER, params))
        matrix[:, j] = np.where(bad, np.nan, values)
    return matrix, problems


def item_columns(
    instrument: Instrument, header: Sequence[str], mapping: Mapping[int, str], names: Sequence[str] = ()
) -> dict[str, int]:
    """Item id → column index: the column mapped to the item, else a column named for it
    (see ``item_names``; ``names``: more name patterns with ``{item}``) that is mapped to
    an item of any questionnaire (in a file of several questionnaires, a column "1" holds
    item 1 of whichever each row is for). Columns not imported are never read."""
    found: dict[str, int] = {}
    for index, key in mapping.items():
        parsed = split_item_key(key)
        if parsed and parsed[0] == instrument.id:
            found.setdefault(parsed[1], index)
    usable = {
        normal(name): index for index, name in enumerate(header)
        if name and index in mapping and split_item_key(mapping[index]) is not None
    }
    for item in instrument.items:
        if item.id in found:
            continue
        for name in (*item_names(instrument.id, item.id), *(n.format(item=item.id) for n in names)):
            if normal(name) in usable:
                found[item.id] = usable[normal(name)]
                break
    return found


_ITEM_LIKE = r"[ _.-]?(?:q|item)?[ _.-]?\d+[a-z]?"


def items_text(instrument: Instrument) -> str:
    """The item ids of an instrument, as "1-9" when they are 1 to n, else listed."""
    ids = [i.id for i in instrument.items]
    if ids == [str(n) for n in range(1, len(ids) + 1)]:
        return f"1-{len(ids)}"
    return ", ".join(ids)


def stray_item_columns(
    header: Sequence[str], read: set[int], instruments: Sequence[Instrument], prefixes: Iterable[str],
    *, bare: bool = True, own_prefixes: Iterable[str] = (),
) -> list[Problem]:
    """A problem for each column not read that is named like an item (``10``, ``q10``,
    ``item10``; ``<prefix>_10`` for each of ``prefixes``, e.g. questionnaire ids or a
    REDCap form) but names no item of ``instruments`` (by ``item_names``, or
    ``<own prefix>_<item>``): its answers would be dropped. A column that does name an
    item but was left out of the mapping is the person's choice, not a problem."""
    if not instruments:
        return []
    own = tuple(own_prefixes)
    known = {
        normal(name)
        for instrument in instruments
        for item in instrument.items
        for name in (*item_names(instrument.id, item.id), *(f"{p}_{item.id}" for p in own))
    }
    patterns = [re.escape(p.lower()) + _ITEM_LIKE for p in sorted(set(prefixes), key=len, reverse=True) if p]
    if bare:
        patterns.append(_ITEM_LIKE.removeprefix("[ _.-]?"))
    if not patterns:
        return []
    looks = re.compile("|".join(f"(?:{p})" for p in patterns))
    problems = []
    for index, name in enumerate(header):
        if index in read or not name or not looks.fullmatch(name.strip().lower()) or normal(name) in known:
            continue
        if len(instruments) == 1:
            message = gettext_noop("this column looks like an item, but %(instrument)s has no such item (it has "
                                   "items %(items)s): rename or delete the column, or its answers are lost")
            params = {"instrument": instruments[0].id, "items": items_text(instruments[0])}
        else:
            message = gettext_noop("this column looks like an item, but none of the questionnaires of the file "
                                   "(%(instruments)s) has such an item: rename or delete the column, or its "
                                   "answers are lost")
            params = {"instruments": ", ".join(i.id for i in instruments)}
        problems.append(Problem(1, name, message, params))
    return problems


@dataclass(frozen=True)
class FlatOptions:
    """How to read a flat file of responses (besides the column mapping)."""

    instrument_id: str = ""  # every row is for this instrument ("" → the 'instrument' column)
    reason: str = "ad_hoc"  # when no 'reason' column says
    mode: str = "staff"  # when no 'mode' column says


def read_responses(
    table: Table,
    mapping: Mapping[int, str],
    options: FlatOptions,
    *,
    instrument_for: Callable[[str], Instrument | None],
    modes: Mapping[str, str],
    reasons: Mapping[str, str],
    today: dt.date,
    instrument_ids: Iterable[str] = (),
) -> tuple[list[Responses], list[Problem]]:
    """The rows of a flat questionnaire file grouped by instrument, and every problem.
    ``instrument_for(id)``: the member-level instrument with that id, or None;
    ``modes`` and ``reasons``: normalised alias → code; ``instrument_ids``: the ids a
    column name may begin with (``phq9_10``), to find columns that name no item."""
    by_key = {key: index for index, key in mapping.items() if key and not key.startswith("item:")}
    header = table.header
    problems: list[Problem] = []

    def column(key: str) -> str | None:
        return header[by_key[key]] if key in by_key else None

    groups: dict[str, Responses] = {}
    picked: dict[str, list[list[str]]] = {}
    dates: dict[str, dt.date] = {}
    for row, cells in table.rows:
        def get(key: str, cells: list[str] = cells) -> str:
            return cells[by_key[key]].strip() if key in by_key else ""

        found: list[Problem] = []
        code = get("member_code")
        if not code:
            found.append(Problem(row, column("member_code"), gettext_noop("the member code is empty")))
        instrument_id = options.instrument_id or get("instrument")
        instrument = instrument_for(instrument_id) if instrument_id else None
        if not instrument_id:
            message = gettext_noop("no questionnaire: give the instrument id in a column or for the whole file")
            found.append(Problem(row, column("instrument"), message))
        elif instrument is None:
            message = gettext_noop("%(value)r is not a questionnaire members answer in Peerpath's library")
            found.append(Problem(row, column("instrument"), message, {"value": instrument_id}))
        taken_on: dt.date | None = None
        raw_date = get("taken_on")
        try:
            taken_on = dates[raw_date] if raw_date in dates else dates.setdefault(raw_date, parse_date(raw_date))
            if (broken := rules.past_date(taken_on, today)) is not None:
                found.append(Problem(row, column("taken_on"), broken.cell_message, broken.cell_params(raw_date)))
        except CellError as exc:
            if raw_date:
                found.append(exc.problem(row, column("taken_on")))
            else:
                found.append(Problem(row, column("taken_on"), gettext_noop("the date answered is empty")))
        mode, reason = options.mode, options.reason
        for key, choices, target in (("mode", modes, "mode"), ("reason", reasons, "reason")):
            if get(key):
                try:
                    value = parse_choice(get(key), choices, sorted(set(choices.values())))
                except CellError as exc:
                    found.append(exc.problem(row, column(key)))
                    continue
                if target == "mode":
                    mode = value
                else:
                    reason = value
        problems.extend(found)
        if instrument is None or found or taken_on is None:
            continue
        group = groups.setdefault(instrument.id, Responses(instrument, date_column=column("taken_on")))
        group.rows.append(row)
        group.member_codes.append(code)
        group.taken_on.append(taken_on)
        group.modes.append(mode)
        group.reasons.append(reason)
        picked.setdefault(instrument.id, []).append(cells)
    read = set(by_key.values())
    for instrument_id, group in groups.items():
        columns = item_columns(group.instrument, header, mapping)
        read.update(columns.values())
        group.answers = np.full((len(group), len(group.instrument.items)), np.nan)
        if not columns:
            message = gettext_noop("no column holds the answers to %(instrument)s: name the columns by item (e.g. "
                                   "'1' or '%(instrument)s_1') or map them")
            problems.append(Problem(1, None, message, {"instrument": instrument_id}))
            continue
        rows_cells = picked[instrument_id]
        cells_by_item = {
            item_id: (header[index], [cells[index] for cells in rows_cells]) for item_id, index in columns.items()
        }
        group.columns = {item_id: header[index] for item_id, index in columns.items()}
        group.answers, found = read_answers(group.instrument, cells_by_item, group.rows)
        problems.extend(found)
        unanswered = np.flatnonzero(np.isnan(group.answers).all(axis=1)).tolist()
        for r in unanswered:
            message = gettext_noop("no answers to %(instrument)s in this row")
            problems.append(Problem(group.rows[r], None, message, {"instrument": instrument_id}))
    chosen = instrument_for(options.instrument_id) if options.instrument_id else None
    in_play = [g.instrument for g in groups.values()] or ([chosen] if chosen is not None else [])
    problems.extend(stray_item_columns(header, read, in_play, [*instrument_ids, *(i.id for i in in_play)]))
    return list(groups.values()), sorted(problems, key=lambda p: p.row)
