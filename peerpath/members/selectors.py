"""Scoped reads of member data. Every read checks the policy; reads of a member's
record are written to the audit log."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.db.models.lookups import In, IStartsWith, PatternLookup
from django.http import Http404, HttpRequest

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members import precompiled
from peerpath.members.models import (
    CareRole,
    CareTeamAssignment,
    Consent,
    ConsentKind,
    Member,
    MemberSearchToken,
    StageChange,
    Status,
)
from peerpath.members.search import token_for_query
from peerpath.tenancy.models import Membership, TenantQuerySet, display_name
from peerpath.tenancy.policy import Perm, member_visible_fields, require


def _scoped(membership: Membership) -> QuerySet[Member]:
    return Member.objects.for_org(membership.organization)


def current_stage_subquery() -> Subquery:
    latest = StageChange.objects.filter(member=OuterRef("pk")).order_by("-changed_on", "-created_at")
    return Subquery(latest.values("stage")[:1])


def _current_professional() -> Subquery:
    """The current professional's name parts, as JSON (None: no professional)."""
    current = CareTeamAssignment.objects.filter(
        member=OuterRef("pk"), role=CareRole.PROFESSIONAL, ended_on__isnull=True
    ).order_by("-started_on", "-created_at")
    return Subquery(current.values(j=JSONObject(
        first=F("professional__first_name"), last=F("professional__last_name"), user=F("professional__username")))[:1])


def attach_professional_names(members: Sequence[Member]) -> None:
    """Set ``professional_name`` on a page of members from ``member_list`` (names
    formatted as everywhere else, see ``display_name``), from what the page's query
    read: no query of its own."""
    user_model = get_user_model()
    for m in members:
        found = _card(m, "professional")
        m.professional_name = display_name(user_model(  # type: ignore[attr-defined]
            first_name=found["first"] or "", last_name=found["last"] or "", username=found["user"])) if found else ""


class _InRows(In):
    """``column IN (subquery)``; on PostgreSQL ``column = ANY(ARRAY(subquery))``, whose
    subquery runs once before the scan (an InitPlan), so that an OR of it with an
    indexed condition can read both through indexes (a BitmapOr) where ``IN`` (a
    "hashed SubPlan" checked row by row) makes PostgreSQL read every member of the
    organisation."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


GAPS = ("no_professional", "no_mentor", "no_service_consent")


def has_current(role: str) -> Exists:
    return Exists(CareTeamAssignment.objects.filter(member=OuterRef("pk"), role=role, ended_on__isnull=True))


def service_consent_annotations() -> dict[str, Subquery]:
    latest = Consent.objects.filter(member=OuterRef("pk"), kind=ConsentKind.SERVICE).order_by(
        "-given_on", "-created_at"
    )
    return {
        "service_given": Subquery(latest.values("given_on")[:1]),
        "service_withdrawn": Subquery(latest.values("withdrawn_on")[:1]),
    }


NO_SERVICE_CONSENT = Q(service_given__isnull=True) | Q(service_withdrawn__isnull=False)


def filter_gap(qs: QuerySet[Member], gap: str) -> QuerySet[Member]:
    """Active members with a gap the dashboard counts (no professional, no peer
    mentor, no service consent in force)."""
    qs = qs.filter(status=Status.ACTIVE)
    if gap == "no_professional":
        return qs.filter(~has_current(CareRole.PROFESSIONAL))
    if gap == "no_mentor":
        return qs.filter(~has_current(CareRole.PEER_MENTOR))
    if gap == "no_service_consent":
        return qs.annotate(**service_consent_annotations()).filter(NO_SERVICE_CONSENT)
    raise ValueError(f"unknown gap {gap!r}")


def member_list(
    membership: Membership, query: str = "", status: str = "", gap: str = ""
) -> QuerySet[Member]:
    """Members of the acting organisation, filtered by a search query.

    The query matches a member code (prefix, case-insensitive) or a name through
    the blind index (full name, a word of it, or a Chinese given name, exactly).
    The queryset's count and its slices (a paginator's two reads) run SQL compiled
    once per shape (see ``MemberList``).
    """
    require(membership, Perm.MEMBER_LIST)
    query = query.strip()
    values: dict[str, Any] = {"organization": membership.organization_id}
    token = None
    if query:
        token = token_for_query(query, membership.organization_id)
        values["code_pattern"] = connections[router.db_for_read(Member)].ops.prep_for_like_query(query) + "%"
        if token is not None:
            values["token"] = token
    if status:
        values["status"] = status
    shape = ("members.member_list", bool(query), bool(query) and token is None, bool(status), gap)
    return MemberList(model=Member).as_shape(shape, gap, values)


def _member_list_rows(organization: int, code_pattern: str | None = None, token: str | None = None,
                      status: str | None = None, gap: str = "") -> QuerySet[Member]:
    """``member_list``'s queryset (``code_pattern``: the LIKE pattern of the query)."""
    qs: QuerySet[Member] = Member.objects.for_org(organization)
    if code_pattern is not None:
        by_name = MemberSearchToken.objects.for_org(organization).filter(token=token)
        qs = qs.filter(_IStartsWithPattern(F("code"), code_pattern) | _InRows(F("pk"), by_name.values("member_id")))
    if status is not None:
        qs = qs.filter(status=status)
    if gap:
        qs = filter_gap(qs, gap)
    return (
        qs.only("organization_id", "code", "name", "status", "enrolment_date")
        .annotate(current_stage=current_stage_subquery(), professional=_current_professional())
        .order_by("code")
    )


def _member_list_count(**values: Any) -> QuerySet[Any]:
    """How many members ``_member_list_rows`` gives, as a query of one row (none for
    none): grouped by the one organisation they all belong to."""
    return (_member_list_rows(**values).order_by().values("organization_id")
            .annotate(n=Count("*")).values_list("n"))


class _IStartsWithPattern(IStartsWith):
    """``istartswith`` given its LIKE pattern (the query escaped for LIKE, then %),
    so that the pattern is a parameter of its own (``precompiled``): the same SQL."""

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        return super(PatternLookup, self).process_rhs(compiler, connection)


class MemberList(TenantQuerySet):
    """``member_list``'s queryset. Its ``count()`` and its slices, asked before
    anything else, run SQL compiled once per shape (``precompiled``; building and
    compiling the queryset cost more than running it): the count, without a search,
    as a prepared statement on PostgreSQL (a search's code prefix is planned for its
    value: a LIKE pattern given later cannot use the index). Anything else (a filter,
    iterating) builds the queryset and works as any other."""

    _shape: tuple[Any, ...] | None = None  # set: the queryset is still to be built
    _gap = ""
    _values: dict[str, Any]

    def as_shape(self, shape: tuple[Any, ...], gap: str, values: dict[str, Any]) -> MemberList:
        self._shape, self._gap, self._values = shape, gap, values
        return self

    @property
    def query(self) -> Any:
        if self._shape is not None:
            self._shape = None
            self.query = _member_list_rows(gap=self._gap, **self._values).query
        return super().query

    @query.setter
    def query(self, value: Any) -> None:
        self._shape = None
        QuerySet.query.fset(self, value)  # type: ignore[attr-defined]

    @property
    def ordered(self) -> bool:
        return True if self._shape is not None else super().ordered

    def count(self) -> int:
        if self._shape is None or self._result_cache is not None:
            return super().count()
        prepared = not self._shape[1]  # no search
        found = precompiled.rows((*self._shape, "count"), partial(_member_list_count, gap=self._gap),
                                 self._values, self.db, prepared=prepared)
        return found[0][0] if found else 0

    def __getitem__(self, k: Any) -> Any:
        if (self._shape is None or self._result_cache is not None or not isinstance(k, slice) or k.step is not None
                or not isinstance(k.start, int) or not isinstance(k.stop, int) or not 0 <= k.start <= k.stop):
            return super().__getitem__(k)
        found = precompiled.sql((*self._shape, "rows"), partial(_member_list_rows, gap=self._gap),
                                self._values, self.db)
        if found is None:
            return super().__getitem__(k)
        if k.start == k.stop:
            return []
        sql, params = found
        return list(Member.objects.raw(f"{sql} LIMIT %s OFFSET %s", [*params, k.stop - k.start, k.start]))


def get_member(
    membership: Membership, code: str, request: HttpRequest | None = None, *, cards: bool = False
) -> Member:
    """One member of the acting organisation (404 for any other), audited as a read.
    ``cards``: with what the member page's consent and care-team cards show, read in
    the same query (see ``consent_cards`` and ``care_team_cards``)."""
    require(membership, Perm.MEMBER_VIEW)
    visible = member_visible_fields(membership)
    hidden = tuple(f for f in ("diagnosis", "clinical_notes", "national_id", "address", "emergency_contact")
                   if f not in visible)
    member = _read_member(membership, code, hidden, cards)
    if member is None:
        raise Http404("No member with that code")
    audit.record_by(
        membership,
        Event.MEMBER_VIEW,
        target=member,
        request=request,
    )
    return member


def _member_rows(organization: int, code: str, hidden: tuple[str, ...], cards: bool) -> QuerySet[Any]:
    rows = Member.objects.for_org(organization).defer(*hidden)
    if cards:
        rows = rows.annotate(**_card_columns())
    return rows.annotate(current_stage=current_stage_subquery()).filter(code=code)[:2]


def _read_member(membership: Membership, code: str, hidden: tuple[str, ...], cards: bool) -> Member | None:
    """The member of ``get_member``, or None. Its query (with the cards' seven
    subqueries) is compiled once per set of hidden fields: building and compiling
    it cost several times its run (``precompiled``); on PostgreSQL it is planned once
    per connection too (planning its subqueries took some 1 ms a view, running them
    0.15 ms)."""
    values: dict[str, Any] = {"organization": membership.organization_id, "code": code}
    rows = precompiled.objects(("members.get_member", hidden, cards), partial(_member_rows, hidden=hidden, cards=cards),
                               values, prepared=True)
    if len(rows) > 1:
        raise Member.MultipleObjectsReturned(f"two members coded {code!r}")
    if not rows:
        return None
    member = rows[0]
    member.organization = membership.organization  # the query filtered on it
    return member


def get_member_for_write(membership: Membership, code: str, perm: Perm) -> Member:
    """A member of the acting organisation (404 for any other), for a write (the action
    audits it) or for a page that audits its own read."""
    require(membership, perm)
    try:
        return _scoped(membership).get(code=code)
    except Member.DoesNotExist:
        raise Http404("No member with that code") from None


def _card_columns() -> dict[str, Subquery]:
    """The latest consent of each kind and the current assignment of each care-team
    role, each as a JSON subquery of the member query."""
    columns = {}
    for kind in ConsentKind:
        latest = Consent.objects.latest_per_member(kind.value).values(
            j=JSONObject(pk=F("pk"), version=F("version"), given_on=F("given_on"), withdrawn_on=F("withdrawn_on")))
        columns[f"card_consent_{kind.value}"] = Subquery(latest[:1])
    for role in CareRole:
        current = CareTeamAssignment.objects.filter(
            member=OuterRef("pk"), role=role.value, ended_on__isnull=True,
        ).order_by("-started_on", "-created_at").values(j=JSONObject(
            started_on=F("started_on"), first=F("professional__first_name"), last=F("professional__last_name"),
            user=F("professional__username"), mentor_code=F("mentor__code"), mentor_name=F("mentor__name")))
        columns[f"card_team_{role.value}"] = Subquery(current[:1])
    return columns


def _card(member: Member, name: str) -> dict[str, Any] | None:
    value = getattr(member, name, None)
    return json.loads(value) if isinstance(value, str) else value


def consent_cards(member: Member) -> dict[str, Consent | None]:
    """``consent_status`` of a member read with ``get_member(..., cards=True)``: the
    consent in force per kind (its id, version and date), without another query."""
    status: dict[str, Consent | None] = {}
    for kind in ConsentKind:
        found = _card(member, f"card_consent_{kind.value}")
        status[kind.value] = None if not found or found["withdrawn_on"] else Consent(
            pk=found["pk"], member=member, kind=kind.value, version=found["version"],
            given_on=dt.date.fromisoformat(str(found["given_on"])[:10]))
    return status


def care_team_cards(member: Member) -> list[CareTeamAssignment]:
    """``current_care_team`` of a member read with ``get_member(..., cards=True)``
    (role, who, since), without another query."""
    from peerpath.members.fields import cipher

    team = []
    for role in sorted(CareRole, key=lambda r: r.value):
        found = _card(member, f"card_team_{role.value}")
        if not found:
            continue
        a = CareTeamAssignment(member=member, role=role.value,
                               started_on=dt.date.fromisoformat(str(found["started_on"])[:10]))
        if found["user"]:
            a.professional = get_user_model()(first_name=found["first"] or "", last_name=found["last"] or "",
                                              username=found["user"])
        if found["mentor_code"]:
            a.mentor = Member(code=found["mentor_code"],
                              name=cipher().decrypt(found["mentor_name"]) if found["mentor_name"] else "")
        team.append(a)
    return team


def consents_of(member: Member) -> list[Consent]:
    return list(
        Consent.objects.for_org(member.organization)
        .filter(member=member)
        .select_related("recorded_by", "withdrawal_recorded_by")
        .order_by("-given_on", "-created_at")
    )


def consent_status(consents: list[Consent]) -> dict[str, Consent | None]:
    """The consent in force per kind: the latest of that kind, unless withdrawn."""
    status: dict[str, Consent | None] = {kind.value: None for kind in ConsentKind}
    seen: set[str] = set()
    for consent in consents:  # newest first
        if consent.kind in seen:
            continue
        seen.add(consent.kind)
        status[consent.kind] = consent if consent.in_force else None
    return status


def get_consent(membership: Membership, member: Member, consent_id: int) -> Consent:
    require(membership, Perm.CONSENT_RECORD)
    try:
        return Consent.objects.for_org(membership.organization).get(pk=consent_id, member=member)
    except Consent.DoesNotExist:
        raise Http404("No such consent") from None


def current_care_team(member: Member) -> list[CareTeamAssignment]:
    return list(
        CareTeamAssignment.objects.for_org(member.organization)
        .filter(member=member, ended_on__isnull=True)
        .select_related("professional", "mentor")
        .order_by("role", "-started_on")
    )


def research_consented(membership: Membership) -> QuerySet[Member]:
    """Members whose latest research consent is in force (for research views)."""
    require(membership, Perm.RESEARCH_DATA)
    return research_consent_in_force(_scoped(membership))


def research_consent_in_force(members: QuerySet[Member]) -> QuerySet[Member]:
    """``members`` whose latest research consent is in force (no access check: for
    ``research_consented`` and the reports' scope, which check it themselves)."""
    latest = Consent.objects.latest_per_member(ConsentKind.RESEARCH)
    return members.annotate(
        research_withdrawn=Subquery(latest.values("withdrawn_on")[:1]),
        research_given=Subquery(latest.values("given_on")[:1]),
    ).filter(research_given__isnull=False, research_withdrawn__isnull=True)
