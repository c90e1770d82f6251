"""Checking and writing each kind of import: members, questionnaire responses (a flat
file or REDCap records) and jobs (``jobs.py``).

``check(...)`` reads a parsed file with its mapping, finds every problem (row and column)
and what is already in the database, and returns a ``Check`` with a plan; ``write(...)``
carries the plan out inside the caller's transaction. Nothing here commits: the actions
do, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from peerpath.exchange import aliases, columns
from peerpath.exchange.redcap_records import RecordOptions, read_records
from peerpath.exchange.responses import FlatOptions, Responses, read_responses
from peerpath.exchange.tabular import Problem, Table, gettext_noop
from peerpath.exchange.values import CellError, parse_choice, parse_date, parse_year
from peerpath.exchange.writer import ResponsesPlan, existing_keys, matrix_keys, write_responses
from peerpath.measures.definitions import Instrument
from peerpath.measures.library import library
from peerpath.members import actions as member_actions
from peerpath.members import rules
from peerpath.members.forms import NewMemberForm
from peerpath.members.models import ConsentKind, Member
from peerpath.tenancy.models import Membership

SAMPLE_ROWS = 5
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}")


@dataclass
class Check:
    """What checking a file found: every problem, and how many rows would be created,
    are already present, or are skipped; a few rows as they will be imported; and the
    plan that ``write`` carries out."""

    problems: list[Problem]
    n_rows: int
    n_new: int = 0
    n_present: int = 0
    n_skipped: int = 0
    notes: list[Problem] = field(default_factory=list)  # things to know that are not problems
    sample_header: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)
    plan: Any = None

    @property
    def problem_rows(self) -> int:
        return len({p.row for p in self.problems if p.row > 1})

    @property
    def ok(self) -> bool:
        return not self.problems


def member_instrument(instrument_id: str) -> Instrument | None:
    """A questionnaire members answer, by id (None for unknown or programme-level ones)."""
    found = library().get(instrument_id)
    return found if found is not None and found.level != "programme" else None


def required_problems(kind: str, mapping: Mapping[int, str]) -> list[Problem]:
    from peerpath.exchange.labels import field_label

    message = gettext_noop("no column is mapped to '%(field)s', which is required")
    return [Problem(1, None, message, {"field": field_label(kind, key)})
            for key in columns.missing_required(kind, mapping)]


# --- members ---------------------------------------------------------------------------

MEMBER_DEFAULTS = {"gender": "undisclosed", "preferred_language": "zh-hant", "referral_source": "other",
                   "status": "active"}
MEMBER_FORM_FIELDS = ("name", "birth_year", "gender", "enrolment_date", "referral_source", "phone", "email",
                      "preferred_language", "stage")
CODED = ("gender", "preferred_language", "referral_source", "stage")


@dataclass
class MemberRow:
    row: int
    data: dict[str, Any]
    stage: str
    consent: tuple[str, dt.date] | None


def _member_row(
    row: int, get: Callable[[str], str], column: Callable[[str], str | None], today: dt.date
) -> tuple[MemberRow | None, list[Problem]]:
    problems: list[Problem] = []
    data: dict[str, Any] = dict(MEMBER_DEFAULTS)
    for key in MEMBER_FORM_FIELDS:
        value = get(key)
        if not value:
            continue
        try:
            if key in CODED:
                value = parse_choice(value, aliases.aliases(key), aliases.codes(key))
            elif key == "enrolment_date":
                value = parse_date(value).isoformat()
            elif key == "birth_year":
                value = str(parse_year(value))
        except CellError as exc:
            problems.append(exc.problem(row, column(key)))
            continue
        data[key] = value
    code = get("code")
    if not code:
        problems.append(Problem(row, column("code"), gettext_noop("the member code is empty")))
    elif not CODE.fullmatch(code):
        message = gettext_noop("%(value)r is not a member code: up to 20 letters, digits, '-' or '_'")
        problems.append(Problem(row, column("code"), message, {"value": code}))
    form = NewMemberForm(data)
    if not form.is_valid():
        for name, errors in form.errors.items():
            where = column(name)
            if where is None or not any(p.column == where for p in problems):
                problems.extend(Problem(row, where, str(e)) for e in errors)
    consent = None
    version, given = get("consent_version"), get("consent_date")
    if version or given:
        if not version:
            message = gettext_noop("a consent date needs the consent form's version")
            problems.append(Problem(row, column("consent_date"), message))
        elif len(version) > 40:
            message = gettext_noop("the version has more than 40 characters")
            problems.append(Problem(row, column("consent_version"), message))
        if not given:
            message = gettext_noop("the consent form's version needs its date")
            problems.append(Problem(row, column("consent_version"), message))
        else:
            try:
                given_on = parse_date(given)
            except CellError as exc:
                problems.append(exc.problem(row, column("consent_date")))
            else:
                if (broken := rules.past_date(given_on, today)) is not None:
                    problems.append(Problem(row, column("consent_date"), broken.cell_message,
                                            broken.cell_params(given)))
                elif version and len(version) <= 40:
                    consent = (version, given_on)
    if problems:
        return None, problems
    cleaned = {k: v for k, v in form.cleaned_data.items() if k != "stage" and (k in data or k == "status")}
    cleaned["code"] = code
    return MemberRow(row, cleaned, form.cleaned_data.get("stage", ""), consent), []


def check_members(membership: Membership, table: Table, mapping: Mapping[int, str]) -> Check:
    problems = required_problems(columns.MEMBERS, mapping)
    check = Check(problems, len(table.rows))
    if problems:
        return check
    by_key = {key: index for index, key in mapping.items() if key}
    # Codes are the same whatever their case (members.rules): the same code again is a member
    # already present, the code in another case is a problem.
    existing = {rules.member_code_key(code): code
                for code in Member.objects.for_org(membership.organization).values_list("code", flat=True)}
    today = timezone.localdate()
    seen: dict[str, int] = {}
    plan: list[MemberRow] = []

    def column(key: str) -> str | None:
        return table.header[by_key[key]] if key in by_key else None

    for row, cells in table.rows:
        def get(key: str, cells: list[str] = cells) -> str:
            return " ".join(cells[by_key[key]].split()) if key in by_key else ""

        code = get("code")
        key = rules.member_code_key(code)
        if key in seen:
            message = gettext_noop("member code %(value)r is also in row %(row)s: each member once per file")
            check.problems.append(Problem(row, column("code"), message, {"value": code, "row": seen[key]}))
            continue
        if code:
            seen[key] = row
        if existing.get(key) == code:
            check.n_present += 1
            continue
        if key in existing:
            taken = rules.CODE_TAKEN
            check.problems.append(Problem(row, column("code"), taken.cell_message,
                                          {"value": code, "existing": existing[key]}))
            continue
        parsed, found = _member_row(row, get, column, today)
        check.problems.extend(found)
        if parsed is not None:
            plan.append(parsed)
    check.n_new = len(plan)
    check.plan = plan
    check.sample_header = ["code", "name", "birth_year", "gender", "enrolment_date", "stage"]
    check.sample = [[str(m.data.get(k, m.stage if k == "stage" else "")) for k in check.sample_header]
                    for m in plan[:SAMPLE_ROWS]]
    return check


def write_members(membership: Membership, plan: list[MemberRow]) -> dict[str, int]:
    consents = 0
    for m in plan:
        member = member_actions.create_member.within(membership, m.data, stage=m.stage)
        if m.consent is not None:
            version, given_on = m.consent
            member_actions.record_consent.within(
                membership, member, kind=ConsentKind.SERVICE, version=version, given_on=given_on
            )
            consents += 1
    return {"members": len(plan), "consents": consents}


# --- questionnaire responses ------------------------------------------------------------


TWO_ANSWERS_IN_FILE = gettext_noop("two different answers for one administration: %(instrument)s of %(member)s on "
                                   "%(date)s is also in row %(row)s with other answers")
TWO_ANSWERS_IN_PEERPATH = gettext_noop("two different answers for one administration: %(instrument)s of %(member)s "
                                       "on %(date)s is already in Peerpath with other answers")


def _plan_responses(
    membership: Membership, groups: list[Responses], problems: list[Problem], member_column: str | None,
    check: Check,
) -> list[ResponsesPlan]:
    """Members by code (one query), duplicates against the database and within the file."""
    members = {
        rules.member_code_key(code): (pk, language, enrolled)
        for code, pk, language, enrolled in Member.objects.for_org(membership.organization).values_list(
            "code", "pk", "preferred_language", "enrolment_date"
        )
    }
    today = timezone.localdate()
    bad_rows = {p.row for p in problems}
    plans = []
    for group in groups:
        if not group.columns:  # no column holds its answers: a problem of the header, nothing to plan
            continue
        ids: list[int] = []
        languages: list[str] = []
        for r, code in enumerate(group.member_codes):
            found = members.get(rules.member_code_key(code))
            if found is None:
                message = gettext_noop("no member with code %(value)r in this organisation")
                problems.append(Problem(group.rows[r], member_column, message, {"value": code}))
                bad_rows.add(group.rows[r])
                ids.append(0)
                languages.append("")
                continue
            ids.append(found[0])
            languages.append(found[1])
            # The same rule as the paper form: not before the member's enrolment.
            broken = rules.answered_date(group.taken_on[r], found[2], today)
            if broken is not None:
                problems.append(Problem(group.rows[r], group.date_column, broken.cell_message,
                                        broken.cell_params(group.taken_on[r].isoformat())))
                bad_rows.add(group.rows[r])
        known = [i for i in ids if i]
        present = existing_keys(membership.organization_id, group.instrument, known)
        # One administration per member, questionnaire and day: where it is (None: in
        # Peerpath already, else the file's row), so that other answers are a problem.
        administered: dict[tuple[int, dt.date], int | None] = {(m, d): None for m, d, _ in present}
        keys = matrix_keys(group.answers)
        write: list[int] = []
        for r in range(len(group)):
            if group.rows[r] in bad_rows:
                continue
            key = (ids[r], group.taken_on[r], keys[r])
            if key in present:
                check.n_present += 1  # a second identical row in the file is present too
                continue
            day = (ids[r], group.taken_on[r])
            if day in administered:
                where = administered[day]
                params = {"instrument": group.instrument.id, "member": group.member_codes[r],
                          "date": group.taken_on[r].isoformat(), "row": where}
                message = (TWO_ANSWERS_IN_PEERPATH if where is None else TWO_ANSWERS_IN_FILE)
                problems.append(Problem(group.rows[r], group.date_column, message, params))
                bad_rows.add(group.rows[r])
                continue
            present.add(key)
            administered[day] = group.rows[r]
            write.append(r)
        plans.append(ResponsesPlan(group, ids, languages, write))
        check.n_new += len(write)
        if len(check.sample) < SAMPLE_ROWS:
            item_ids = [i.id for i in group.instrument.items]
            check.sample_header = ["member_code", "instrument", "taken_on", *item_ids]
            for r in write[: SAMPLE_ROWS - len(check.sample)]:
                cells = [group.member_codes[r], group.instrument.id, group.taken_on[r].isoformat()]
                check.sample.append(cells + ["" if v != v else f"{v:g}" for v in group.answers[r].tolist()])
    problems.sort(key=lambda p: p.row)
    return plans


def check_responses(
    membership: Membership, table: Table, mapping: Mapping[int, str], options: Mapping[str, Any]
) -> Check:
    problems = required_problems(columns.RESPONSES, mapping)
    if not options.get("instrument") and "instrument" not in mapping.values():
        message = gettext_noop("choose the questionnaire, or map a column to 'questionnaire'")
        problems.append(Problem(1, None, message))
    check = Check(problems, len(table.rows))
    if problems:
        return check
    flat = FlatOptions(options.get("instrument", ""), options.get("reason", "ad_hoc"), "staff")
    groups, found = read_responses(
        table, mapping, flat, instrument_for=member_instrument, modes=aliases.aliases("mode"),
        reasons=aliases.aliases("reason"), today=timezone.localdate(), instrument_ids=library().keys(),
    )
    check.problems.extend(found)
    member_index = next((i for i, k in mapping.items() if k == "member_code"), None)
    column = table.header[member_index] if member_index is not None else None
    check.plan = _plan_responses(membership, groups, check.problems, column, check)
    for group in groups:
        check.notes.append(_items_note(group))
    return check


def _items_note(group: Responses) -> Problem:
    read = ", ".join(f"{i} ← {c}" for i, c in group.columns.items())
    message = gettext_noop("%(instrument)s: the answers to its items are read from the columns %(columns)s")
    return Problem(1, None, message, {"instrument": group.instrument.id, "columns": read})


def record_options(options: Mapping[str, Any]) -> RecordOptions:
    return RecordOptions(
        form=options.get("form", ""), date_field=options.get("date_field", ""),
        member_field=options.get("member_field", ""), events=tuple(options.get("events", ())),
        skip_incomplete=bool(options.get("skip_incomplete", False)), reason=options.get("reason", "ad_hoc"),
    )


def check_redcap(membership: Membership, table: Table, options: Mapping[str, Any]) -> Check:
    instrument = member_instrument(options.get("instrument", ""))
    if instrument is None:
        message = gettext_noop("choose the questionnaire these records are answers to")
        return Check([Problem(1, None, message)], len(table.rows))
    if not options.get("form"):
        message = gettext_noop("choose the REDCap form (instrument) to import")
        return Check([Problem(1, None, message)], len(table.rows))
    result = read_records(table, instrument, record_options(options), today=timezone.localdate())
    check = Check(result.problems, len(table.rows), n_skipped=len(result.skipped_incomplete))
    if result.skipped_incomplete:
        rows = ", ".join(str(r) for r in result.skipped_incomplete[:50])
        more = "…" if len(result.skipped_incomplete) > 50 else ""
        message = gettext_noop("skipped as you chose: %(n)s forms marked Incomplete (rows %(rows)s)")
        check.notes.append(Problem(1, None, message, {"n": len(result.skipped_incomplete), "rows": rows + more}))
    check.notes.extend(result.notes)
    if result.without_answers:
        message = gettext_noop("%(n)s rows hold no answer to form %(form)r (other events or forms): not responses")
        check.notes.append(Problem(1, None, message, {"n": result.without_answers, "form": options["form"]}))
    if result.responses.columns:
        check.notes.append(_items_note(result.responses))
    member_field = options.get("member_field") or table.header[0]
    groups = [result.responses] if len(result.responses) else []
    check.plan = _plan_responses(membership, groups, check.problems, member_field, check)
    return check


def write_responses_plans(membership: Membership, plans: list[ResponsesPlan]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for plan in plans:
        for key, n in write_responses(membership, plan).items():
            totals[key] = totals.get(key, 0) + n
    return totals
