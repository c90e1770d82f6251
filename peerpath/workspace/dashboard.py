"""The dashboard: where every staff role lands after signing in.

It composes every track for the viewer's role: urgent panels first (registered
by the domain apps in ``peerpath.workspace.urgent``), then alerts, the
facilitator's own groups (peer leaders), the organisation's figures, due
questionnaires and the professional's caseload; each part only for the roles
whose capabilities cover it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload
from urllib.parse import quote

from django.db import connections, router
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from peerpath.alerts.selectors import dashboard_alerts
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups.overview import my_groups
from peerpath.measures.library import library
from peerpath.measures.selectors import due_lists, open_flags
from peerpath.members import precompiled
from peerpath.members.models import (
    CareRole,
    Consent,
    ConsentKind,
    Member,
    Stage,
    Status,
)
from peerpath.members.selectors import current_stage_subquery, has_current, research_consented
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can
from peerpath.workspace.urgent import build_urgent


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _service_consent_in_force() -> Coalesce:
    """1 when the member's latest service consent is in force, else 0 (withdrawn,
    or none given): ``NO_SERVICE_CONSENT`` of the member list's gap filter in one
    subquery instead of two (``given_on`` is never empty)."""
    latest = Consent.objects.filter(member=OuterRef("pk"), kind=ConsentKind.SERVICE).order_by(
        "-given_on", "-created_at"
    )
    in_force = Case(When(withdrawn_on__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    return Coalesce(Subquery(latest.annotate(service_in_force=in_force).values("service_in_force")[:1]), Value(0))


def _figures_query(organization_id: int, quarter: dt.date) -> QuerySet[Any]:
    """Active members by current stage, with each stage's gaps."""
    return (
        Member.objects.for_org(organization_id)
        .filter(status=Status.ACTIVE)
        .annotate(
            stage=current_stage_subquery(),
            has_professional=has_current(CareRole.PROFESSIONAL),
            has_mentor=has_current(CareRole.PEER_MENTOR),
            service_in_force=_service_consent_in_force(),
        )
        .order_by()
        .values_list("stage")
        .annotate(
            n=Count("id"),
            no_professional=Count("id", filter=Q(has_professional=False)),
            no_mentor=Count("id", filter=Q(has_mentor=False)),
            no_service_consent=Count("id", filter=Q(service_in_force=0)),
            enrolled_this_quarter=Count("id", filter=Q(enrolment_date__gte=quarter)),
        )
    )


def _figures_rows(organization_id: int, quarter: dt.date) -> list[tuple[Any, ...]]:
    """The figures' rows. Building and compiling their query (four subqueries, five
    filtered counts) cost more than running it for 2,000 members: it is compiled
    once per database with stand-in values (``members.precompiled``)."""
    using = router.db_for_read(Member)
    values: dict[str, Any] = {"organization_id": organization_id, "quarter": quarter}
    compiled = precompiled.sql(("workspace.figures",), _figures_query, values, using=using)
    if compiled is None:
        return list(_figures_query(**values))
    with connections[using].cursor() as cursor:
        cursor.execute(*compiled)
        return list(cursor.fetchall())


def dashboard_figures(membership: Membership) -> dict[str, Any]:
    """Counts for the dashboard, in two queries: members by status, and active
    members by current stage with each stage's gaps (summed here), so that each
    active member's subqueries run once."""
    org = membership.organization
    today = timezone.localdate()
    by_status = dict(Member.objects.for_org(org).order_by().values_list("status").annotate(n=Count("id")))
    rows = _figures_rows(membership.organization_id, quarter_start(today))
    by_stage: dict[str | None, int] = {}
    gaps = dict.fromkeys(("no_professional", "no_mentor", "no_service_consent", "enrolled_this_quarter"), 0)
    for stage, n, *counts in rows:
        by_stage[stage] = n
        for key, count in zip(gaps, counts, strict=True):
            gaps[key] += count
    return {
        "today": today,
        "total": sum(by_status.values()),
        "active": by_status.get(Status.ACTIVE, 0),
        "by_status": [(label, by_status.get(value, 0)) for value, label in Status.choices],
        "by_stage": [(label, by_stage.get(value, 0)) for value, label in Stage.choices],
        "stage_not_assessed": by_stage.get(None, 0),
        **gaps,
    }


def caseload(membership: Membership) -> list[Member]:
    """Active members whose current professional is the acting user (at most 50),
    with what the dashboard shows of them: code, name (the one field decrypted),
    the enrolment date (for the due list) and the current stage's label."""
    members = list(
        Member.objects.for_org(membership.organization)
        .filter(
            status=Status.ACTIVE,
            care_team__role=CareRole.PROFESSIONAL,
            care_team__professional=membership.user,
            care_team__ended_on__isnull=True,
        )
        .only("organization_id", "code", "name", "enrolment_date")
        .annotate(current_stage=current_stage_subquery())
        .order_by("code")[:50]
    )
    labels = dict(Stage.choices)
    detail = _url_for_code("member_detail")
    for m in members:
        m.stage_label = labels.get(m.current_stage, "")
        m.url = detail(m.code)
    return members


def _url_for_code(name: str) -> Callable[[str], str]:
    """``reverse(name, kwargs={"code": code})`` for many codes from one ``reverse``
    (a page of 50 members called it 50 times)."""
    pattern = reverse(name, kwargs={"code": "__code__"})
    return lambda code: pattern.replace("__code__", quote(code, safe=""))


@dataclass
class ActiveMember:
    """An active member as the coordinator's due list needs them (every active
    member of the organisation: building a ``Member`` for each cost more than the
    rest of the page); the names of the 30 shown are read afterwards."""

    pk: int
    code: str
    enrolment_date: dt.date
    name: str = ""  # shown only if the member was gone when the names were read
    questionnaires_url: str = ""


class ActiveMembers(Sequence[ActiveMember]):
    """Every active member of the organisation, read (once) when first used: the
    due list reads its members only when the organisation has a measurement plan
    (``due_of``), so a dashboard without one does not read them all."""

    def __init__(self, active: QuerySet[Member]) -> None:
        self._active = active
        self._rows: list[ActiveMember] | None = None

    def _all(self) -> list[ActiveMember]:
        if self._rows is None:
            rows = self._active.order_by("code").values_list("pk", "code", "enrolment_date")
            self._rows = [ActiveMember(*row) for row in rows]
        return self._rows

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> ActiveMember: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[ActiveMember]: ...

    def __getitem__(self, index: int | slice) -> ActiveMember | Sequence[ActiveMember]:
        return self._all()[index]

    def __iter__(self) -> Iterator[ActiveMember]:
        return iter(self._all())


@staff_view(Perm.DASHBOARD_VIEW)
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    today = timezone.localdate()
    context: dict[str, Any] = {
        "today": today,
        "urgent": build_urgent(membership, None),
        "my_groups": my_groups(membership, today, request=request),
    }
    if can(membership, Perm.MEMBER_LIST):
        context["figures"] = dashboard_figures(membership)
        context["caseload"] = caseload(membership)
        if context["caseload"]:
            audit.record_by(
                membership, Event.MEMBER_LIST, request=request, extra={"page": "dashboard", "shown": len(context["caseload"])},
            )
    if can(membership, Perm.MEASURE_VIEW):
        # A professional sees their caseload; coordinators and admins, every active member.
        # Every active member of a large organisation is read without the encrypted
        # fields (the due list needs the code and enrolment date; decrypting each
        # name cost more than the rest of the page): the names of the 30 shown are
        # read afterwards, in one query.
        everyone = Member.objects.for_org(membership.organization).filter(status=Status.ACTIVE)
        people: Sequence[Member | ActiveMember]
        if context.get("caseload"):
            people = context["caseload"]
            flagged = open_flags(membership).filter(member__in=[m.pk for m in people])
        elif can(membership, Perm.MEASURE_PLAN):
            people = ActiveMembers(everyone)
            flagged = open_flags(membership).filter(member__in=everyone.values("pk"))
        else:
            people, flagged = [], open_flags(membership).none()
        due = due_lists(membership, people, timezone.localdate())
        shown = due[:30]
        named = (everyone.only("pk", "organization_id", "code", "name").in_bulk([m.pk for m, _ in shown])
                 if shown and not context.get("caseload") else {})
        context["due"] = [
            (named.get(m.pk, m), [(library()[d.instrument_id].short_name, d) for d in items
                                  if d.instrument_id in library()])
            for m, items in shown
        ]
        context["due_total"] = len(due)
        context["overdue_total"] = sum(1 for _, items in due if any(d.overdue for d in items))
        context["result_flags"] = list(flagged[:20])
        questionnaires = _url_for_code("member_questionnaires")  # set on each member the lists link to
        for m in [m for m, _ in context["due"]] + [f.member for f in context["result_flags"]]:
            m.questionnaires_url = questionnaires(m.code)
    if can(membership, Perm.ALERT_VIEW):
        # Open alerts the viewer may see, newest first (at most 10), and how many in all.
        context["alerts"], context["alerts_total"] = dashboard_alerts(membership)
        if context["alerts"]:
            audit.record_by(
                membership, Event.ALERT_VIEW, request=request,
                extra={"page": "dashboard", "shown": len(context["alerts"])},
            )
    if can(membership, Perm.RESEARCH_DATA):
        context["research_consented"] = research_consented(membership).count()
    return render(request, "workspace/dashboard.html", context)
