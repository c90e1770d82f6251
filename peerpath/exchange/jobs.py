"""Importing jobs (and how they ended) of the professional track.

Each row is checked with the employment app's own job form (``JobForm``) and, when it has
an end date, its ending form, so that an imported job obeys every rule a job typed in
does. It is written with the employment app's actions (``start_job``, ``end_job``,
``create_employer``) inside the import's single transaction. An employer is found by its
name (case and spaces aside) or added once, with the sector "other". A job is already
present when the member has a job with the same employer name, title and start date.
Disclosure at work defaults to "not disclosed" (the most careful choice) when no column
gives it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone

from peerpath.employment import actions as employment_actions
from peerpath.employment.forms import JobEndingForm, JobForm
from peerpath.employment.models import Disclosure, Employer, EndingReason, Job, Sector
from peerpath.exchange import columns
from peerpath.exchange.kinds import SAMPLE_ROWS, Check, required_problems
from peerpath.exchange.tabular import Problem, Table, gettext_noop
from peerpath.exchange.values import (
    CellError,
    choice_map,
    parse_boolean,
    parse_choice,
    parse_date,
    parse_number,
)
from peerpath.exchange.writer import chunks
from peerpath.members import rules
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership

BOOLEANS = ("in_community", "open_to_anyone", "minimum_wage_or_more")


def _within(action: Any) -> Callable[..., Any]:
    """An action's form that joins the caller's transaction (``durable_action.within``)."""
    within: Callable[..., Any] = action.within
    return within


def _choices(choices: Any, extra: Mapping[str, tuple[str, ...]] = {}) -> dict[str, str]:  # noqa: B006
    from django.utils import translation

    pairs = []
    for value, label in choices:
        names = []
        for language in ("en", "zh-hant"):
            with translation.override(language):
                names.append(str(label))
        pairs.append((value, [*names, *extra.get(value, ())]))
    return choice_map(pairs)


@dataclass
class JobRow:
    row: int
    member_id: int
    member: Member
    employer_name: str
    employer: Employer | None
    fields: dict[str, Any]
    ending: tuple[dt.date, str] | None


def _key(member_id: int, employer: str, title: str, start: dt.date) -> tuple[int, str, str, dt.date]:
    return member_id, " ".join(employer.split()).casefold(), " ".join(title.split()).casefold(), start


def check_jobs(membership: Membership, table: Table, mapping: Mapping[int, str]) -> Check:
    problems = required_problems(columns.JOBS, mapping)
    check = Check(problems, len(table.rows))
    if problems:
        return check
    org = membership.organization
    by_key = {key: index for index, key in mapping.items() if key}

    def column(key: str) -> str | None:
        return table.header[by_key[key]] if key in by_key else None

    # Codes are one code whatever their case (members.rules): "a0001" in a file is A0001.
    codes = {rules.member_code_key(cells[by_key["member_code"]]) for _, cells in table.rows}
    members: dict[str, Member] = {}
    for part in chunks(sorted(codes)):  # type: ignore[arg-type]
        matching = Member.objects.for_org(org).annotate(code_key=Lower("code")).filter(code_key__in=part)
        members.update((rules.member_code_key(m.code), m) for m in matching)
    employers = Employer.objects.for_org(org)
    by_name = {" ".join(e.name.split()).casefold(): e for e in employers}
    present = {
        _key(m, e, t, s) for m, e, t, s in Job.objects.for_org(org).filter(member__in=members.values())
        .values_list("member_id", "employer__name", "title", "start_date")
    }
    reasons = _choices(EndingReason.choices, {"quit": ("resigned", "辭職", "自願離職"), "fired": ("解僱",)})
    disclosures = _choices([c for c in Disclosure.choices if c[0] != Disclosure.UNDECIDED])
    today = timezone.localdate()
    plan: list[JobRow] = []
    for row, cells in table.rows:
        def get(key: str, cells: list[str] = cells) -> str:
            return " ".join(cells[by_key[key]].split()) if key in by_key else ""

        found: list[Problem] = []
        member = members.get(rules.member_code_key(get("member_code")))
        if member is None:
            message = gettext_noop("no member with code %(value)r in this organisation")
            found.append(Problem(row, column("member_code"), message, {"value": get("member_code")}))
        employer_name = get("employer")
        employer = by_name.get(employer_name.casefold())
        data: dict[str, Any] = {"title": get("title"), "disclosure": Disclosure.NONE}
        if employer is not None:
            data["employer"] = str(employer.pk)
        elif employer_name:
            data.update(new_employer_name=employer_name, new_employer_sector=Sector.OTHER)
        for key, form_key in (("start_date", "start_date"), ("hours_per_week", "hours_per_week"),
                              ("hourly_wage", "hourly_wage")):
            value = get(key)
            if not value:
                continue
            try:
                data[form_key] = parse_date(value).isoformat() if key == "start_date" else str(parse_number(value))
            except CellError as exc:
                found.append(exc.problem(row, column(key)))
        for key in BOOLEANS:
            try:
                data[key] = parse_boolean(get(key)) if get(key) else False
            except CellError as exc:
                found.append(exc.problem(row, column(key)))
        if get("disclosure"):
            try:
                data["disclosure"] = parse_choice(get("disclosure"), disclosures, sorted(set(disclosures.values())))
            except CellError as exc:
                found.append(exc.problem(row, column("disclosure")))
        fields: dict[str, Any] = {}
        if member is not None:
            form = JobForm(data, member=member, employers=employers)
            if form.is_valid():
                fields = form.job_fields()
            else:
                names = {"employer": "employer", "new_employer_name": "employer", "new_employer_sector": "employer"}
                for name, errors in form.errors.items():
                    where = column(names.get(name, name))
                    if not any(p.column == where and where for p in found):
                        found.extend(Problem(row, where, str(e)) for e in errors)
        ending = None
        end, reason = get("end_date"), get("ending_reason")
        if end or reason:
            ending, more = _ending(row, end, reason, fields.get("start_date"), reasons, column, today)
            found.extend(more)
        if found:
            check.problems.extend(found)
            continue
        assert member is not None
        job_key = _key(member.pk, employer_name, fields["title"], fields["start_date"])
        if job_key in present:
            check.n_present += 1
            continue
        present.add(job_key)
        plan.append(JobRow(row, member.pk, member, employer_name, employer, fields, ending))
    check.n_new = len(plan)
    check.plan = plan
    check.sample_header = ["member_code", "employer", "title", "start_date", "hours_per_week", "end_date"]
    check.sample = [[j.member.code, j.employer_name, j.fields["title"], j.fields["start_date"].isoformat(),
                     str(j.fields["hours_per_week"]), j.ending[0].isoformat() if j.ending else ""]
                    for j in plan[:SAMPLE_ROWS]]
    return check


def _ending(
    row: int, end: str, reason: str, start: dt.date | None, reasons: Mapping[str, str],
    column: Callable[[str], str | None], today: dt.date,
) -> tuple[tuple[dt.date, str] | None, list[Problem]]:
    """The job's ending (last day, reason), checked with the employment app's ending form."""
    found: list[Problem] = []
    if not end:
        found.append(Problem(row, column("ending_reason"), gettext_noop("an ending reason needs the end date")))
        return None, found
    if not reason:
        found.append(Problem(row, column("end_date"), gettext_noop("an end date needs the ending reason")))
        return None, found
    try:
        ended_on = parse_date(end)
        code = parse_choice(reason, reasons, sorted(set(reasons.values())))
    except CellError as exc:
        where = column("end_date") if "date" in exc.message else column("ending_reason")
        return None, [exc.problem(row, where)]
    if start is None:
        return None, found
    form = JobEndingForm({"ended_on": ended_on.isoformat(), "reason": code}, job=Job(start_date=start))
    if not form.is_valid():
        for name, errors in form.errors.items():
            where = column("end_date") if name == "ended_on" else column("ending_reason")
            found.extend(Problem(row, where, str(e)) for e in errors)
        return None, found
    return (ended_on, code), found


def write_jobs(membership: Membership, plan: list[JobRow]) -> dict[str, int]:
    """Start (and end) each planned job with the employment app's actions."""
    start_job, end_job = _within(employment_actions.start_job), _within(employment_actions.end_job)
    create_employer = _within(employment_actions.create_employer)
    added: dict[str, Employer] = {}
    endings = 0
    for job_row in plan:
        employer = job_row.employer
        if employer is None:
            name = job_row.employer_name.casefold()
            if name not in added:
                added[name] = create_employer(membership, name=job_row.employer_name, sector=Sector.OTHER)
            employer = added[name]
        job = start_job(membership, job_row.member, employer=employer, **job_row.fields)
        if job_row.ending is not None:
            ended_on, reason = job_row.ending
            end_job(membership, job, ended_on=ended_on, reason=reason)
            endings += 1
    return {"jobs": len(plan), "endings": endings, "employers": len(added)}
