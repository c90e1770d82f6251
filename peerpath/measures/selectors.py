"""Scoped, policy-checked reads of questionnaire results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.change import MissingNormsError, assess_change
from peerpath.measures.definitions import Instrument, Score
from peerpath.measures.due import EVENT_WINDOW_DAYS, Due, Rule, due_for_member
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
from peerpath.members import precompiled
from peerpath.members.models import Member, Stage
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


def due_of(organization_id: int, members: Sequence[M], today: dt.date) -> list[tuple[M, list[Due]]]:
    """Due and overdue questionnaires of the given members of one organisation, in
    two queries for any number of members (the plan, and each member's last
    completed dates), plus one per event source when the plan has event-triggered
    rules. No access check: see ``due_lists`` and the member portal. ``members``
    may be ``Member`` objects or anything with their ``pk`` and ``enrolment_date``
    (the dashboard passes light rows of every active member); they are not read
    at all when the organisation has no active plan rule."""
    rules = [
        Rule(r.instrument_id, r.trigger, r.interval_days)
        for r in PlanRule.objects.filter(organization_id=organization_id, active=True)
    ]
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
    event_triggers = {r.trigger for r in rules if r.trigger in EVENT_WINDOW_DAYS}
    events = events_of(organization_id, [m.pk for m in members], event_triggers) if event_triggers else {}
    result = []
    for member in members:
        due = due_for_member(
            rules, enrolment_date=member.enrolment_date, last_completed=last[member.pk], today=today,
            events=events.get(member.pk),
        )
        if due:
            result.append((member, due))
    return result


def due_lists(membership: Membership, members: Sequence[M], today: dt.date) -> list[tuple[M, list[Due]]]:
    """``due_of`` for staff (clinical capability required)."""
    require(membership, Perm.MEASURE_VIEW)
    return due_of(membership.organization_id, members, today)


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
