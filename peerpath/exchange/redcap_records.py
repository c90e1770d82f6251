"""REDCap records (a flat CSV export of raw data) as questionnaire responses to an
instrument that came from the project's data dictionary. Pure Python and NumPy.

The export has one row per record, and in a longitudinal project per event
(``redcap_event_name``); a repeating instrument or event adds rows with
``redcap_repeat_instrument`` / ``redcap_repeat_instance``. The first column is the
record ID field. Each form has a ``<form>_complete`` column (0 Incomplete, 1 Unverified,
2 Complete) and a checkbox field one column per choice (``race___1``); both are read
past unless they are chosen as the member code or the date.

A row holds the form's answers when its repeat instrument is empty or the form itself.
Items are found by their variable names: the item id, or ``<instrument id>_<item id>``
(or ``<form>_<item id>``), as ``to_instrument`` named them. The member code is the
record ID, or a field of the record (taken from whichever row of the record has it, as a
demographics form is often filled on the first event only). The date answered is a
chosen field of the same row, else of the event's row (its non-repeating forms).

Rows without any answer to the form are not responses. A form marked Incomplete (0)
with answers is a problem, or is skipped and reported when the caller says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from peerpath.exchange.responses import Responses, read_answers, stray_item_columns
from peerpath.exchange.tabular import Problem, Table, gettext_noop, normal
from peerpath.exchange.values import CellError, parse_date
from peerpath.measures.definitions import Instrument
from peerpath.members import rules

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
SPECIAL = (EVENT, REPEAT_INSTRUMENT, REPEAT_INSTANCE, "redcap_data_access_group", "redcap_survey_identifier")
INCOMPLETE, UNVERIFIED, COMPLETE = "0", "1", "2"


@dataclass(frozen=True)
class RecordOptions:
    """What the person chose on the mapping page."""

    form: str  # the REDCap form (instrument) name, as in "<form>_complete"
    date_field: str  # the variable holding the date the form was answered
    member_field: str = ""  # the variable holding the member code; "" = the record ID is the code
    events: tuple[str, ...] = ()  # only these events (unique event names); () = every event
    skip_incomplete: bool = False
    reason: str = "ad_hoc"
    mode: str = "staff"


@dataclass
class Layout:
    """The columns of a records export that the import needs to know."""

    record: int
    event: int | None
    repeat_instrument: int | None
    repeat_instance: int | None
    forms: list[str]  # from the <form>_complete columns, in file order
    events: list[str] = field(default_factory=list)  # unique event names, in file order


def layout(table: Table) -> Layout:
    index = {normal(name): i for i, name in enumerate(table.header)}
    event = index.get(normal(EVENT))
    forms = [name[: -len("_complete")] for name in table.header if name.endswith("_complete") and len(name) > 9]
    events = list(dict.fromkeys(cells[event] for _, cells in table.rows)) if event is not None else []
    return Layout(
        record=0,
        event=event,
        repeat_instrument=index.get(normal(REPEAT_INSTRUMENT)),
        repeat_instance=index.get(normal(REPEAT_INSTANCE)),
        forms=forms,
        events=[e for e in events if e],
    )


def item_variables(instrument: Instrument, header: Sequence[str], form: str) -> dict[str, int]:
    """Item id → column of its variable (the item id, ``<instrument id>_<item id>`` or
    ``<form>_<item id>``; REDCap names are lowercase, the match ignores case)."""
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    found: dict[str, int] = {}
    for item in instrument.items:
        for name in (item.id, f"{instrument.id}_{item.id}", f"{form}_{item.id}"):
            if name.lower() in index:
                found[item.id] = index[name.lower()]
                break
    return found


@dataclass
class RecordsResult:
    responses: Responses
    problems: list[Problem]
    skipped_incomplete: list[int] = field(default_factory=list)  # rows
    without_answers: int = 0  # rows of the form (or of other forms) with no answer to it
    notes: list[Problem] = field(default_factory=list)  # row 1: things to know that are not problems


def _header_problems(
    table: Table, instrument: Instrument, options: RecordOptions, lay: Layout, items: Mapping[str, int]
) -> list[Problem]:
    header = [h.lower() for h in table.header]
    problems = []
    not_a_column = gettext_noop("the field %(field)r is not a column of the records")
    for field_name in (options.date_field, options.member_field):
        if field_name and field_name.lower() not in header:
            problems.append(Problem(1, field_name, not_a_column, {"field": field_name}))
    if not options.date_field:
        problems.append(Problem(1, None, gettext_noop("choose the field that holds the date the form was answered")))
    missing = [i.id for i in instrument.items if i.id not in items]
    params = {"instrument": instrument.id, "form": options.form}
    if missing and len(missing) == len(instrument.items):
        message = gettext_noop("no column holds an item of %(instrument)s (variables named like "
                               "'%(instrument)s_%(item)s' or '%(item)s'): are these the records of form %(form)r?")
        problems.append(Problem(1, None, message, {**params, "item": missing[0]}))
    else:
        message = gettext_noop("no column for item %(item)s of %(instrument)s (variable '%(instrument)s_%(item)s' "
                               "or '%(item)s'): export every field of form %(form)r")
        problems.extend(Problem(1, None, message, {**params, "item": item_id}) for item_id in missing)
    if options.events and lay.event is None:
        message = gettext_noop("events were chosen but the records have no redcap_event_name column")
        problems.append(Problem(1, EVENT, message))
    # A variable of the form named like an item that the questionnaire does not have.
    problems.extend(stray_item_columns(table.header, set(items.values()), [instrument],
                                       [instrument.id, options.form], bare=False, own_prefixes=[options.form]))
    unknown = [e for e in options.events if e not in lay.events]
    if unknown and lay.event is not None:
        message = gettext_noop("no rows of the event(s) %(events)s")
        problems.append(Problem(1, EVENT, message, {"events": ", ".join(unknown)}))
    return problems


def read_records(
    table: Table, instrument: Instrument, options: RecordOptions, *, today: dt.date
) -> RecordsResult:
    """The responses to ``instrument`` in a records export, and every problem (by row and
    column, as a spreadsheet counts them)."""
    lay = layout(table)
    header = table.header
    items = item_variables(instrument, header, options.form)
    result = RecordsResult(Responses(instrument), [])
    result.problems = _header_problems(table, instrument, options, lay, items)
    if result.problems:
        return result
    lower = {name.lower(): i for i, name in enumerate(header)}
    date_col = lower[options.date_field.lower()]
    member_col = lower[options.member_field.lower()] if options.member_field else lay.record
    complete_col = lower.get(f"{options.form}_complete".lower())
    if complete_col is None:
        message = gettext_noop("the records have no %(form)s_complete column: every form with answers is taken "
                               "as complete")
        result.notes.append(Problem(1, None, message, {"form": options.form}))
    item_cols = list(items.values())
    status_column = header[complete_col] if complete_col is not None else None
    wanted = set(options.events)

    event_col, instrument_col, instance_col = lay.event, lay.repeat_instrument, lay.repeat_instance
    record_col = lay.record

    def event_of(cells: list[str]) -> str:
        return cells[event_col] if event_col is not None else ""

    def repeat_of(cells: list[str]) -> tuple[str, str]:
        name = cells[instrument_col].strip() if instrument_col is not None else ""
        instance = cells[instance_col].strip() if instance_col is not None else ""
        return name, instance

    codes: dict[str, tuple[str, int]] = {}  # record → (member code, row it came from)
    event_dates: dict[tuple[str, str], str] = {}  # (record, event) → date on the event's own row
    repeats = [repeat_of(cells) for _, cells in table.rows]
    for (row, cells), repeat in zip(table.rows, repeats, strict=True):
        record = cells[record_col].strip()
        value = cells[member_col].strip()
        if value:
            known = codes.get(record)
            if known is None:
                codes[record] = (value, row)
            elif known[0] != value:
                message = gettext_noop("member code %(value)r differs from %(first)r given for record %(record)r "
                                       "in row %(row)s")
                params = {"value": value, "first": known[0], "record": record, "row": known[1]}
                result.problems.append(Problem(row, header[member_col], message, params))
        if repeat == ("", "") and cells[date_col].strip():
            event_dates.setdefault((record, event_of(cells)), cells[date_col].strip())

    picked: list[list[str]] = []
    dates: dict[str, dt.date] = {}
    responses = result.responses
    for (row, cells), (repeat_instrument, _) in zip(table.rows, repeats, strict=True):
        if wanted and event_of(cells) not in wanted:
            continue
        if repeat_instrument and repeat_instrument != options.form:
            continue
        if not "".join([cells[c] for c in item_cols]).strip():
            result.without_answers += 1
            continue
        status = cells[complete_col].strip() if complete_col is not None else ""
        if status == INCOMPLETE:
            if options.skip_incomplete:
                result.skipped_incomplete.append(row)
            else:
                message = gettext_noop("the form is marked Incomplete (0): mark it complete in REDCap, or choose "
                                       "to skip incomplete forms")
                result.problems.append(Problem(row, status_column, message))
            continue
        if status and status not in (UNVERIFIED, COMPLETE):
            message = gettext_noop("%(value)r is not a form status (0, 1 or 2)")
            result.problems.append(Problem(row, status_column, message, {"value": status}))
            continue
        record = cells[record_col].strip()
        code = codes.get(record, ("", 0))[0]
        raw = cells[date_col].strip() or event_dates.get((record, event_of(cells)), "")
        taken_on = dates.get(raw)
        if not record or not code or taken_on is None:
            found = []
            if not record:
                found.append(Problem(row, header[record_col], gettext_noop("the record ID is empty")))
            elif not code:
                message = gettext_noop("record %(record)r has no member code in field %(field)r")
                found.append(Problem(row, header[member_col], message, {"record": record, "field": header[member_col]}))
            if not raw:
                message = gettext_noop("no date in field %(field)r for this form (nor on the event's row)")
                found.append(Problem(row, header[date_col], message, {"field": header[date_col]}))
            elif taken_on is None:
                try:
                    taken_on = dates[raw] = parse_date(raw)
                except CellError as exc:
                    found.append(exc.problem(row, header[date_col]))
            if found:
                result.problems.extend(found)
                continue
        assert taken_on is not None
        if (broken := rules.past_date(taken_on, today)) is not None:
            result.problems.append(Problem(row, header[date_col], broken.cell_message, broken.cell_params(raw)))
            continue
        responses.rows.append(row)
        responses.member_codes.append(code)
        responses.taken_on.append(taken_on)
        responses.modes.append(options.mode)
        responses.reasons.append(options.reason)
        picked.append(cells)
    responses = result.responses
    responses.date_column = header[date_col]
    responses.columns = {item_id: header[c] for item_id, c in items.items()}
    cells_by_item = {item_id: (header[c], [cells[c] for cells in picked]) for item_id, c in items.items()}
    responses.answers, found = read_answers(instrument, cells_by_item, responses.rows)
    result.problems.extend(found)
    result.problems.sort(key=lambda p: p.row)
    return result
