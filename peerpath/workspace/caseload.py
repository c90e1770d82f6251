"""The caseload page: where a professional starts every morning.

One row per active member of the caseload: recovery stage, job status, days
since the last contact from either track, the next questionnaire due and the
open alerts. The page costs the same statements for 3 members or 300: the plan
rules; the members with their stage, latest contacts and latest completed
questionnaires (subqueries of one statement); their jobs (the caseload as a
subquery); their open alerts (``alerts.selectors``). The first three are compiled
once per shape and prepared on PostgreSQL (``members.precompiled``); the rows
are written in Python (``caseload_row``) and sorted once built. Urgent panels the domain apps register (``workspace.urgent``) come
first, asked about the members shown; rows they concern are marked. Each row's
actions open forms with ``next`` set to this page and the row's anchor, so that
saving comes back here, to the row, with the change in it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from peerpath.alerts.selectors import open_alerts_among
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.employment.models import Job, SupportContact, SupportTrack
from peerpath.employment.status import EmploymentFacts, Ended, JobSpan, facts_from
from peerpath.measures.due import Due, Rule
from peerpath.measures.models import Administration, AdministrationStatus, PlanRule
from peerpath.measures.selectors import due_from
from peerpath.members import precompiled, prepared_sql
from peerpath.members.fields import EncryptedTextField
from peerpath.members.models import STAGE_ORDER, CareRole, CareTeamAssignment, Member, Status
from peerpath.members.selectors import current_stage_subquery
from peerpath.pathway.models import HelpingContact
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership, Role, display_name
from peerpath.tenancy.policy import Perm, can
from peerpath.workspace.caseload_row import header_cells, render_rows, row_texts
from peerpath.workspace.urgent import build_urgent

SORTS = {
    "code": _("Member"),
    "stage": _("Recovery stage"),
    "job": _("Work"),
    "contact": _("Days since last contact"),
    "due": _("Next questionnaire"),
    "alerts": _("Open alerts"),
}
# Most urgent first where it matters: longest without contact, soonest due, most alerts.
DEFAULT_DESCENDING = {"contact", "alerts"}


@dataclass(slots=True)
class Row:
    member: CaseloadMember
    stage: str
    facts: EmploymentFacts | None
    last_contact: dt.date | None
    days_since_contact: int | None
    next_due: Due | None
    alerts: list[Any] = field(default_factory=list)

    @property
    def job_rank(self) -> int:
        if self.facts is None or not self.facts.employed:
            return 0
        return 2 if self.facts.competitive else 1


def _sort_key(sort: str) -> Any:
    far = dt.date.max
    keys = {
        "code": lambda r: r.member.code,
        "stage": lambda r: (STAGE_ORDER.get(r.stage, -1), r.member.code),
        "job": lambda r: (r.job_rank, r.member.code),
        # never contacted sorts as the longest wait
        "contact": lambda r: (r.days_since_contact if r.days_since_contact is not None else 10**6, r.member.code),
        "due": lambda r: (r.next_due.due_on if r.next_due else far, r.member.code),
        "alerts": lambda r: (len(r.alerts), r.member.code),
    }
    return keys[sort]


@dataclass(frozen=True, slots=True)
class CaseloadMember:
    """What the page shows of a member, and what the due list needs (``pk``, ``enrolment_date``)."""

    pk: int
    code: str
    name: str
    enrolment_date: dt.date


@dataclass(frozen=True, slots=True)
class _Facts:
    """One member as the caseload's members statement gives it."""

    member: CaseloadMember
    stage: str
    last_contact: dict[str, dt.date]  # track → latest support contact up to today
    helped: dt.date | None  # latest helping contact received
    completed: dict[str, dt.date]  # instrument → latest completed questionnaire (of the plan's instruments)


def caseload_members(membership: Membership, professional_id: int | None, today: dt.date,
                     instruments: tuple[str, ...] = ()) -> list[_Facts]:
    """Active members whose current professional is ``professional_id`` (all active
    members when ``None``), with their current stage, their latest support contact
    of each track up to ``today``, the latest helping contact they received and the
    date of their latest completed questionnaire of each of ``instruments``: one
    statement, compiled once per shape and prepared on PostgreSQL (``members.precompiled``)."""
    values: dict[str, Any] = {"organization": membership.organization_id, "today": today}
    if professional_id is not None:
        values["professional"] = professional_id
    key = ("workspace.caseload_members", professional_id is not None, instruments)
    name_field = Member._meta.get_field("name")
    assert isinstance(name_field, EncryptedTextField)
    decrypt, connection = name_field.from_db_value, connections["default"]
    helped_at = 5 + len(TRACKS)  # the row: pk, code, name, enrolled, stage, each track's, helped, each instrument's
    tracks, done_at = tuple(enumerate(TRACKS, 5)), tuple(enumerate(instruments, helped_at + 1))
    found = []
    build = partial(_caseload_query, instruments=instruments)
    dates = (3, *range(5, helped_at + 1 + len(instruments)))
    for row in _with_dates(precompiled.rows(key, build, values, prepared=True), dates):
        found.append(_Facts(
            CaseloadMember(row[0], row[1], decrypt(row[2], None, connection) or "", row[3]),
            row[4] or "",
            {track: row[i] for i, track in tracks if row[i] is not None},
            row[helped_at],
            {instrument: row[i] for i, instrument in done_at if row[i] is not None},
        ))
    return found


TRACKS = tuple(SupportTrack.values)


def _with_dates(rows: list[tuple[Any, ...]], columns: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """``rows`` with a date in each of ``columns`` that is not None: PostgreSQL gives
    dates, SQLite a subquery's date as text (converted here, once)."""
    if connections["default"].vendor == "postgresql":
        return rows
    return [tuple(prepared_sql.raw_date(v) if i in columns else v for i, v in enumerate(row)) for row in rows]


def _caseload(organization: int, professional: int | None) -> QuerySet[Member]:
    members = Member.objects.filter(organization_id=organization, status=Status.ACTIVE)
    if professional is None:
        return members
    return members.filter(pk__in=_assigned(professional))


def _assigned(professional: int) -> QuerySet[Any]:
    """The ids of the members whose current professional is ``professional`` (of any organisation and status)."""
    return CareTeamAssignment.objects.filter(
        role=CareRole.PROFESSIONAL, professional_id=professional, ended_on__isnull=True,
    ).values("member_id")


def _caseload_query(organization: int, today: dt.date, professional: int | None = None, *,
                    instruments: tuple[str, ...] = ()) -> QuerySet[Any]:
    def latest_contact(track: str) -> Subquery:
        contacts = SupportContact.objects.filter(
            organization_id=organization, member=OuterRef("pk"), track=track, contacted_on__lte=today,
        )
        return Subquery(contacts.order_by("-contacted_on").values("contacted_on")[:1])

    def latest_completed(instrument: str) -> Subquery:
        # As due_of reads them (the latest completed date of each instrument), one
        # index lookup per member and instrument rather than every completed row.
        done = Administration.objects.filter(
            organization_id=organization, member=OuterRef("pk"), instrument_id=instrument,
            status=AdministrationStatus.COMPLETED, taken_on__isnull=False,  # as MAX() skips them
        )
        return Subquery(done.order_by("-taken_on").values("taken_on")[:1])

    helping = HelpingContact.objects.filter(organization_id=organization, helped=OuterRef("pk"))
    # Only the fields the page shows or the due list needs: the name is the one
    # encrypted field decrypted (not the phone, address, diagnosis and the rest).
    return (
        _caseload(organization, professional)
        .annotate(
            current_stage=current_stage_subquery(),
            **{f"last_{track}": latest_contact(track) for track in TRACKS},
            last_helped=Subquery(helping.order_by("-date").values("date")[:1]),
            **{f"done_{n}": latest_completed(instrument) for n, instrument in enumerate(instruments)},
        )
        .order_by("code")
        .values_list("pk", "code", "name", "enrolment_date", "current_stage",
                     *(f"last_{track}" for track in TRACKS), "last_helped",
                     *(f"done_{n}" for n in range(len(instruments))))
    )


def _members(organization: int, professional: int | None = None) -> QuerySet[Any]:
    """The caseload as a subquery of member ids: everyone active, or the members a
    professional's current assignments name (of any status: the rows are the
    caseload's, so the others' are read and not used, sparing the members table)."""
    return _caseload(organization, None).values("pk") if professional is None else _assigned(professional)


def _jobs_query(organization: int, professional: int | None = None) -> QuerySet[Any]:
    # What employment_facts reads of them but the hours (the facts do not use them),
    # in no order (the facts do not depend on it), for the caseload given as a
    # subquery rather than a list of ids: a professional's, the members their
    # assignments name (the organisation's jobs only; jobs of a member who is not
    # active are read and not used, which spares the statement the members table).
    return Job.objects.filter(organization_id=organization, member_id__in=_members(organization, professional)
                              ).order_by().values_list(
        "member_id", "start_date", "end_date", "in_community", "open_to_anyone", "minimum_wage_or_more",
        "ending__ended_on", "ending__reason",
    )


def _employment(membership: Membership, professional_id: int | None, caseload: list[_Facts],
                today: dt.date) -> dict[int, EmploymentFacts]:
    """Each member's ``EmploymentFacts`` (as ``employment_facts`` gives them), from one
    prepared statement for the caseload's jobs and the contacts already read."""
    values: dict[str, Any] = {"organization": membership.organization_id}
    if professional_id is not None:
        values["professional"] = professional_id
    key = ("workspace.caseload_jobs", professional_id is not None)
    spans: dict[int, list[JobSpan]] = defaultdict(list)
    endings: dict[int, list[Ended]] = defaultdict(list)
    for member_id, start, end, community, anyone, wage, ended_on, reason in _with_dates(
            precompiled.rows(key, _jobs_query, values, prepared=True), (1, 2, 6)):
        spans[member_id].append(JobSpan(start, end, bool(community and anyone and wage)))
        if ended_on is not None:
            endings[member_id].append(Ended(ended_on, reason))
    return {f.member.pk: facts_from(spans.get(f.member.pk, ()), endings.get(f.member.pk, ()), f.last_contact, today)
            for f in caseload}


def _plan_query(organization: int) -> QuerySet[Any]:
    return PlanRule.objects.filter(organization_id=organization, active=True).order_by("pk").values_list(
        "instrument_id", "trigger", "interval_days")


def plan(membership: Membership) -> list[Rule]:
    """The organisation's active plan rules, for staff who may see questionnaires
    (none for the others: nothing of the questionnaires is then read)."""
    if not can(membership, Perm.MEASURE_VIEW):
        return []
    values = {"organization": membership.organization_id}
    return [Rule(*row) for row in precompiled.rows(("workspace.caseload_plan",), _plan_query, values, prepared=True)]


def _due(organization_id: int, rules: list[Rule], caseload: list[_Facts], today: dt.date) -> dict[int, list[Due]]:
    """Each member's due questionnaires, as ``measures.selectors.due_of`` gives them,
    from the latest completed dates the members statement read (one query per event
    source when the plan has event-triggered rules)."""
    members = [c.member for c in caseload]
    completed = {c.member.pk: c.completed for c in caseload}
    return {m.pk: items for m, items in due_from(organization_id, rules, members, completed, today)}


def caseload_rows(membership: Membership, professional_id: int | None, caseload: list[_Facts],
                  today: dt.date, rules: list[Rule]) -> list[Row]:
    """The caseload's rows, in a fixed number of queries for any number of members
    (``rules``: the plan as ``plan`` gives it, whose instruments ``caseload`` was read with)."""
    facts = _employment(membership, professional_id, caseload, today)
    due = _due(membership.organization_id, rules, caseload, today)
    alerts = open_alerts_among(membership, ("workspace.caseload", professional_id is not None), _members,
                               {} if professional_id is None else {"professional": professional_id})
    rows = []
    for c in caseload:
        m = c.member
        last = max(c.last_contact.values(), default=None)
        if c.helped is not None and (last is None or c.helped > last):
            last = c.helped
        due_items = due.get(m.pk)
        rows.append(Row(m, c.stage, facts[m.pk], last, None if last is None else (today - last).days,
                        due_items[0] if due_items else None, alerts.get(m.pk, [])))
    return rows


def _professionals(membership: Membership) -> list[tuple[int, str]]:
    users = get_user_model().objects.filter(
        memberships__organization=membership.organization,
        memberships__role=Role.PROFESSIONAL,
        memberships__is_active=True,
    ).order_by("last_name", "first_name")
    return [(u.pk, display_name(u)) for u in users]


@staff_view(Perm.CASELOAD_VIEW)
@require_http_methods(["GET"])
def caseload(request: HttpRequest) -> HttpResponse:
    """A professional's own caseload; coordinators and administrators choose whose
    (or everyone's)."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    choose = membership.role in (Role.ADMIN, Role.COORDINATOR)
    professionals = _professionals(membership) if choose else []
    professional_id: int | None = membership.user_id
    if choose:
        wanted = request.GET.get("professional", "")
        known = {pk for pk, _ in professionals}
        professional_id = int(wanted) if wanted.isdigit() and int(wanted) in known else None
    sort = request.GET.get("sort", "contact")
    if sort not in SORTS:
        sort = "contact"
    descending = request.GET.get("dir", "desc" if sort in DEFAULT_DESCENDING else "asc") == "desc"
    rules = plan(membership)
    members = caseload_members(membership, professional_id, today, tuple(sorted({r.instrument_id for r in rules})))
    rows = sorted(caseload_rows(membership, professional_id, members, today, rules), key=_sort_key(sort),
                  reverse=descending)
    back = request.get_full_path()
    urgent = build_urgent(membership, [f.member.pk for f in members])
    urgent_ids = frozenset().union(*(p.member_ids for p in urgent))
    audit.record_by(
        membership, Event.CASELOAD_VIEW, request=request,
        extra={"professional": professional_id, "shown": len(rows), "sort": sort},
    )
    headers = []
    for key, label in SORTS.items():
        flip = "asc" if (key == sort and descending) or (key != sort and key not in DEFAULT_DESCENDING) else "desc"
        params: dict[str, str] = {"sort": key, "dir": flip}
        if choose and professional_id:
            params = {"professional": str(professional_id), **params}
        query = urlencode(params)
        current = ("descending" if descending else "ascending") if key == sort else ""
        headers.append({"key": key, "label": label, "url": f"?{query}", "aria_sort": current})
    show_due = can(membership, Perm.MEASURE_VIEW)
    texts = row_texts(
        show_due=show_due, alert_handle=can(membership, Perm.ALERT_HANDLE), support_log=can(membership, Perm.SUPPORT_LOG),
        employment_record=can(membership, Perm.EMPLOYMENT_RECORD), employment_view=can(membership, Perm.EMPLOYMENT_VIEW),
        back=back,
    )
    context = {
        "urgent": urgent,
        "urgent_ids": urgent_ids,
        "header_html": header_cells(headers, show_due),
        "row_html": render_rows(rows, texts, urgent_ids),
        "back": back,
        "headers": headers,
        "rows": rows,
        "today": today,
        "sort": sort,
        "descending": descending,
        "sorts": SORTS,
        "choose": choose,
        "professionals": professionals,
        "professional_id": professional_id,
        "show_due": show_due,
    }
    return render(request, "workspace/caseload.html", context)
