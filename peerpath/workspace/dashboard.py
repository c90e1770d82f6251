"""The dashboard: where every staff role lands after signing in.

It composes every track for the viewer's role: urgent panels first (registered
by the domain apps in ``peerpath.workspace.urgent``), then alerts, the
facilitator's own groups (peer leaders), the organisation's figures, due
questionnaires and the professional's caseload; each part only for the roles
whose capabilities cover it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from peerpath.alerts.selectors import dashboard_alerts
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.groups.overview import my_groups
from peerpath.measures.due import Due
from peerpath.measures.library import library
from peerpath.measures.selectors import (
    DueMember,
    active_members_open_flags,
    due_lists,
    due_page,
    open_flags,
)
from peerpath.members import precompiled
from peerpath.members.models import (
    CareRole,
    Member,
    Stage,
    Status,
)
from peerpath.members.selectors import current_stage_subquery, research_consented
from peerpath.members.state import counts
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can
from peerpath.workspace.dashboard_render import due_items, result_flag_items
from peerpath.workspace.urgent import build_urgent


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@dataclass
class _Counts:
    members: int = 0
    enrolled_since: int = 0  # since the quarter began
    service_consent: int = 0  # in force
    research_consent: int = 0
    professional: int = 0  # a current one
    mentor: int = 0


def _figures_counts(organization_id: int, quarter: dt.date) -> dict[tuple[str, str | None], _Counts]:
    """The organisation's members counted by status and current stage (None: none yet),
    from the counts of their states (``members.state.counts``: one row per state, kept
    by the database as members' stages, consents and care teams are recorded). Tests
    compare the figures with the application's definitions on tricky data."""
    found: dict[tuple[str, str | None], _Counts] = defaultdict(_Counts)
    for state in counts(organization_id):
        c = found[(state.status, state.stage)]
        c.members += state.n
        c.enrolled_since += state.n if state.enrolled_month >= quarter else 0
        c.service_consent += state.n if state.service_consent else 0
        c.research_consent += state.n if state.research_consent else 0
        c.professional += state.n if state.professional else 0
        c.mentor += state.n if state.mentor else 0
    return found


def dashboard_figures(membership: Membership) -> dict[str, Any]:
    """Counts for the dashboard, in one query (``_figures_counts``); the members with
    research consent in force among them, for those who may see it."""
    today = timezone.localdate()
    counts = _figures_counts(membership.organization_id, quarter_start(today))
    by_status: dict[str, int] = defaultdict(int)
    by_stage: dict[str, int] = defaultdict(int)
    active = _Counts()
    for (status, stage), n in counts.items():
        by_status[status] += n.members
        if status == Status.ACTIVE:
            if stage is not None:
                by_stage[stage] += n.members
            for name in ("members", "enrolled_since", "service_consent", "professional", "mentor"):
                setattr(active, name, getattr(active, name) + getattr(n, name))
    return {
        "today": today,
        "total": sum(by_status.values()),
        "active": active.members,
        "by_status": [(label, by_status.get(value, 0)) for value, label in Status.choices],
        "by_stage": [(label, by_stage.get(value, 0)) for value, label in Stage.choices],
        "stage_not_assessed": active.members - sum(by_stage.values()),
        "no_professional": active.members - active.professional,
        "no_mentor": active.members - active.mentor,
        "no_service_consent": active.members - active.service_consent,
        "enrolled_this_quarter": active.enrolled_since,
        "research_consented": sum(n.research_consent for n in counts.values()),
    }


def caseload(membership: Membership) -> list[Member]:
    """Active members whose current professional is the acting user (at most 50),
    with what the dashboard shows of them: code, name (the one field decrypted),
    the enrolment date (for the due list) and the current stage's label."""
    members: list[Any] = precompiled.objects(  # compiled once, planned once per connection
        ("workspace.dashboard_caseload",), _caseload,
        {"organization": membership.organization_id, "user": membership.user_id}, prepared=True)
    labels = dict(Stage.choices)
    detail = _url_for_code("member_detail")
    for m in members:
        m.stage_label = labels.get(m.current_stage, "")
        m.url = detail(m.code)
    return members


def _caseload(organization: int, user: int) -> QuerySet[Any]:
    return (
        Member.objects.for_org(organization)
        .filter(
            status=Status.ACTIVE,
            care_team__role=CareRole.PROFESSIONAL,
            care_team__professional=user,
            care_team__ended_on__isnull=True,
        )
        .only("organization_id", "code", "name", "enrolment_date")
        .annotate(current_stage=current_stage_subquery())
        .order_by("code")[:50]
    )


def _url_for_code(name: str) -> Callable[[str], str]:
    """``reverse(name, kwargs={"code": code})`` for many codes from one ``reverse``
    (a page of 50 members called it 50 times)."""
    pattern = reverse(name, kwargs={"code": "__code__"})
    return lambda code: pattern.replace("__code__", quote(code, safe=""))


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
    research_in_force = None  # read with the figures when the viewer sees both
    if can(membership, Perm.MEMBER_LIST):
        context["figures"] = dashboard_figures(membership)
        research_in_force = context["figures"].pop("research_consented")
        context["caseload"] = caseload(membership)
        if context["caseload"]:
            audit.record_by(
                membership, Event.MEMBER_LIST, request=request, extra={"page": "dashboard", "shown": len(context["caseload"])},
            )
    if can(membership, Perm.MEASURE_VIEW):
        # A professional sees their caseload's due list; coordinators and admins, that of
        # every active member, read by the database (``due_page``): only the 30 shown
        # come back, with the count of members due and of those overdue.
        shown: Sequence[tuple[Member | DueMember, list[Due]]]
        if context.get("caseload"):
            due = due_lists(membership, context["caseload"], today)
            shown, context["due_total"] = due[:30], len(due)
            context["overdue_total"] = sum(1 for _, items in due if any(d.overdue for d in items))
            flags = list(open_flags(membership).filter(member__in=[m.pk for m in context["caseload"]])[:20])
        elif can(membership, Perm.MEASURE_PLAN):
            page = due_page(membership, today, limit=30)
            shown, context["due_total"], context["overdue_total"] = page.shown, page.total, page.overdue
            flags = active_members_open_flags(membership, limit=20)
        else:
            shown, context["due_total"], context["overdue_total"] = [], 0, 0
            flags = []
        context["due"] = [
            (m, [(library()[d.instrument_id].short_name, d) for d in items if d.instrument_id in library()])
            for m, items in shown
        ]
        context["result_flags"] = flags
        questionnaires = _url_for_code("member_questionnaires")  # set on each member the lists link to
        for m in [m for m, _ in context["due"]] + [f.member for f in context["result_flags"]]:
            m.questionnaires_url = questionnaires(m.code)
        context["due_items"] = due_items(context["due"])  # written in Python (dashboard_render)
        context["result_flag_items"] = result_flag_items(flags)
    if can(membership, Perm.ALERT_VIEW):
        # Open alerts the viewer may see, newest first (at most 10), and how many in all.
        context["alerts"], context["alerts_total"] = dashboard_alerts(membership)
        if context["alerts"]:
            audit.record_by(
                membership, Event.ALERT_VIEW, request=request,
                extra={"page": "dashboard", "shown": len(context["alerts"])},
            )
    if can(membership, Perm.RESEARCH_DATA):
        context["research_consented"] = (research_consented(membership).count() if research_in_force is None
                                          else research_in_force)
    return render(request, "workspace/dashboard.html", context)
