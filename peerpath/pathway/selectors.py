"""Scoped reads of the pathway: helper roles, training, readiness, helping contacts,
mentor suggestions and the helping network.

Functions taking a ``membership`` check the policy (and those reading a member's
record audit the read); functions taking an ``organization_id`` are for other
apps and pages that have already checked access, and cost a fixed number of
queries whatever the number of members.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest
from django.utils import timezone

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members import precompiled
from peerpath.members.models import CareRole, CareTeamAssignment, Member, Status
from peerpath.members.selectors import current_stage_subquery
from peerpath.pathway import matching, peers, readiness
from peerpath.pathway.describe import check_text
from peerpath.pathway.models import (
    INTERFACE_TO_SPOKEN,
    HelperRole,
    HelperRoleKind,
    HelpingContact,
    MenteePreferences,
    ReadinessCriterion,
    TrainingCompletion,
    TrainingModule,
)
from peerpath.pathway.network import DEFAULT_ISOLATION_DAYS, NetworkReport, network_for
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

RECENT_DAYS = 90

# -- for other apps (no access check; a fixed number of queries) ------------------


def helping_minutes(
    organization_id: int, member_ids: list[int], since: dt.date | None = None
) -> dict[int, tuple[int, int]]:
    """(minutes given, minutes received) per member, since a date if given (two queries)."""
    qs = HelpingContact.objects.filter(organization_id=organization_id)
    if since is not None:
        qs = qs.filter(date__gte=since)
    given = dict(
        qs.filter(helper_id__in=member_ids).values("helper_id").annotate(m=Sum("minutes"))
        .order_by().values_list("helper_id", "m")
    )
    received = dict(
        qs.filter(helped_id__in=member_ids).values("helped_id").annotate(m=Sum("minutes"))
        .order_by().values_list("helped_id", "m")
    )
    return {m: (int(given.get(m) or 0), int(received.get(m) or 0)) for m in member_ids}


def last_helping_received(organization_id: int, member_ids: list[int], until: dt.date | None = None
                          ) -> dict[int, dt.date]:
    """The date of the latest helping contact each member received (up to ``until``
    when given; members who never received one are left out; one query)."""
    contacts = HelpingContact.objects.filter(organization_id=organization_id, helped_id__in=member_ids)
    if until is not None:
        contacts = contacts.filter(date__lte=until)
    rows = (
        contacts
        .values("helped_id").annotate(last=Max("date")).order_by()
        .values_list("helped_id", "last")
    )
    return dict(rows)


# -- one member ------------------------------------------------------------------


def get_member_pathway(membership: Membership, code: str, request: HttpRequest | None = None) -> Member:
    """A member of the acting organisation for the pathway pages (404 otherwise),
    audited as a pathway read. Only the fields the pathway shows are loaded."""
    require(membership, Perm.PATHWAY_VIEW)
    try:
        member = (
            Member.objects.for_org(membership.organization)
            .only("organization_id", "code", "name", "enrolment_date", "status", "gender", "preferred_language")
            .annotate(current_stage=current_stage_subquery())
            .get(code=code)
        )
    except Member.DoesNotExist:
        raise Http404("No member with that code") from None
    audit.record_by(membership, Event.PATHWAY_VIEW, target=member, request=request)
    return member


def role_history(member: Member) -> list[HelperRole]:
    """The member's helper roles, newest first (the open one is the current role).
    Its query is compiled once (``members.precompiled``), as are the member page's
    other reads below."""
    return precompiled.objects(("pathway.role_history",), _role_rows,
                               {"organization": member.organization_id, "member": member.pk})


def _role_rows(organization: int, member: int) -> QuerySet[HelperRole]:
    return HelperRole.objects.for_org(organization).filter(member_id=member).select_related("recorded_by")


def current_role_of(history: list[HelperRole]) -> str:
    return next((r.role for r in history if r.ended_on is None), HelperRoleKind.PARTICIPANT.value)


def current_roles(organization_id: int, member_ids: list[int]) -> dict[int, str]:
    """Each member's current helper role (participant when none is open; one query)."""
    open_roles = dict(
        HelperRole.objects.filter(organization_id=organization_id, member_id__in=member_ids, ended_on__isnull=True)
        .values_list("member_id", "role")
    )
    return {m: open_roles.get(m, HelperRoleKind.PARTICIPANT.value) for m in member_ids}


def completions_of(member: Member) -> list[TrainingCompletion]:
    return precompiled.objects(("pathway.completions_of",), _completion_rows,
                               {"organization": member.organization_id, "member": member.pk})


def _completion_rows(organization: int, member: int) -> QuerySet[TrainingCompletion]:
    return TrainingCompletion.objects.for_org(organization).filter(member_id=member).select_related("module")


def to_criterion(c: ReadinessCriterion) -> readiness.Criterion:
    return readiness.Criterion(
        id=c.pk, kind=c.kind, threshold=c.threshold, module_id=c.module_id,
        module_name=c.module.name if c.module else "", role=c.role, stage=c.stage,
    )


def criteria_of(organization_id: int) -> dict[str, list[readiness.Criterion]]:
    """The organisation's active readiness criteria by target role (one query)."""
    by_role: dict[str, list[readiness.Criterion]] = {r: [] for r in readiness.ROLES}
    rows = precompiled.objects(("pathway.criteria_of",), _criterion_rows, {"organization": organization_id})
    for c in rows:
        by_role[c.target_role].append(to_criterion(c))
    return by_role


def _criterion_rows(organization: int) -> QuerySet[ReadinessCriterion]:
    return ReadinessCriterion.objects.filter(organization_id=organization, active=True).select_related("module")


@dataclass
class Readiness:
    target_role: str
    checks: list[readiness.Check]

    @property
    def ready(self) -> bool:
        return readiness.ready(self.checks)

    @property
    def label(self) -> str:
        return str(HelperRoleKind(self.target_role).label)

    @property
    def items(self) -> list[tuple[str, str, bool]]:
        """(what is asked, where the member stands, met) per criterion, translated."""
        return [(*check_text(c), c.met) for c in self.checks]


def readiness_of(
    member: Member, current: str, completed: list[TrainingCompletion], *, all_roles: bool = False
) -> list[Readiness]:
    """The checklists for the next role (or, with ``all_roles``, every later role)
    for which the organisation has criteria. Group attendance is read only when a
    criterion needs it."""
    return readiness_from(member, current, completed, criteria_of(member.organization_id), all_roles=all_roles)


def readiness_from(
    member: Member, current: str, completed: list[TrainingCompletion], criteria: dict[str, list[readiness.Criterion]],
    *, all_roles: bool = False,
) -> list[Readiness]:
    """``readiness_of`` with the organisation's criteria already read (``criteria_of``)."""
    start = readiness.ROLE_INDEX.get(current, 0) + 1
    targets = list(readiness.ROLES[start:] if all_roles else readiness.ROLES[start:start + 1])
    targets = [t for t in targets if criteria[t]]
    if not targets:
        return []
    needs_sessions = any(c.kind == readiness.SESSIONS for t in targets for c in criteria[t])
    attended = peers.sessions_attended(member.organization_id, [member.pk]).get(member.pk, 0) if needs_sessions else 0
    facts = readiness.MemberFacts(
        months_in_programme=readiness.months_between(member.enrolment_date, timezone.localdate()),
        sessions_attended=attended,
        modules_completed=frozenset(c.module_id for c in completed),
        current_role=current,
        stage=getattr(member, "current_stage", None),
    )
    return [Readiness(t, readiness.checklist(criteria[t], facts)) for t in targets]


@dataclass(frozen=True)
class HelpingSummary:
    given: int  # minutes, all time
    received: int
    given_recent: int  # minutes in the last RECENT_DAYS days
    received_recent: int
    contacts: int
    given_contacts: int = 0
    received_contacts: int = 0


def helping_summary(member: Member, today: dt.date | None = None, *, since: dt.date | None = None,
                    until: dt.date | None = None) -> HelpingSummary:
    """Minutes the member gave and received, all time (or from ``since`` to ``until``,
    both included, when given) and in the last 90 days up to ``today``; contacts
    given and received in the same range (one query)."""
    recent = (today or timezone.localdate()) - dt.timedelta(days=RECENT_DAYS - 1)
    if since is None and until is None:  # the member page and the portal: compiled once
        values = {"organization": member.organization_id, "member": member.pk, "recent": recent}
        found = precompiled.sql(("pathway.helping_summary",), _helping_totals, values)
        if found is not None:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(*found)
                names = [c[0] for c in cursor.description]
                totals = {n: v for n, v in zip(names, cursor.fetchone(), strict=True) if n in _TOTALS}
            return HelpingSummary(**{k: int(v or 0) for k, v in totals.items()})
    given, received = Q(helper=member), Q(helped=member)
    rows = HelpingContact.objects.for_org(member.organization).filter(given | received)
    if since is not None:
        rows = rows.filter(date__gte=since)
    if until is not None:
        rows = rows.filter(date__lte=until)
    totals = rows.aggregate(**_helping_aggregates(given, received, recent))
    return HelpingSummary(**{k: int(v or 0) for k, v in totals.items()})


def _helping_aggregates(given: Q, received: Q, recent: dt.date) -> dict[str, Any]:
    return dict(
        given=Sum("minutes", filter=given), received=Sum("minutes", filter=received),
        given_recent=Sum("minutes", filter=given & Q(date__gte=recent)),
        received_recent=Sum("minutes", filter=received & Q(date__gte=recent)),
        contacts=Count("pk"), given_contacts=Count("pk", filter=given), received_contacts=Count("pk", filter=received),
    )


_TOTALS = frozenset(HelpingSummary.__dataclass_fields__)


def _helping_totals(organization: int, member: int, recent: dt.date) -> QuerySet[Any]:
    """``helping_summary``'s totals as one row (grouped by a constant: by nothing)."""
    given, received = Q(helper_id=member), Q(helped_id=member)
    return (HelpingContact.objects.for_org(organization).filter(given | received).order_by()
            .values(one=Value(1)).annotate(**_helping_aggregates(given, received, recent)))


@dataclass(frozen=True)
class MemberPagePathway:
    """What the member page's pathway panels show, read in one query."""

    current: str  # the current helper role
    since: dt.date | None  # when the open role began (None: a participant with no role row)
    completed: list[TrainingCompletion]  # latest first, each with its module's name
    criteria: dict[str, list[readiness.Criterion]]  # the organisation's active criteria by target role
    summary: HelpingSummary


_OPEN_ROLE, _COMPLETION, _CRITERION, _HELPING = 0, 1, 2, 3  # the kind of a row of ``_member_page_rows``
_PAGE_COLUMNS = ("row_kind", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "t1", "t2", "t3", "t4", "t5", "d1", "at")
_HELPING_COLUMNS = ("given", "received", "given_recent", "received_recent", "contacts", "given_contacts",
                    "received_contacts")


def member_page_pathway(member: Member, today: dt.date | None = None) -> MemberPagePathway:
    """The open helper role, the training completed, the organisation's readiness
    criteria and the helping totals (as ``helping_summary``) of a member, for the
    member page's panels: one query, compiled once and run as a prepared statement
    (``precompiled``). The caller has checked ``Perm.PATHWAY_VIEW``."""
    recent = (today or timezone.localdate()) - dt.timedelta(days=RECENT_DAYS - 1)
    rows = precompiled.tuples(("pathway.member_page",), _member_page_rows,
                              {"organization": member.organization_id, "member": member.pk, "recent": recent},
                              prepared=True)
    current, since = HelperRoleKind.PARTICIPANT.value, None
    completions: list[tuple[Any, ...]] = []
    criteria: list[tuple[Any, ...]] = []
    summary = HelpingSummary(0, 0, 0, 0, 0)
    for row in rows:
        kind, ints, texts, day, at = row[0], row[1:8], row[8:13], row[13], row[14]
        if kind == _OPEN_ROLE:
            current, since = texts[0], day
        elif kind == _COMPLETION:
            completions.append((day, at, TrainingCompletion(
                module=TrainingModule(pk=ints[0], name=texts[0]), completed_on=day)))
        elif kind == _CRITERION:
            criteria.append((texts[4], at, ints[1], readiness.Criterion(
                id=ints[1], kind=texts[1], threshold=ints[2], module_id=ints[0], module_name=texts[0] or "",
                role=texts[2], stage=texts[3])))
        else:
            summary = HelpingSummary(*(int(v or 0) for v in ints))
    # Each kind in its model's order (dates, moments and ids sort in Python as in SQL).
    completions.sort(key=lambda c: (c[0], c[1]), reverse=True)
    criteria.sort(key=lambda c: (c[1], c[2]))
    by_role: dict[str, list[readiness.Criterion]] = {r: [] for r in readiness.ROLES}
    for target, _at, _pk, criterion in criteria:
        by_role[target].append(criterion)
    return MemberPagePathway(current=current, since=since, completed=[c[2] for c in completions],
                             criteria=by_role, summary=summary)


def _member_page_rows(organization: int, member: int, recent: dt.date) -> QuerySet[Any]:
    """``member_page_pathway``'s rows: (kind, seven integers, five texts, a date, a
    moment), unordered."""
    def columns(**given: Any) -> dict[str, Any]:
        # Typed NULLs: PostgreSQL types a UNION's column from its first branches.
        blank = {name: Cast(Value(None), BigIntegerField()) for name in _PAGE_COLUMNS[1:8]}
        blank |= {name: Cast(Value(None), CharField()) for name in _PAGE_COLUMNS[8:13]}
        blank |= {"d1": Cast(Value(None), DateField()), "at": Cast(Value(None), DateTimeField())}
        return blank | given

    open_role = (HelperRole.objects.for_org(organization).filter(member_id=member, ended_on__isnull=True).order_by()
                 .annotate(**columns(row_kind=Value(_OPEN_ROLE), t1=F("role"), d1=F("started_on"), at=F("created_at"))))
    completions = (TrainingCompletion.objects.for_org(organization).filter(member_id=member).order_by()
                   .annotate(**columns(row_kind=Value(_COMPLETION), i1=F("module_id"), t1=F("module__name"),
                                       d1=F("completed_on"), at=F("created_at"))))
    criteria = (ReadinessCriterion.objects.filter(organization_id=organization, active=True).order_by()
                .annotate(**columns(row_kind=Value(_CRITERION), i1=F("module_id"), i2=F("pk"), i3=F("threshold"),
                                    t1=F("module__name"), t2=F("kind"), t3=F("role"), t4=F("stage"),
                                    t5=F("target_role"), at=F("created_at"))))
    given, received = Q(helper_id=member), Q(helped_id=member)
    totals = _helping_aggregates(given, received, recent)
    helping = (HelpingContact.objects.for_org(organization).filter(given | received).order_by()
               .values(row_kind=Value(_HELPING))
               .annotate(**columns(**{f"i{n}": totals[name] for n, name in enumerate(_HELPING_COLUMNS, 1)})))
    first, *others = (q.values_list(*_PAGE_COLUMNS) for q in (open_role, completions, criteria, helping))
    return first.union(*others, all=True)


def contacts_of(member: Member, limit: int = 30) -> list[HelpingContact]:
    """The member's latest helping contacts, given and received."""
    return list(
        HelpingContact.objects.for_org(member.organization)
        .filter(Q(helper=member) | Q(helped=member))
        .select_related("helper", "helped", "logged_by", "logged_by_member")
        .only("date", "kind", "minutes", "note", "created_at", "helper__code", "helped__code",
              "logged_by__first_name", "logged_by__last_name", "logged_by__username", "logged_by_member__code")
        [:limit]
    )


def helping_list(membership: Membership, kind: str = "") -> QuerySet[HelpingContact]:
    """The organisation's helping contacts, newest first (no notes)."""
    require(membership, Perm.PATHWAY_VIEW)
    qs = HelpingContact.objects.for_org(membership.organization)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("helper", "helped", "logged_by", "logged_by_member").only(
        "date", "kind", "minutes", "created_at", "helper__code", "helped__code",
        "logged_by__first_name", "logged_by__last_name", "logged_by__username", "logged_by_member__code",
    )


def modules_of(organization_id: int, *, active_only: bool = True) -> QuerySet[TrainingModule]:
    qs = TrainingModule.objects.filter(organization_id=organization_id)
    return qs.filter(active=True) if active_only else qs


# -- mentor matching -------------------------------------------------------------


def _spoken(member: Member, chosen: list[str] | None) -> tuple[str, ...]:
    if chosen:
        return tuple(chosen)
    spoken = INTERFACE_TO_SPOKEN.get(member.preferred_language)
    return (spoken,) if spoken else ()


def mentor_suggestions(membership: Membership, mentee: Member) -> tuple[list[matching.Suggestion], dict[int, Member]]:
    """Ranked mentor suggestions for ``mentee``, and the candidates by id. The
    candidates are the organisation's active members who offered to mentor."""
    require(membership, Perm.MENTOR_MATCH)
    org = membership.organization
    if mentee.organization_id != org.pk:
        raise Http404("No member with that code")
    candidates = {
        m.pk: m
        for m in Member.objects.for_org(org)
        .filter(status=Status.ACTIVE, mentor_preferences__isnull=False)
        .select_related("mentor_preferences")
        .only("organization_id", "code", "name", "gender", "preferred_language", "enrolment_date",
              "mentor_preferences__available", "mentor_preferences__max_mentees",
              "mentor_preferences__languages", "mentor_preferences__member_id")
        .annotate(current_stage=current_stage_subquery())
        .order_by("code")
    }
    current = CareTeamAssignment.objects.for_org(org).filter(role=CareRole.PEER_MENTOR, ended_on__isnull=True)
    load = dict(current.values("mentor_id").annotate(n=Count("pk")).order_by().values_list("mentor_id", "n"))
    current_mentor = current.filter(member=mentee).values_list("mentor_id", flat=True).first()
    sectors = peers.sectors_of(org.pk, [mentee.pk, *candidates])
    prefs = MenteePreferences.objects.for_org(org).filter(member=mentee).first()
    mentee_facts = matching.MenteeFacts(
        member_id=mentee.pk, code=mentee.code, stage=getattr(mentee, "current_stage", None),
        sectors=sectors.get(mentee.pk, frozenset()),
        languages=_spoken(mentee, prefs.languages if prefs else None),
        gender_preference=prefs.gender if prefs else "",
        gender_required=bool(prefs and prefs.gender_required),
        current_mentor_id=current_mentor,
    )
    facts = [
        matching.MentorFacts(
            member_id=m.pk, code=m.code, stage=getattr(m, "current_stage", None), gender=m.gender,
            available=m.mentor_preferences.available, max_mentees=m.mentor_preferences.max_mentees,
            current_mentees=load.get(m.pk, 0), sectors=sectors.get(m.pk, frozenset()),
            languages=_spoken(m, m.mentor_preferences.languages),
        )
        for m in candidates.values()
    ]
    return matching.rank_mentors(mentee_facts, facts), candidates


# -- the helping network ---------------------------------------------------------


def network_report(
    membership: Membership, start: dt.date, end: dt.date, days: int = DEFAULT_ISOLATION_DAYS,
    request: HttpRequest | None = None,
) -> NetworkReport:
    """The organisation's helping network in a period, audited as a network view."""
    require(membership, Perm.NETWORK_VIEW)
    report = network_for(membership.organization_id, start, end, timezone.localdate(), days)
    audit.record_by(
        membership, Event.NETWORK_VIEW, request=request,
        extra={"start": start.isoformat(), "end": end.isoformat(), "days": days},
    )
    return report
