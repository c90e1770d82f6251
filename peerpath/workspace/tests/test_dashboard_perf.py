"""The dashboard's figures, read in one set-based query, count what the member
rules define (``current_stage_subquery``, ``has_current``, the service consent
in force), on data where getting them wrong would show."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from peerpath.members.models import CareRole, Member, Stage, StageChange, Status
from peerpath.members.selectors import (
    NO_SERVICE_CONSENT,
    current_stage_subquery,
    has_current,
    research_consent_in_force,
    service_consent_annotations,
)
from peerpath.workspace.dashboard import dashboard_figures, quarter_start

pytestmark = pytest.mark.django_db


def figures_by_the_rules(organization, quarter: dt.date) -> dict[str, object]:
    """The figures as the rules define them, member by member (the dashboard's
    query before it was set-based)."""
    by_status = dict(Member.objects.for_org(organization).values_list("status").annotate(n=Count("id")).order_by())
    active = Member.objects.for_org(organization).filter(status=Status.ACTIVE)
    rows = list(active.annotate(
        stage=current_stage_subquery(),
        has_professional=has_current(CareRole.PROFESSIONAL),
        has_mentor=has_current(CareRole.PEER_MENTOR),
    ).values_list("stage", "has_professional", "has_mentor"))
    by_stage = Counter(stage for stage, _, _ in rows)
    return {
        "total": sum(by_status.values()),
        "active": by_status.get(Status.ACTIVE, 0),
        "by_status": [(label, by_status.get(value, 0)) for value, label in Status.choices],
        "by_stage": [(label, by_stage.get(value, 0)) for value, label in Stage.choices],
        "stage_not_assessed": by_stage.get(None, 0),
        "no_professional": sum(1 for _, pro, _ in rows if not pro),
        "no_mentor": sum(1 for _, _, mentor in rows if not mentor),
        "no_service_consent": active.annotate(**service_consent_annotations()).filter(NO_SERVICE_CONSENT).count(),
        "enrolled_this_quarter": active.filter(enrolment_date__gte=quarter).count(),
        "research_consented": research_consent_in_force(Member.objects.for_org(organization)).count(),
    }


def _figures(tenant) -> dict[str, object]:
    figures = dashboard_figures(tenant.staff["coordinator"])
    del figures["today"]
    return figures


def _tricky(tenant, prefix: str) -> dict[str, Member]:
    """Members whose figures depend on every detail of the rules."""
    from tests.factories import CareTeamFactory, ConsentFactory, MemberFactory, StageChangeFactory

    by = tenant.users["coordinator"]
    day = dt.date(2026, 1, 5)
    later = day + dt.timedelta(days=30)
    quarter = quarter_start(timezone.localdate())
    m = {name: MemberFactory(organization=tenant.org, code=f"{prefix}{n:03d}")
         for n, name in enumerate(("tie", "dated", "bare", "closed", "mentored", "mentor", "new", "old"))}
    Member.objects.filter(pk=m["new"].pk).update(enrolment_date=quarter)
    Member.objects.filter(pk=m["old"].pk).update(enrolment_date=quarter - dt.timedelta(days=1))
    Member.objects.filter(pk=m["closed"].pk).update(status=Status.CLOSED)

    # Stages: a tie on the date broken by created_at against the order of the ids;
    # a later date recorded first; none at all; a closed member's stage.
    first = StageChangeFactory(member=m["tie"], stage="growth", changed_on=day, recorded_by=by)
    second = StageChangeFactory(member=m["tie"], stage="rebuilding", changed_on=day, recorded_by=by)
    StageChange.objects.filter(pk=first.pk).update(created_at=second.created_at + dt.timedelta(seconds=1))
    StageChangeFactory(member=m["dated"], stage="growth", changed_on=later, recorded_by=by)
    StageChangeFactory(member=m["dated"], stage="awareness", changed_on=day, recorded_by=by)
    StageChangeFactory(member=m["closed"], stage="growth", changed_on=day, recorded_by=by)

    # Service consents: withdrawn; withdrawn then given again; two on one day, the
    # later-created (the lower id) withdrawn; a later one withdrawn over an earlier
    # in force; only a research consent; a closed member's.
    ConsentFactory(member=m["tie"], given_on=day, withdrawn_on=later, recorded_by=by)
    ConsentFactory(member=m["dated"], given_on=day, withdrawn_on=later, recorded_by=by)
    ConsentFactory(member=m["dated"], given_on=later, recorded_by=by)
    withdrawn = ConsentFactory(member=m["bare"], given_on=day, withdrawn_on=later, recorded_by=by)
    in_force = ConsentFactory(member=m["bare"], given_on=day, recorded_by=by)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(created_at=in_force.created_at + dt.timedelta(seconds=1))
    ConsentFactory(member=m["mentored"], given_on=day, recorded_by=by)
    ConsentFactory(member=m["mentored"], given_on=later, withdrawn_on=later, recorded_by=by)
    ConsentFactory(member=m["mentor"], kind="research", given_on=day, recorded_by=by)
    ConsentFactory(member=m["closed"], given_on=day, recorded_by=by)

    # Research consents (of members of any status): in force; withdrawn; withdrawn then
    # given again; a tie on the day, the later-created withdrawn; a closed member's.
    ConsentFactory(member=m["tie"], kind="research", given_on=day, recorded_by=by)
    ConsentFactory(member=m["dated"], kind="research", given_on=day, withdrawn_on=later, recorded_by=by)
    ConsentFactory(member=m["new"], kind="research", given_on=day, withdrawn_on=day, recorded_by=by)
    ConsentFactory(member=m["new"], kind="research", given_on=later, recorded_by=by)
    withdrawn = ConsentFactory(member=m["old"], kind="research", given_on=day, withdrawn_on=later, recorded_by=by)
    in_force = ConsentFactory(member=m["old"], kind="research", given_on=day, recorded_by=by)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(created_at=in_force.created_at + dt.timedelta(seconds=1))
    ConsentFactory(member=m["closed"], kind="research", given_on=day, recorded_by=by)

    # Care teams: an ended professional only; a professional from a future date;
    # two current professionals; a current peer mentor and an ended one; a closed
    # member's professional.
    pro = tenant.users["professional"]
    CareTeamFactory(member=m["tie"], professional=pro, started_on=day, ended_on=later, assigned_by=by)
    CareTeamFactory(member=m["dated"], professional=pro, started_on=timezone.localdate() + dt.timedelta(days=9),
                    assigned_by=by)
    CareTeamFactory(member=m["bare"], professional=pro, started_on=day, assigned_by=by)
    CareTeamFactory(member=m["bare"], professional=tenant.users["coordinator"], started_on=later, assigned_by=by)
    CareTeamFactory(member=m["mentored"], role=CareRole.PEER_MENTOR, professional=None, mentor=m["mentor"],
                    started_on=day, assigned_by=by)
    CareTeamFactory(member=m["mentor"], role=CareRole.PEER_MENTOR, professional=None, mentor=m["mentored"],
                    started_on=day, ended_on=later, assigned_by=by)
    CareTeamFactory(member=m["closed"], professional=pro, started_on=day, assigned_by=by)
    return m


def test_the_figures_are_the_rules_figures_on_tricky_data(org_a, org_b):
    _tricky(org_a, "A9")
    _tricky(org_b, "B9")
    quarter = quarter_start(timezone.localdate())
    for tenant in (org_a, org_b):
        assert _figures(tenant) == figures_by_the_rules(tenant.org, quarter)
    figures = _figures(org_a)
    # The fixture's member (no stage, consent or care team) and the eight above, one closed.
    assert (figures["total"], figures["active"]) == (9, 8)
    assert dict(figures["by_stage"])["Rebuilding"] == 0  # the tie went to growth (created later)
    assert dict(figures["by_stage"])["Growth"] == 2 and figures["stage_not_assessed"] == 6
    assert figures["no_professional"] == 6  # not the ended one; the future one counts as current
    assert figures["no_mentor"] == 7
    # The fixture's member, tie, bare (the tie went to the withdrawn one), mentored, mentor
    # (research only), new and old; dated's latest is in force.
    assert figures["no_service_consent"] == 7
    assert figures["enrolled_this_quarter"] == 1
    assert figures["research_consented"] == 4  # mentor, tie, new and the closed member


def test_another_organisations_members_are_never_counted(org_a, org_b):
    before = _figures(org_a)
    _tricky(org_b, "B9")
    assert _figures(org_a) == before
    assert _figures(org_b)["total"] == 9


def test_the_dashboard_shows_the_research_count_read_with_the_figures(org_a, client_for):
    _tricky(org_a, "A9")
    for role in ("admin", "coordinator", "researcher"):
        page = client_for(role).get("/dashboard/")
        assert page.status_code == 200
        if "research_consented" in page.context:
            assert page.context["research_consented"] == 4, role
        assert "research_consented" not in page.context.get("figures", {}), role


def test_the_figures_are_one_query(org_a, django_assert_num_queries):
    _tricky(org_a, "A9")
    membership = org_a.staff["coordinator"]
    with django_assert_num_queries(1):
        dashboard_figures(membership)
