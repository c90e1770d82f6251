"""Scoped, policy-checked reads of questionnaire results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from django.db import connections, router
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.change import MissingNormsError, assess_change
from peerpath.measures.definitions import Instrument, Score
from peerpath.measures.due import (
    EVENT_WINDOW_DAYS,
    Due,
    Rule,
    Threshold,
    due_for_member,
    thresholds,
)
from peerpath.measures.events import events_of
from peerpath.measures.library import library
from peerpath.measures.models import (
    Administration,
    AdministrationStatus,
    LocalWording,
    Mode,
    PlanRule,
    ResultFlag,
    StoredScore,
)
from peerpath.measures.stats import programme_baseline_sd
from peerpath.members import precompiled, prepared_sql
from peerpath.members.models import Member, Stage, Status
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require


@dataclass
class Point:
    date: dt.date
    value: float | None
    band: str  # band label in the viewer's language ("" when none)
    flag: bool
    prorated: bool
    rci: float | None = None  # against the member's first result
    change: str | None = None  # improved / unchanged / deteriorated (reliable change)
    clinical: str | None = None  # recovered / improved / unchanged / deteriorated (J&T), when a cut-off exists


@dataclass
class ScoreSeries:
    score: Score
    points: list[Point] = field(default_factory=list)
    rci_basis: str = ""  # where the SD and reliability came from, or why no RCI


@dataclass
class InstrumentResults:
    instrument: Instrument
    series: list[ScoreSeries]
    # For an instrument whose result is a stage (STORI): per date, the stage score
    # ids with the highest value; several when tied (ties are shown, never broken).
    stages: list[tuple[dt.date, list[str]]] = field(default_factory=list)


def _with_change(series: ScoreSeries, organization_id: int, instrument: Instrument) -> None:
    score = series.score
    values = [p for p in series.points if p.value is not None]
    if len(values) < 2:
        return
    sd_override = None
    if score.norms is None or score.norms.sd is None:
        sd_override = programme_baseline_sd(organization_id, instrument.id, score.id)
    baseline = float(values[0].value or 0.0)
    later = [float(p.value or 0.0) for p in values[1:]]
    try:
        # Each later result against the first (the J&T pre/post comparison), so that
        # small steps that add up to a reliable change are shown too.
        assessment = assess_change(score, [baseline] * len(later), later, sd=sd_override)
    except MissingNormsError:
        series.rci_basis = "none"
        return
    series.rci_basis = "programme" if sd_override is not None else "norms"
    clinical = assessment.clinical if assessment.clinical is not None else [None] * len(later)
    for point, rci, cls, clin in zip(
        values[1:], assessment.reliable.rci, assessment.reliable.classification, clinical, strict=True
    ):
        point.rci = float(rci)
        point.change = str(cls) if cls is not None else None
        point.clinical = str(clin) if clin is not None else None


def results_of(member: Member, language: str) -> list[InstrumentResults]:
    """Every questionnaire the member completed, each score over time with reliable
    change against the first result. No access check: callers decide (staff through
    ``member_results``, the member themselves through the portal)."""
    rows = (
        StoredScore.objects.filter(organization_id=member.organization_id, member=member)
        .order_by("instrument_id", "taken_on", "administration_id")
    )
    grouped: dict[str, dict[str, list[StoredScore]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row.instrument_id][row.score_id].append(row)
    results = []
    for instrument_id, by_score in grouped.items():
        instrument = library().get(instrument_id)
        if instrument is None:
            continue
        series_list = []
        for score in instrument.scores:
            series = ScoreSeries(score=score)
            for row in by_score.get(score.id, []):
                band = score.bands[row.band_index].label.get(language) if row.band_index is not None else ""
                series.points.append(Point(row.taken_on, row.value, band, row.flag, row.prorated))
            _with_change(series, member.organization_id, instrument)
            series_list.append(series)
        results.append(InstrumentResults(instrument, series_list, _stages(instrument, series_list, language)))
    return results


def _stages(instrument: Instrument, series_list: list[ScoreSeries], language: str) -> list[tuple[dt.date, list[str]]]:
    if instrument.stage is None:
        return []
    by_score = {s.score.id: s for s in series_list if s.score.id in instrument.stage.scores}
    dates = sorted({p.date for s in by_score.values() for p in s.points})
    stages = []
    for day in dates:
        values = {sid: next((p.value for p in s.points if p.date == day), None) for sid, s in by_score.items()}
        if any(v is None for v in values.values()):
            continue
        top = max(v for v in values.values() if v is not None)
        stage_names = dict(Stage.choices)  # the recovery stages, as named elsewhere in Peerpath
        stages.append((day, [
            str(stage_names.get(sid, instrument.score(sid).label.get(language))) for sid, v in values.items() if v == top
        ]))
    return stages


def member_results(
    membership: Membership, member: Member, language: str, request: HttpRequest | None = None
) -> list[InstrumentResults]:
    """``results_of`` for staff: clinical capability required; audited as a read."""
    require(membership, Perm.MEASURE_VIEW)
    results = results_of(member, language)
    audit.record_by(
        membership, Event.MEASURE_VIEW, target=member, request=request,
        extra={"instruments": sorted(r.instrument.id for r in results)},
    )
    return results


def series_of(member: Member, instrument_id: str, score_id: str, language: str) -> tuple[Instrument, ScoreSeries]:
    """One score of one instrument over time (for the chart); no access check."""
    instrument = library().get(instrument_id)
    if instrument is None:
        raise Http404("No such questionnaire")
    try:
        score = instrument.score(score_id)
    except KeyError:
        raise Http404("No such score") from None
    series = ScoreSeries(score=score)
    rows = StoredScore.objects.filter(
        organization_id=member.organization_id, member=member, instrument_id=instrument_id, score_id=score_id
    ).order_by("taken_on", "administration_id")
    for row in rows:
        band = score.bands[row.band_index].label.get(language) if row.band_index is not None else ""
        series.points.append(Point(row.taken_on, row.value, band, row.flag, row.prorated))
    _with_change(series, member.organization_id, instrument)
    return instrument, series


def open_links(membership: Membership, member: Member) -> QuerySet[Administration]:
    require(membership, Perm.MEASURE_VIEW)
    return Administration.objects.for_org(membership.organization).filter(
        member=member, mode=Mode.LINK, link_expires_at__gt=timezone.now(),
        status__in=[AdministrationStatus.PENDING, AdministrationStatus.IN_PROGRESS],
    ).order_by("-created_at")


def open_flags(membership: Membership, member: Member | None = None) -> QuerySet[ResultFlag]:
    """Safety answers not yet followed up (of one member, or of the organisation)."""
    require(membership, Perm.MEASURE_VIEW)
    flags = ResultFlag.objects.for_org(membership.organization).filter(followed_up_at__isnull=True)
    if member is not None:
        flags = flags.filter(member=member)
    return flags.select_related("member", "administration").order_by("-raised_at")


def _active_members_flags(organization_id: int, limit: int) -> QuerySet[ResultFlag]:
    active = Member.objects.filter(organization_id=organization_id, status=Status.ACTIVE).values("pk")
    return (ResultFlag.objects.filter(organization_id=organization_id, followed_up_at__isnull=True, member__in=active)
            .select_related("member", "administration").order_by("-raised_at")[:limit])


def active_members_open_flags(membership: Membership, limit: int = 20) -> list[ResultFlag]:
    """The newest ``limit`` of ``open_flags`` of the organisation's active members (the
    coordinator's dashboard): SQL compiled once, prepared on PostgreSQL."""
    require(membership, Perm.MEASURE_VIEW)
    return precompiled.objects(
        ("measures.active_members_open_flags", limit), lambda organization_id: _active_members_flags(organization_id, limit),
        {"organization_id": membership.organization_id}, prepared=True)


def get_flag(membership: Membership, member: Member, pk: int) -> ResultFlag:
    require(membership, Perm.MEASURE_RECORD)
    try:
        return ResultFlag.objects.for_org(membership.organization).get(pk=pk, member=member)
    except ResultFlag.DoesNotExist:
        raise Http404("No such safety flag") from None


class Enrolled(Protocol):
    """What the due list reads of a member (a ``Member``, or a lighter row of one)."""

    @property
    def pk(self) -> int: ...

    @property
    def enrolment_date(self) -> dt.date: ...


M = TypeVar("M", bound=Enrolled)


def _plan_rules(organization_id: int) -> QuerySet[Any]:
    return PlanRule.objects.filter(organization_id=organization_id, active=True).values_list(
        "instrument_id", "trigger", "interval_days")


def _plan(organization_id: int) -> list[Rule]:
    """The organisation's active plan rules (SQL compiled once, prepared on PostgreSQL)."""
    return [Rule(*row) for row in precompiled.rows(("measures.plan",), _plan_rules,
                                                   {"organization_id": organization_id}, prepared=True)]


def due_of(organization_id: int, members: Sequence[M], today: dt.date) -> list[tuple[M, list[Due]]]:
    """Due and overdue questionnaires of the given members of one organisation, in
    two queries for any number of members (the plan, and each member's last
    completed dates), plus one per event source when the plan has event-triggered
    rules. No access check: see ``due_lists`` and the member portal. ``members``
    may be ``Member`` objects or anything with their ``pk`` and ``enrolment_date``;
    they are not read at all when the organisation has no active plan rule."""
    return _due(organization_id, _plan(organization_id), members, today)


def _due(organization_id: int, rules: list[Rule], members: Sequence[M], today: dt.date) -> list[tuple[M, list[Due]]]:
    if not rules or not members:
        return []
    last: dict[int, dict[str, dt.date]] = defaultdict(dict)
    rows = (
        Administration.objects.filter(organization_id=organization_id)
        .filter(member__in=[m.pk for m in members], status=AdministrationStatus.COMPLETED)
        .values("member_id", "instrument_id")
        .annotate(last=Max("taken_on"))
        .order_by()
    )
    for row in rows:
        last[row["member_id"]][row["instrument_id"]] = row["last"]
    return due_from(organization_id, rules, members, last, today)


def due_from(
    organization_id: int, rules: list[Rule], members: Sequence[M], last_completed: Mapping[int, Mapping[str, dt.date]],
    today: dt.date,
) -> list[tuple[M, list[Due]]]:
    """``due_of`` for members whose last completed dates (member id → instrument id →
    date) the caller has read already (the caseload reads them with its members):
    the events of event-triggered rules are read here (one query per event source)."""
    if not rules or not members:
        return []
    event_triggers = {r.trigger for r in rules if r.trigger in EVENT_WINDOW_DAYS}
    events = events_of(organization_id, [m.pk for m in members], event_triggers) if event_triggers else {}
    result = []
    for member in members:
        due = due_for_member(
            rules, enrolment_date=member.enrolment_date, last_completed=last_completed.get(member.pk, {}), today=today,
            events=events.get(member.pk),
        )
        if due:
            result.append((member, due))
    return result


def due_lists(membership: Membership, members: Sequence[M], today: dt.date) -> list[tuple[M, list[Due]]]:
    """``due_of`` for staff (clinical capability required)."""
    require(membership, Perm.MEASURE_VIEW)
    return due_of(membership.organization_id, members, today)


@dataclass
class DueMember:
    """A member of the organisation's due list, as the dashboard shows them."""

    pk: int
    code: str
    name: str
    enrolment_date: dt.date
    questionnaires_url: str = ""


@dataclass
class DuePage:
    """The first members (by code) of the organisation's due list, each with their
    due questionnaires (as ``due_of`` lists them); how many members are due in
    all, and how many of them overdue."""

    shown: list[tuple[DueMember, list[Due]]]
    total: int
    overdue: int


# The due list of every active member by the plan's interval rules (intake, every N
# days), read by the database: each active member's last completed date of each
# questionnaire of the plan (``LastCompleted``, once per member and questionnaire however
# many rules name it: on PostgreSQL they are MATERIALIZED apart from the rules, else the
# planner repeats them for each rule); with each rule, the members some rule
# lists (``measures.due.Threshold``: the rules as limits on each member's base date),
# how many and how many overdue; and of the first ``limit`` of them by code, their
# name and last completed dates, from which ``due_for_member`` makes their lists.
# ``{rules}`` is one ``(instrument, intake, due_by, overdue_before)`` row per rule
# (a plan has a few; the statement's shape depends only on how many); ``{last}`` the
# last completed dates (``_LAST``).
_DUE_SQL = """
WITH plan_rule (instrument_id, intake, due_by, overdue_before) AS (VALUES {rules}),
questionnaire AS (SELECT DISTINCT instrument_id FROM plan_rule),
last AS {last},
item AS (
    SELECT l.id, l.enrolment_date, l.instrument_id, l.last, r.intake, r.due_by, r.overdue_before
    FROM last l JOIN plan_rule r ON r.instrument_id = l.instrument_id
),
due AS (
    SELECT id, MAX(CASE WHEN base < overdue_before THEN 1 ELSE 0 END) AS overdue FROM (
        SELECT id, intake, last, due_by, overdue_before,
            CASE WHEN intake = 1 THEN enrolment_date ELSE COALESCE(last, enrolment_date) END AS base
        FROM item
    ) based
    WHERE (intake = 0 OR last IS NULL) AND base <= due_by
    GROUP BY id
),
shown AS (
    SELECT m.id, m.code, m.name, m.enrolment_date, COUNT(*) OVER () AS total, SUM(d.overdue) OVER () AS overdue
    FROM due d JOIN "members_member" m ON m.id = d.id
    ORDER BY m.code LIMIT %(limit)s
)
SELECT s.id, s.code, s.name, s.enrolment_date, s.total, s.overdue, l.instrument_id, l.last
FROM shown s JOIN last l ON l.id = s.id
ORDER BY s.code
"""


# The active status is written into the statement, not given as a parameter, as the
# project writes every status a statement filters on: the plan PostgreSQL keeps for a
# prepared statement (the generic plan) cannot use a partial index for "status = $1",
# nor estimate its rows from the status's own frequency (measures/tests/test_due_page_plan.py).
_STATUSES = {"active": Status.ACTIVE.value}
assert all(v.isidentifier() for v in _STATUSES.values())  # literals in SQL: no quoting needed

# Each active member's last completed date of each questionnaire of the plan, from the
# dates the database keeps (``LastCompleted``: one row per member and questionnaire,
# kept by triggers on the questionnaires) rather than a lookup of every member's latest
# questionnaire of each (1,104 lookups, some 5 ms, in an organisation of 400).
_LAST_SQL = """(
    SELECT m.id, m.enrolment_date, q.instrument_id, lc.taken_on AS last
    FROM "members_member" m CROSS JOIN questionnaire q
    LEFT JOIN "measures_lastcompleted" lc
        ON lc.organization_id = %(organization)s AND lc.member_id = m.id AND lc.instrument_id = q.instrument_id
    WHERE m.organization_id = %(organization)s AND m.status = '{active}'
)"""
_LAST = {"postgresql": "MATERIALIZED " + _LAST_SQL, "other": _LAST_SQL}


def due_page(membership: Membership, today: dt.date, limit: int = 30) -> DuePage:
    """The due list of every active member of the viewer's organisation (clinical
    capability required), its first ``limit`` members by code: by the database in
    two queries (the plan, then ``_DUE_SQL``) when the plan's rules are interval
    rules; when it has event-triggered rules, as ``due_of`` over every active member
    (their events are read per member by the apps that record them)."""
    require(membership, Perm.MEASURE_VIEW)
    organization_id = membership.organization_id
    rules = _plan(organization_id)
    if not rules:
        return DuePage([], 0, 0)
    if any(r.trigger in EVENT_WINDOW_DAYS for r in rules):
        return _due_page_in_python(organization_id, rules, today, limit)
    limits = thresholds(rules, today)
    if not limits:
        return DuePage([], 0, 0)
    connection = connections[router.db_for_read(Member)]
    name_field = Member._meta.get_field("name")
    rows = _due_rows(connection, organization_id, limits, limit)
    by_member: dict[int, tuple[DueMember, dict[str, dt.date]]] = {}
    for pk, code, name, enrolment_date, _total, _overdue, instrument_id, last in rows:
        if pk not in by_member:
            enrolled = cast(dt.date, prepared_sql.raw_date(enrolment_date))  # required of every member
            by_member[pk] = (DueMember(pk, code, name_field.from_db_value(name, None, connection) or "", enrolled), {})
        day = prepared_sql.raw_date(last)
        if day is not None:
            by_member[pk][1][instrument_id] = day
    shown = [(member, due_for_member(rules, enrolment_date=member.enrolment_date, last_completed=last,
                                     today=today)) for member, last in by_member.values()]
    return DuePage(shown, rows[0][4], rows[0][5]) if rows else DuePage([], 0, 0)


def _due_rows(connection: Any, organization_id: int, limits: list[Threshold], limit: int) -> list[tuple[Any, ...]]:
    postgresql = connection.vendor == "postgresql"
    values: dict[str, Any] = {"organization": organization_id, "limit": limit}
    rules = []
    for n, t in enumerate(limits):
        rules.append(f"(%(i{n})s, {1 if t.intake else 0}, %(d{n})s, %(o{n})s)")
        values.update({f"i{n}": t.instrument_id, f"d{n}": connection.ops.adapt_datefield_value(t.due_by),
                       f"o{n}": connection.ops.adapt_datefield_value(t.overdue_before)})
    with connection.cursor() as cursor:
        prepared_sql.execute(  # on PostgreSQL, planned once per connection (for each number of rules)
            cursor, _DUE_SQL.format(rules=", ".join(rules),
                                    last=_LAST["postgresql" if postgresql else "other"].format(**_STATUSES)),
            values)
        return cursor.fetchall()


def _due_page_in_python(organization_id: int, rules: list[Rule], today: dt.date, limit: int) -> DuePage:
    active = Member.objects.filter(organization_id=organization_id, status=Status.ACTIVE)
    everyone = [DueMember(pk, code, "", enrolment_date) for pk, code, enrolment_date
                in active.order_by("code").values_list("pk", "code", "enrolment_date")]
    due = _due(organization_id, rules, everyone, today)
    shown = due[:limit]
    if shown:
        names = dict(active.filter(pk__in=[m.pk for m, _ in shown]).values_list("pk", "name"))
        for member, _items in shown:
            member.name = names.get(member.pk, "")
    return DuePage(shown, len(due), sum(1 for _, items in due if any(d.overdue for d in items)))


def _wording_rows(organization_id: int, instrument_id: str) -> QuerySet[Any]:
    return LocalWording.objects.filter(organization_id=organization_id, instrument_id=instrument_id).values_list(
        "instrument_id", "item_id", "language", "text")


def local_wording(organization_id: int, instrument_id: str | None = None) -> dict[str, dict[tuple[str, str], str]]:
    """The organisation's own item wording: instrument id → (item id, language) → text.
    One instrument's is read on every question page of a self-report link: its SQL is
    compiled once (``members.precompiled``)."""
    rows: Iterable[tuple[Any, ...]]
    if instrument_id is None:
        rows = LocalWording.objects.filter(organization_id=organization_id).values_list(
            "instrument_id", "item_id", "language", "text")
    else:
        rows = precompiled.rows(("measures.local_wording",), _wording_rows,
                                {"organization_id": organization_id, "instrument_id": instrument_id})
    found: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for row in rows:
        found[row[0]][(row[1], row[2])] = row[3]
    return found
