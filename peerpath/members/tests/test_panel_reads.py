"""The member page's panels that read in one query (Peer groups, Work, Helper
pathway and Helping) render as the plain queries they replaced rendered them."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import MemberFactory


def _previous_groups_context(member, membership):
    """The Peer groups panel's context as its two plain queries gave it (before
    they became one), for comparing the rendered panels."""
    import datetime as dt

    from django.db.models import Q

    from peerpath.groups import permissions
    from peerpath.groups.member_page import PANEL_MONTHS
    from peerpath.groups.models import ATTENDED, EXPECTED, Attendance, RosterEntry
    from peerpath.groups.profile import rate

    since = timezone.localdate() - dt.timedelta(days=30 * PANEL_MONTHS)
    current = list(RosterEntry.objects.filter(organization_id=member.organization_id, member=member, left_on__isnull=True)
                   .filter(permissions.visible_q(membership, prefix="group__")).select_related("group")
                   .order_by("group__name"))
    seen = Attendance.objects.filter(organization_id=member.organization_id, member=member).filter(
        permissions.visible_q(membership, prefix="session__group__"))
    last_attended = seen.filter(status__in=ATTENDED).order_by("-session__date").values("pk")[:1]
    rows = list(seen.filter(Q(session__date__gte=since) | Q(pk__in=last_attended))
                .select_related("session__group").order_by("-session__date"))
    statuses = [a.status for a in rows if a.session.date >= since]
    last = next((a for a in rows if a.status in ATTENDED), None)
    if not current and last is None and not statuses:
        return None
    attended = sum(1 for s in statuses if s in ATTENDED)
    expected = sum(1 for s in statuses if s in EXPECTED)
    return {"current": current, "attended": attended, "expected": expected, "rate": rate(attended, expected),
            "last": last, "months": PANEL_MONTHS}


def test_the_peer_groups_panel_in_one_query_renders_as_the_two_queries_did(org_a):
    """Current groups (two, ordered by name; one left), attendance of every status
    in the last three months, a last session attended long ago, a group a peer
    leader does not facilitate, names to escape: the same HTML for each role and
    member as the panel's two previous queries gave, in one query."""
    import datetime as dt

    from django.template.loader import render_to_string

    from peerpath.groups.member_page import peer_groups_panel
    from peerpath.groups.models import Attendance, PeerGroup, RosterEntry, Session
    from peerpath.members.panels import Panel

    def days_ago(n):
        return timezone.localdate() - dt.timedelta(days=n)

    org, users = org_a.org, org_a.users
    led = PeerGroup.objects.create(organization=org, name="乙 <b>&\"團\"", kind="job_retention",
                                   peer_leader=users["peer_leader"], started_on=days_ago(500))
    other = PeerGroup.objects.create(organization=org, name="甲團體", kind="job_retention", started_on=days_ago(500))
    old = PeerGroup.objects.create(organization=org, name="丙團體", kind="job_retention",
                                   peer_leader=users["peer_leader"], started_on=days_ago(500))
    quiet = MemberFactory(organization=org, code="A0002")
    gone = MemberFactory(organization=org, code="A0003")
    for group in (led, other):
        RosterEntry.objects.create(organization=org, group=group, member=org_a.member, joined_on=days_ago(300))
    RosterEntry.objects.create(organization=org, group=old, member=org_a.member, joined_on=days_ago(400),
                               left_on=days_ago(200))
    RosterEntry.objects.create(organization=org, group=old, member=gone, joined_on=days_ago(400),
                               left_on=days_ago(200))
    for n, (group, status) in enumerate([(led, "present"), (other, "late"), (led, "absent"), (other, "excused"),
                                         (led, "present"), (other, "absent")]):
        session = Session.objects.create(organization=org, group=group, date=days_ago(3 + 7 * n),
                                         recorded_by=users["coordinator"])
        Attendance.objects.create(organization=org, session=session, member=org_a.member, status=status)
    for group, member, ago in ((old, gone, 250), (old, org_a.member, 260)):
        session = Session.objects.create(organization=org, group=group, date=days_ago(ago),
                                         recorded_by=users["coordinator"])
        Attendance.objects.create(organization=org, session=session, member=member, status="present")
    for role in ("coordinator", "peer_leader", "coordinator"):
        membership = org_a.staff[role]
        for member in (org_a.member, quiet, gone):
            with CaptureQueriesContext(connection) as queries:
                panel = peer_groups_panel(member, membership)
            expected = _previous_groups_context(member, membership)
            if expected is None:
                assert panel is None
                continue
            assert len(queries) == 1
            before = Panel(template=panel.template, title=panel.title, context=expected)
            html = render_to_string(panel.template, {"panel": panel, "member": member})
            assert html == render_to_string(panel.template, {"panel": before, "member": member})
            assert ("&lt;b&gt;&amp;&quot;團&quot;" in html) == (member == org_a.member)
    coordinator = peer_groups_panel(org_a.member, org_a.staff["coordinator"])
    assert sorted(e.group.name for e in coordinator.context["current"]) == sorted([led.name, other.name])
    assert (coordinator.context["attended"], coordinator.context["expected"]) == (3, 5)
    assert peer_groups_panel(gone, org_a.staff["coordinator"]).context["last"].session.date == days_ago(250)


def _previous_work_context(member, membership):
    """The Work panel's context as its two previous queries gave it (the jobs, and
    ``last_contacts``), for comparing the rendered panels."""
    from peerpath.employment.labels import status_label
    from peerpath.employment.models import Job, SupportTrack
    from peerpath.employment.selectors import last_contacts
    from peerpath.employment.status import EmploymentStatus, status_on, tenure_days

    today = timezone.localdate()
    rows = list(Job.objects.filter(organization_id=membership.organization_id, member_id=member.pk)
                .select_related("employer", "ending").order_by("-start_date", "-pk"))
    status = status_on([j.span() for j in rows], today)
    ended = [j for j in rows if j.end_date is not None and j.end_date <= today]
    last_ended = max(ended, key=lambda j: j.end_date or today, default=None)
    contacts = last_contacts(membership.organization_id, [member.pk], today).get(member.pk, {})
    return {
        "status": status, "status_label": status_label(status),
        "working": status is not EmploymentStatus.NOT_EMPLOYED,
        "current": [(j, tenure_days(j.span(), today)) for j in rows if j.span().holds_on(today)],
        "last_ended": last_ended if status is EmploymentStatus.NOT_EMPLOYED else None,
        "last_professional": contacts.get(SupportTrack.PROFESSIONAL.value),
        "last_peer": contacts.get(SupportTrack.PEER.value), "today": today,
    }


def test_the_work_panel_in_one_query_renders_as_the_two_queries_did(org_a, org_b):
    """Jobs current, ended (with and without an ending recorded), not competitive,
    starting later; contacts of both tracks, one dated after today; an employer's
    name to escape; members with nothing: the same HTML as the previous two
    queries gave, in one query, for each member of each organisation."""
    from django.template.loader import render_to_string

    from peerpath.employment.member_page import work_panel
    from peerpath.employment.models import Employer, Job
    from peerpath.employment.tests.conftest import make_contact, make_job
    from peerpath.members.panels import Panel

    pro = org_a.users["professional"]
    employer = Employer.objects.create(organization=org_a.org, name="<麵包> & \"店\"", created_by=pro)
    working = org_a.member
    make_job(working, pro, employer=employer, start=300, ended=200, reason="laid_off", title="倉儲<助理>")
    make_job(working, pro, employer=employer, start=30, title="廚房助手", hours="12.5")
    make_job(working, pro, employer=employer, start=10, competitive=False, title="清潔")
    make_job(working, pro, employer=employer, start=-5, title="下週開始")
    make_contact(working, pro, track="professional", ago=5)
    make_contact(working, pro, track="professional", ago=9)
    make_contact(working, pro, track="peer", ago=-3)
    make_contact(working, pro, track="peer", ago=20)
    left = MemberFactory(organization=org_a.org, code="A0002")
    make_job(left, pro, employer=employer, start=150, ended=60, reason="fired")
    make_job(left, pro, employer=employer, start=400, ended=300, reason="quit")
    unrecorded = make_job(left, pro, employer=employer, start=100, title="未記錄結束")
    Job.objects.filter(pk=unrecorded.pk).update(end_date=timezone.localdate() - timezone.timedelta(days=40))
    fired = MemberFactory(organization=org_a.org, code="A0004")
    make_job(fired, pro, employer=employer, start=150, ended=60, reason="fired")
    quiet = MemberFactory(organization=org_a.org, code="A0003")
    make_contact(quiet, pro, track="peer", ago=1)
    for _ in range(2):
        for tenant, member in ((org_a, working), (org_a, left), (org_a, fired), (org_a, quiet), (org_b, org_b.member),
                               (org_b, working)):
            membership = tenant.staff["coordinator"]
            with CaptureQueriesContext(connection) as queries:
                panel = work_panel(member, membership)
            assert len(queries) == 1
            before = Panel(template=panel.template, title=panel.title,
                           context=_previous_work_context(member, membership))
            context = {"member": member, "can": {"support_log": True}}
            html = render_to_string(panel.template, {**context, "panel": panel})
            assert html == render_to_string(panel.template, {**context, "panel": before})
            assert ("&lt;麵包&gt; &amp; &quot;店&quot;" in html) == (member == working and tenant == org_a)
    assert work_panel(left, org_a.staff["coordinator"]).context["last_ended"].title == "未記錄結束"
    assert work_panel(fired, org_a.staff["coordinator"]).context["last_ended"].ending.reason == "fired"


def test_the_pathway_panels_in_one_query_render_as_the_four_queries_did(org_a, org_b):
    """An open role after ended ones, training (same day twice, a module name to
    escape), criteria of several roles (with and without a module, inactive, the
    other organisation's), helping given and received, recent and old: the same
    HTML as role_history, completions_of, readiness_of and helping_summary gave,
    in one query, for members with and without rows."""
    import datetime as dt
    from decimal import Decimal

    from django.template.loader import render_to_string

    from peerpath.members.panels import Panel
    from peerpath.pathway import selectors
    from peerpath.pathway.member_page import helping_panel, pathway_panel, pathway_panels
    from peerpath.pathway.models import (
        HelperRole,
        HelperRoleKind,
        HelpingContact,
        ReadinessCriterion,
        TrainingCompletion,
        TrainingModule,
    )
    from peerpath.pathway.readiness import next_role

    def days_ago(n):
        return timezone.localdate() - dt.timedelta(days=n)

    org, staff = org_a.org, org_a.users["coordinator"]
    member, other, quiet = org_a.member, MemberFactory(organization=org, code="A0002"), \
        MemberFactory(organization=org, code="A0003")
    HelperRole.objects.create(organization=org, member=member, role="buddy", started_on=days_ago(300),
                              ended_on=days_ago(200), recorded_by=staff)
    HelperRole.objects.create(organization=org, member=member, role="group_leader", started_on=days_ago(199),
                              recorded_by=staff)
    HelperRole.objects.create(organization=org, member=other, role="buddy", started_on=days_ago(50),
                              ended_on=days_ago(10), recorded_by=staff)
    modules = [TrainingModule.objects.create(organization=org, name=name, hours=Decimal("2"))
               for name in ("<同儕> & \"支持\"", "乙模組", "甲模組")]
    for module, ago in zip(modules, (30, 30, 90), strict=True):
        TrainingCompletion.objects.create(organization=org, member=member, module=module, completed_on=days_ago(ago),
                                          recorded_by=staff)
    TrainingCompletion.objects.create(organization=org, member=other, module=modules[2], completed_on=days_ago(5),
                                      recorded_by=staff)
    for target, kind, extra in (("peer_specialist", "training_module", {"module": modules[0]}),
                                ("peer_specialist", "months_in_programme", {"threshold": 6}),
                                ("buddy", "training_module", {"module": modules[2]}),
                                ("buddy", "recovery_stage_at_least", {"stage": "preparation"}),
                                ("buddy", "months_in_programme", {"threshold": 60, "active": False})):
        ReadinessCriterion.objects.create(organization=org, target_role=target, kind=kind, created_by=staff, **extra)
    ReadinessCriterion.objects.create(organization=org_b.org, target_role="buddy", kind="months_in_programme",
                                      threshold=1, created_by=org_b.users["coordinator"])
    for helper, helped, minutes, ago in ((member, other, 30, 5), (other, member, 20, 200), (member, other, 15, 100),
                                         (other, member, 45, 1)):
        HelpingContact.objects.create(organization=org, helper=helper, helped=helped, kind="phone", minutes=minutes,
                                      date=days_ago(ago), logged_by=org_a.users["peer_leader"])

    def previous(member):
        history = selectors.role_history(member)
        current = selectors.current_role_of(history)
        completed = selectors.completions_of(member)
        return [
            {"current_label": HelperRoleKind(current).label,
             "since": next((r.started_on for r in history if r.ended_on is None), None),
             "readiness": selectors.readiness_of(member, current, completed),
             "final": next_role(current) is None, "completed": completed},
            {"summary": selectors.helping_summary(member), "recent_days": selectors.RECENT_DAYS},
        ]

    for _ in range(2):
        for tenant, who in ((org_a, member), (org_a, other), (org_a, quiet), (org_b, org_b.member)):
            membership = tenant.staff["coordinator"]
            with CaptureQueriesContext(connection) as queries:
                panels = pathway_panels(who, membership)
            assert len(queries) == 1
            for panel, context in zip(panels, previous(who), strict=True):
                before = Panel(template=panel.template, title=panel.title, context=context)
                page = {"member": who, "can": {"mentor_match": True, "helping_log": True}}
                html = render_to_string(panel.template, {**page, "panel": panel})
                assert html == render_to_string(panel.template, {**page, "panel": before})
    html = render_to_string("pathway/_panel_pathway.html", {"member": member, "panel": pathway_panel(
        member, org_a.staff["coordinator"])})
    assert "&lt;同儕&gt; &amp; &quot;支持&quot;" in html
    assert helping_panel(member, org_a.staff["coordinator"]).context["summary"] == selectors.helping_summary(member)
    assert pathway_panels(member, org_a.staff["researcher"]) == []


