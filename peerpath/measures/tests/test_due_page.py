"""The organisation's due list read by the database (``due_page``) lists what
``due_of`` (``due_for_member`` over every active member) lists, on data where
restating the rules in SQL could go wrong: never completed, completed today, each
limit of the horizon and of the grace period, an enrolment in the future, inactive
rules, several rules per questionnaire, answers not completed, inactive members
and another organisation's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.measures.due import GRACE_DAYS, HORIZON_DAYS, Rule, due_for_member, thresholds
from peerpath.measures.models import Administration, AdministrationStatus, PlanRule
from peerpath.measures.selectors import DueMember, DuePage, due_of, due_page
from peerpath.members.models import Member, Status

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _rules(org) -> None:
    for instrument_id, trigger, interval_days, active in (
        ("phq9", "intake", None, True),
        ("phq9", "every", 90, True),  # two rules for one questionnaire
        ("who5", "every", 30, True),
        ("gses", "intake", None, True),
        ("k10", "every", 7, False),  # inactive: lists nothing
        ("k10", "intake", None, False),
    ):
        PlanRule.objects.create(organization=org, instrument_id=instrument_id, trigger=trigger,
                                interval_days=interval_days, active=active)


def _completed(member, instrument_id: str, day: dt.date | None, *, organization=None,
               status: str = AdministrationStatus.COMPLETED) -> None:
    Administration.objects.create(
        organization=organization or member.organization, member=member, instrument_id=instrument_id,
        instrument_version=1, mode="paper", status=status, taken_on=day,
    )


def _tricky(tenant, prefix: str) -> None:
    """Members each on one edge of the rules (``today`` is the local date)."""
    from tests.factories import MemberFactory

    today = timezone.localdate()
    horizon, grace = HORIZON_DAYS * DAY, GRACE_DAYS * DAY
    n = iter(range(1000))

    def member(enrolled: dt.date, status: str = Status.ACTIVE) -> Member:
        m = MemberFactory(organization=tenant.org, code=f"{prefix}{next(n):03d}", status=status)
        Member.objects.filter(pk=m.pk).update(enrolment_date=enrolled)
        m.enrolment_date = enrolled
        return m

    long_ago = today - 400 * DAY
    member(long_ago)  # never completed anything: every rule, overdue
    for enrolled in (today, today - grace, today - grace - DAY, today + horizon, today + horizon + DAY,
                     today + 20 * DAY):  # intake on the limits; in the future, within the horizon or not
        member(enrolled)
    done = member(long_ago)  # everything completed today: nothing due
    for instrument_id in ("phq9", "who5", "gses", "k10"):
        _completed(done, instrument_id, today)
    # "every 90 days" on each limit: due on the last day of the horizon, or the day
    # after; due exactly at the end of the grace period, or the day before (overdue).
    for last in (today + horizon - 90 * DAY, today + horizon - 89 * DAY, today - grace - 90 * DAY,
                 today - grace - 91 * DAY):
        m = member(long_ago)
        _completed(m, "phq9", last)
        _completed(m, "phq9", last - 200 * DAY)  # an older one changes nothing
        _completed(m, "who5", today)
        _completed(m, "gses", long_ago)
    # Answers that do not count: begun but not completed; completed without a date;
    # recorded in another organisation.
    m = member(today - 100 * DAY)
    _completed(m, "phq9", today, status=AdministrationStatus.IN_PROGRESS)
    _completed(m, "who5", None)
    _completed(m, "gses", today - 3 * DAY)
    m = member(long_ago)
    other = Member.objects.exclude(organization=tenant.org).first()
    if other is not None:
        _completed(m, "phq9", today, organization=other.organization)
        _completed(other, "gses", today, organization=tenant.org)
    # Only the every-30-days rule lists this one (intake done, phq9 recent).
    m = member(long_ago)
    for instrument_id, last in (("phq9", today - 10 * DAY), ("gses", long_ago), ("who5", today - 16 * DAY)):
        _completed(m, instrument_id, last)
    member(long_ago, status=Status.CLOSED)  # not active: never listed


def _by_due_of(org, today: dt.date, limit: int) -> DuePage:
    """The due list as ``due_of`` makes it for every active member (by code)."""
    active = Member.objects.filter(organization=org, status=Status.ACTIVE).order_by("code")
    everyone = [DueMember(m.pk, m.code, m.name, m.enrolment_date) for m in active]
    due = due_of(org.pk, everyone, today)
    return DuePage(due[:limit], len(due), sum(1 for _, items in due if any(d.overdue for d in items)))


@pytest.mark.parametrize("limit", [30, 4])
def test_the_due_list_read_by_the_database_is_due_of_s_on_tricky_data(org_a, org_b, limit):
    for tenant, prefix in ((org_a, "A9"), (org_b, "B9")):
        _rules(tenant.org)
        _tricky(tenant, prefix)
    today = timezone.localdate()
    for tenant in (org_a, org_b):
        page = due_page(tenant.staff["coordinator"], today, limit=limit)
        assert page == _by_due_of(tenant.org, today, limit)
    page = due_page(org_a.staff["coordinator"], today, limit=limit)
    assert len(page.shown) == min(limit, page.total) and page.total > 4 and page.overdue > 0
    assert [m.code for m, _ in page.shown] == sorted(m.code for m, _ in page.shown)
    ours = set(Member.objects.filter(organization=org_a.org).values_list("pk", flat=True))
    assert all(m.pk in ours and m.name for m, _ in page.shown)


def test_the_limits_of_the_rules_as_the_database_applies_them(org_a, org_b):
    _rules(org_a.org)
    _tricky(org_a, "A9")
    today = timezone.localdate()
    page = due_page(org_a.staff["coordinator"], today, limit=100)
    listed = {m.code: [(d.instrument_id, d.due_on, d.overdue) for d in items] for m, items in page.shown}
    assert "A9007" not in listed  # completed everything today
    assert "A9005" not in listed and "A9006" not in listed  # enrolled beyond the horizon
    assert listed["A9004"] == [("gses", today + 14 * DAY, False), ("phq9", today + 14 * DAY, False)]
    assert listed["A9002"] == [("gses", today - 14 * DAY, False), ("phq9", today - 14 * DAY, False)]
    assert listed["A9003"][0][2]  # one day more: overdue
    assert listed["A9008"] == [("phq9", today + 14 * DAY, False)]  # due on the horizon's last day
    assert "A9009" not in listed  # due the day after
    assert listed["A9010"] == [("phq9", today - 14 * DAY, False)]  # due at the end of the grace period
    assert listed["A9011"] == [("phq9", today - 15 * DAY, True)]
    assert listed["A9012"] == [("phq9", today - 100 * DAY, True), ("who5", today - 70 * DAY, True)]
    assert "A9013" in listed  # completed phq9 in another organisation only
    assert listed["A9014"] == [("who5", today + 14 * DAY, False)]
    assert "A9015" not in listed  # closed
    assert page.overdue == sum(1 for items in listed.values() if any(overdue for _, _, overdue in items))


def test_thresholds_restate_due_for_member_s_interval_rules():
    """Without a database: a rule lists an instrument exactly when its threshold says so."""
    today = dt.date(2026, 3, 1)
    rules = [Rule("phq9", "intake"), Rule("phq9", "every", 90), Rule("who5", "every", 30), Rule("x", "every", 0),
             Rule("gses", "job_start")]
    limits = {(t.instrument_id, t.intake): t for t in thresholds(rules, today)}
    assert set(limits) == {("phq9", True), ("phq9", False), ("who5", False)}
    for offset in range(-200, 60):
        base = today + offset * DAY
        for rule in rules[:3]:
            t = limits[(rule.instrument_id, rule.trigger == "intake")]
            if rule.trigger == "intake":
                due = due_for_member([rule], enrolment_date=base, last_completed={}, today=today)
            else:
                due = due_for_member([rule], enrolment_date=base - 999 * DAY, last_completed={rule.instrument_id: base},
                                     today=today)
            assert bool(due) == (base <= t.due_by), (rule, offset)
            assert any(d.overdue for d in due) == (base < t.overdue_before), (rule, offset)


def test_with_event_triggered_rules_the_list_is_due_of_s(org_a):
    _rules(org_a.org)
    PlanRule.objects.create(organization=org_a.org, instrument_id="gses", trigger="job_start")
    _tricky(org_a, "A9")
    today = timezone.localdate()
    assert due_page(org_a.staff["coordinator"], today, limit=5) == _by_due_of(org_a.org, today, 5)


def test_without_rules_nothing_is_read(org_a, django_assert_num_queries):
    _tricky(org_a, "A9")
    with django_assert_num_queries(1):  # the plan
        assert due_page(org_a.staff["coordinator"], timezone.localdate()) == DuePage([], 0, 0)


def test_the_due_list_is_two_queries(org_a, django_assert_num_queries):
    _rules(org_a.org)
    _tricky(org_a, "A9")
    with django_assert_num_queries(2):  # the plan; the members due, with the names of those shown
        page = due_page(org_a.staff["coordinator"], timezone.localdate(), limit=3)
    assert len(page.shown) == 3


def test_a_role_without_clinical_access_is_refused(org_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        due_page(org_a.staff["peer_leader"], timezone.localdate())


# -- the open flags of every active member ---------------------------------------------


def test_the_open_flags_of_active_members_are_open_flags_filtered_as_before(org_a, org_b):
    """The coordinator's dashboard list (compiled once, prepared on PostgreSQL) is the
    newest 20 of ``open_flags`` of the active members: not followed up, not a closed
    member's, never another organisation's."""
    from peerpath.measures.models import ResultFlag
    from peerpath.measures.selectors import active_members_open_flags, open_flags
    from tests.factories import MemberFactory

    now = timezone.now()
    for tenant, prefix in ((org_a, "A8"), (org_b, "B8")):
        for n in range(24):
            member = MemberFactory(organization=tenant.org, code=f"{prefix}{n:03d}",
                                   status=Status.CLOSED if n % 5 == 0 else Status.ACTIVE)
            _completed(member, "phq9", timezone.localdate())
            administration = Administration.objects.filter(member=member).get()
            ResultFlag.objects.create(
                organization=tenant.org, administration=administration, member=member, item_id="9", value=2,
                raised_at=now - dt.timedelta(hours=n),
                followed_up_at=now if n % 7 == 3 else None,
            )
    for tenant in (org_a, org_b):
        membership = tenant.staff["coordinator"]
        active = Member.objects.filter(organization=tenant.org, status=Status.ACTIVE).values("pk")
        expected = list(open_flags(membership).filter(member__in=active)[:20])
        found = active_members_open_flags(membership, limit=20)
        assert [f.pk for f in found] == [f.pk for f in expected] and len(found) == 17
        assert [(f.member.code, f.member.name, f.administration.instrument_id) for f in found] == [
            (f.member.code, f.member.name, f.administration.instrument_id) for f in expected]
        assert all(f.organization_id == tenant.org.pk for f in found)
        assert [f.pk for f in active_members_open_flags(membership, limit=5)] == [f.pk for f in expected[:5]]


def test_the_open_flags_of_active_members_need_clinical_access(org_a):
    from django.core.exceptions import PermissionDenied

    from peerpath.measures.selectors import active_members_open_flags

    with pytest.raises(PermissionDenied):
        active_members_open_flags(org_a.staff["peer_leader"])
