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
from typing import Any
from urllib.parse import quote

from django.db import connections, router
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
from peerpath.measures.selectors import DueMember, due_lists, due_page, open_flags
from peerpath.members.models import (
    CareRole,
    ConsentKind,
    Member,
    Stage,
    Status,
)
from peerpath.members.selectors import current_stage_subquery, research_consented
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can
from peerpath.workspace.urgent import build_urgent


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# The dashboard's figures in one statement of independent parts, each a set-based
# read of one table joined to the organisation's members (a correlated subquery per
# active member cost 150-250 ms at 20,000 members): members by status (and of them,
# those enrolled since the quarter began); active members by current stage (their
# latest stage change, as ``current_stage_subquery``); active members with a current
# professional and with a current peer mentor (``has_current``); members, and active
# members, whose latest consent of each kind is in force (the service consent as
# ``service_consent_annotations`` without ``NO_SERVICE_CONSENT``, the research consent
# as ``research_consent_in_force``). The rest (no stage, no professional...) are differences
# from the active members. Tests compare the figures with those definitions' on
# tricky data.
#
# Both sides of each join are filtered by the organisation, so that PostgreSQL reads
# only its rows (through the indexes that lead with the organisation) whatever the
# size of the other organisations. A part's only other condition on the joined table
# is counted rather than filtered on (the current care team, the consent's kind):
# on tables without statistics (a bulk load not yet analysed), an estimate of one row
# for an indexed filter made PostgreSQL join the two sides by comparing every pair.
_FIGURES_SQL = """
SELECT 'status', status, COUNT(*), COUNT(CASE WHEN enrolment_date >= %(quarter)s THEN 1 END)
FROM "members_member" WHERE organization_id = %(organization)s GROUP BY status
UNION ALL
SELECT 'stage', stage, COUNT(*), NULL FROM (
    SELECT s.stage, ROW_NUMBER() OVER (
        PARTITION BY s.member_id ORDER BY s.changed_on DESC, s.created_at DESC) AS latest
    FROM "members_stagechange" s JOIN "members_member" m ON m.id = s.member_id
    WHERE s.organization_id = %(organization)s AND m.organization_id = %(organization)s AND m.status = %(active)s
) stages WHERE latest = 1 GROUP BY stage
UNION ALL
SELECT 'care_team', c.role, COUNT(DISTINCT CASE WHEN c.ended_on IS NULL THEN c.member_id END), NULL
FROM "members_careteamassignment" c JOIN "members_member" m ON m.id = c.member_id
WHERE c.organization_id = %(organization)s AND m.organization_id = %(organization)s AND m.status = %(active)s
GROUP BY c.role
UNION ALL
SELECT 'consent_in_force', kind, COUNT(*), COUNT(CASE WHEN status = %(active)s THEN 1 END)
FROM (
    SELECT c.kind, c.withdrawn_on, m.status, ROW_NUMBER() OVER (
        PARTITION BY c.member_id, c.kind ORDER BY c.given_on DESC, c.created_at DESC) AS latest
    FROM "members_consent" c JOIN "members_member" m ON m.id = c.member_id
    WHERE c.organization_id = %(organization)s AND m.organization_id = %(organization)s
) consents WHERE latest = 1 AND withdrawn_on IS NULL GROUP BY kind
"""


def _figures_counts(organization_id: int, quarter: dt.date) -> dict[str, dict[Any, tuple[int, int]]]:
    """The counts of ``_FIGURES_SQL`` by part, then by status, stage, role or kind:
    each a count and, for members by status and consents in force, the count of
    those enrolled since ``quarter`` and of those active."""
    connection = connections[router.db_for_read(Member)]
    values: dict[str, Any] = {"organization": organization_id, "active": Status.ACTIVE.value,
                             "quarter": connection.ops.adapt_datefield_value(quarter)}
    counts: dict[str, dict[Any, tuple[int, int]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES_SQL, values)
        for part, key, n, of_them in cursor.fetchall():
            counts[part][key] = (n, of_them or 0)
    return counts


def dashboard_figures(membership: Membership) -> dict[str, Any]:
    """Counts for the dashboard, in one query (``_FIGURES_SQL``); the members with
    research consent in force among them, for those who may see it."""
    today = timezone.localdate()
    counts = _figures_counts(membership.organization_id, quarter_start(today))
    by_status = {status: n for status, (n, _) in counts["status"].items()}
    by_stage = {stage: n for stage, (n, _) in counts["stage"].items()}
    care_team = {role: n for role, (n, _) in counts["care_team"].items()}
    consents = counts["consent_in_force"]
    active = by_status.get(Status.ACTIVE, 0)
    return {
        "today": today,
        "total": sum(by_status.values()),
        "active": active,
        "by_status": [(label, by_status.get(value, 0)) for value, label in Status.choices],
        "by_stage": [(label, by_stage.get(value, 0)) for value, label in Stage.choices],
        "stage_not_assessed": active - sum(by_stage.values()),
        "no_professional": active - care_team.get(CareRole.PROFESSIONAL, 0),
        "no_mentor": active - care_team.get(CareRole.PEER_MENTOR, 0),
        "no_service_consent": active - consents.get(ConsentKind.SERVICE, (0, 0))[1],
        "enrolled_this_quarter": counts["status"].get(Status.ACTIVE, (0, 0))[1],
        "research_consented": consents.get(ConsentKind.RESEARCH, (0, 0))[0],
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
        everyone = Member.objects.for_org(membership.organization).filter(status=Status.ACTIVE)
        shown: Sequence[tuple[Member | DueMember, list[Due]]]
        if context.get("caseload"):
            due = due_lists(membership, context["caseload"], today)
            shown, context["due_total"] = due[:30], len(due)
            context["overdue_total"] = sum(1 for _, items in due if any(d.overdue for d in items))
            flagged = open_flags(membership).filter(member__in=[m.pk for m in context["caseload"]])
        elif can(membership, Perm.MEASURE_PLAN):
            page = due_page(membership, today, limit=30)
            shown, context["due_total"], context["overdue_total"] = page.shown, page.total, page.overdue
            flagged = open_flags(membership).filter(member__in=everyone.values("pk"))
        else:
            shown, context["due_total"], context["overdue_total"] = [], 0, 0
            flagged = open_flags(membership).none()
        context["due"] = [
            (m, [(library()[d.instrument_id].short_name, d) for d in items if d.instrument_id in library()])
            for m, items in shown
        ]
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
        context["research_consented"] = (research_consented(membership).count() if research_in_force is None
                                          else research_in_force)
    return render(request, "workspace/dashboard.html", context)
