"""The pathway part of the demo: plausible, deterministic, and loadable."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command

from peerpath.demo.generator import plan
from peerpath.pathway.demo import ISOLATION_DAYS, ROLE_TRAINING

DAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo():
    p = plan(seed=2026, today=DAY)
    return p, p.extras["pathway"], {(m.org, m.code): m for m in p.members}


def test_the_plan_is_deterministic():
    assert plan(seed=5, today=DAY).extras["pathway"] == plan(seed=5, today=DAY).extras["pathway"]


def test_most_members_stay_participants_and_a_few_become_helpers(demo):
    p, out, members = demo
    active = [m for m in p.members if m.org == "main" and m.status == "active"]
    current = Counter(r.role for r in out.roles if r.org == "main" and r.ended_on is None)
    helpers = sum(current.values())
    assert 0.10 <= helpers / len(active) <= 0.25
    assert current["group_leader"] >= 1 and 2 <= current["peer_specialist"] <= 3
    for r in out.roles:
        m = members[(r.org, r.code)]
        if r.role == "peer_specialist":
            assert m.stages[-1][1] in ("rebuilding", "growth")
            assert (r.started_on - m.enrolment_date).days >= 365
        assert m.enrolment_date <= r.started_on <= DAY
        assert r.ended_on is None or r.started_on <= r.ended_on


def test_roles_follow_each_other_and_their_training_comes_first(demo):
    _p, out, _members = demo
    by_member: dict = {}
    for r in out.roles:
        by_member.setdefault((r.org, r.code), []).append(r)
    done = {(org, code, module): on for org, code, module, on in out.completions}
    for key, periods in by_member.items():
        periods.sort(key=lambda r: r.started_on)
        assert [r.ended_on is None for r in periods].count(True) == 1
        for earlier, later in zip(periods, periods[1:], strict=False):
            assert earlier.ended_on == later.started_on
        for r in periods:
            for module in ROLE_TRAINING[r.role]:
                if key[0] == "main":
                    assert done[(*key, module)] <= r.started_on


def test_helping_contacts_form_a_plausible_network(demo):
    p, out, members = demo
    active = {k for k, m in members.items() if m.status == "active"}
    for c in out.contacts:
        assert c.helper != c.helped and (c.org, c.helper) in active and (c.org, c.helped) in active
        assert max(members[(c.org, c.helper)].enrolment_date, members[(c.org, c.helped)].enrolment_date) <= c.on <= DAY
        assert 1 <= c.minutes <= 600
    pairs = {(c.org, frozenset((c.helper, c.helped))) for c in out.contacts}
    mentored = [m for m in p.members if m.mentor_code and m.status == "active"]
    assert all((m.org, frozenset((m.code, m.mentor_code))) in pairs for m in mentored)
    assert {c.kind for c in out.contacts} == {"phone", "meeting", "workplace_visit", "accompany_interview"}


def test_a_few_members_have_had_no_contact_for_60_days(demo):
    _p, out, members = demo
    start = DAY - dt.timedelta(days=ISOLATION_DAYS - 1)
    tied = {(c.org, code) for c in out.contacts if c.on >= start for code in (c.helper, c.helped)}
    quiet = {k for k, m in members.items() if m.status == "active" and k not in tied}
    assert quiet == set(out.isolated)
    assert 2 <= len(quiet) <= 4


def test_stories_are_mostly_published_one_waits_and_one_was_withdrawn(demo):
    _p, out, members = demo
    assert 4 <= len(out.stories) <= 6
    statuses = Counter(s.status for s in out.stories)
    assert statuses["submitted"] == 1 and statuses["withdrawn"] == 1
    assert statuses["published"] > len(out.stories) / 2
    for s in out.stories:
        assert (s.consent_withdrawn_on is not None) == (s.status == "withdrawn")
        assert members[(s.org, s.code)].name not in s.pseudonym
        assert s.consent_on <= s.written_on <= DAY


def test_the_demo_loads_and_the_pages_show_it(db, settings):
    settings.DEBUG = True
    from django.utils import timezone

    from peerpath.pathway.models import HelperRole, HelpingContact, Story
    from peerpath.pathway.network import isolated_member_ids
    from peerpath.pathway.stories import published_stories
    from peerpath.tenancy.models import Organization

    call_command("demo", "--seed", "2026", "--size", "20")
    main = Organization.objects.get(slug="dawn-demo")
    assert HelperRole.objects.filter(organization=main, ended_on__isnull=True).exists()
    assert HelpingContact.objects.filter(organization=main).count() > 30
    assert isolated_member_ids(main.pk, timezone.localdate(), 60)
    stories = Story.objects.filter(organization=main)
    shown = list(published_stories(main.pk))
    assert shown and len(shown) == stories.filter(status="published").count()
    assert stories.filter(status="withdrawn").exists()
