"""The request that finishes a self-report (scores, flags, the safety follow-up,
the member's alert refresh, the closing page) reads by SQL compiled once
(``members.precompiled``): the same records and the same pages as with the plain
querysets, each of its reads built once, and its statements counted."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpath.alerts import compute, triggers
from peerpath.alerts.models import Alert
from peerpath.audit.models import AccessLog
from peerpath.measures import actions
from peerpath.measures.models import Administration, ResultFlag, StoredScore
from peerpath.members import precompiled
from peerpath.members.models import CareTeamAssignment, Member
from peerpath.portal.models import MemberAccount
from peerpath.safety import hooks, selectors
from peerpath.safety.models import CrisisContact, SafetyFollowUp, SafetyPlan, SafetySettings
from tests.factories import MemberFactory

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
TODAY = timezone.localdate


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read compiled once is built and run as a plain queryset instead."""

    def run(key: Any, build: Any, values: Any, using: str = "default", **kwargs: Any) -> list[Any]:
        queryset = build(**values)
        return [] if queryset is None else list(queryset)

    for name in ("rows", "tuples", "objects"):
        monkeypatch.setattr(precompiled, name, run)


@pytest.fixture
def baseline(org_a):
    """Twelve members' first PHQ-9s of every level: the programme's baseline SD (PHQ-9
    has no normative SD), so that a worse total can be a reliable deterioration."""
    cache.clear()
    for i in range(12):
        _paper(org_a, MemberFactory(organization=org_a.org), i % 4, TODAY() - dt.timedelta(days=90))
    yield
    cache.clear()


def _paper(tenant: SimpleNamespace, member: Member, level: int, day: dt.date) -> Administration:
    answers = {str(i): level for i in range(1, 9)} | {"9": 0}
    return actions.record_paper_form(tenant.staff["coordinator"], member, "phq9", answers=answers, taken_on=day,
                                     reason="periodic")


def _member(tenant: SimpleNamespace, code: str) -> Member:
    """A member with a professional in their care team (e-mailed about a safety answer)
    and a PHQ-9 of all zeros a month ago."""
    member = MemberFactory(organization=tenant.org, code=code, preferred_language="en")
    CareTeamAssignment.objects.create(
        organization=tenant.org, member=member, role="professional", professional=tenant.users["professional"],
        started_on=TODAY() - dt.timedelta(days=60), assigned_by=tenant.users["coordinator"],
    )
    tenant.users["professional"].email = "professional@example.org"
    tenant.users["professional"].save(update_fields=["email"])
    _paper(tenant, member, 0, TODAY() - dt.timedelta(days=30))
    return member


def _link(tenant: SimpleNamespace, member: Member, level: int, item9: int) -> tuple[Administration, str]:
    """A self-report link with every answer given (items 1-8 ``level``), not yet sent."""
    administration, token = actions.create_link(tenant.staff["professional"], member, "phq9", reason="periodic")
    for item in range(1, 10):
        assert actions.save_link_answer(administration, str(item), item9 if item == 9 else level)
    return administration, f"/r/{token}/"


def _page(response: Any) -> str:
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


def _records(administration: Administration) -> dict[str, Any]:
    """What finishing stored, without ids, times or the member (two members compared)."""
    member = administration.member_id
    flags = {f.pk: f.kind for f in ResultFlag.objects.filter(member_id=member)}
    since = AccessLog.objects.filter(event="measure.link_created", target_id=str(administration.pk)).get().seq
    return {
        "scores": sorted((s.score_id, s.value, s.band_index, s.flag, s.prorated, s.n_answered)
                         for s in StoredScore.objects.filter(administration=administration)),
        "flags": sorted((f.kind, f.item_id, f.score_id, f.value, f.previous_value, f.rci)
                        for f in ResultFlag.objects.filter(administration=administration)),
        "follow_ups": [(f.state, f.due_at - f.opened_at, f.first_due_at == f.due_at)
                       for f in SafetyFollowUp.objects.filter(administration=administration)],
        "alerts": sorted((a.rule, a.state, flags.get(int(a.key[5:])) if a.key.startswith("flag:") else a.key)
                         for a in Alert.objects.filter(member_id=member)),
        "audit": [(e.event, sorted(e.extra)) for e in AccessLog.objects.filter(
            organization=administration.organization_id, seq__gt=since).order_by("seq")],
        "mail": sorted(m.subject.replace(Member.objects.get(pk=member).code, "CODE") for m in mail.outbox),
    }


@pytest.mark.django_db(transaction=True)  # the alert refresh and the e-mail follow the commit
@pytest.mark.parametrize(("level", "item9"), [(0, 0), (0, 2), (2, 0), (2, 2)])
def test_finishing_stores_what_the_plain_reads_store(org_a, baseline, monkeypatch, level, item9):
    """Two members with the same history give the same answers, one finished with the
    reads compiled once, the other with plain querysets: the same scores, flags
    (a worse total is a reliable deterioration), follow-up, alerts, audit entries,
    e-mails and closing page."""
    found = []
    members = [_member(org_a, "F0001"), _member(org_a, "F0002")]  # both first: the same baseline for both
    for member, plain in zip(members, (False, True), strict=True):
        administration, path = _link(org_a, member, level, item9)
        mail.outbox.clear()
        with monkeypatch.context() as patched:
            if plain:
                _plain(patched)
            page = _page(Client().post(path, {"action": "finish"}))
        administration.refresh_from_db()
        found.append((_records(administration), page))
    (records, page), (plain_records, plain_page) = found
    assert records == plain_records
    assert page == plain_page
    assert bool(records["flags"]) == bool(item9 or level)
    assert [kind for kind, *_ in records["flags"]] == ["deterioration"] * (level > 0) + ["safety"] * (item9 > 0)
    assert ('href="tel:' in page) == (item9 > 0)


@pytest.mark.parametrize("own_contacts", [False, True])
@pytest.mark.parametrize("with_plan", [False, True])
def test_the_closing_page_of_the_finish_is_that_of_a_second_tap_and_of_the_plain_reads(
        org_a, org_b, monkeypatch, own_contacts, with_plan):
    """The request that finishes shows the page from the questionnaire as it stored
    it; a second tap (which lost the race) reads it again: the same page, and the
    same with plain querysets. Another organisation's crisis lines never show."""
    SafetySettings.objects.create(organization=org_b.org, contacts_edited=True, updated_by=org_b.users["admin"])
    CrisisContact.objects.create(organization=org_b.org, name="B 的專線", number="0800-222-222")
    if own_contacts:
        SafetySettings.objects.create(organization=org_a.org, contacts_edited=True, follow_up_hours=6,
                                      updated_by=org_a.users["admin"])
        CrisisContact.objects.create(organization=org_a.org, name="A 的專線", number="0800-111-111")
    member = _member(org_a, "F0003")
    if with_plan:
        SafetyPlan.objects.create(organization=org_a.org, member=member, version=1, coping="散步",
                                  written_with=org_a.users["professional"])
        user = get_user_model().objects.create_user("assoc-a-f0003")
        MemberAccount.objects.create(organization=org_a.org, member=member, user=user,
                                     created_by=org_a.users["professional"])
    _administration, path = _link(org_a, member, 1, 3)

    first = _page(Client().post(path, {"action": "finish"}))
    second = _page(Client().post(path, {"action": "finish"}))
    with monkeypatch.context() as patched:
        _plain(patched)
        plain = _page(Client().post(path, {"action": "finish"}))

    assert first == second == plain
    assert ("0800-111-111" in first) is own_contacts
    assert "0800-222-222" not in first
    due = SafetyFollowUp.objects.get(member=member).due_at
    assert timezone.localtime(due).strftime("%Y-%m-%d %H:%M") in first


@pytest.mark.django_db(transaction=True)
def test_each_read_of_the_finish_is_built_once(org_a, baseline, monkeypatch):
    builders = [(actions, "_previous_score"), (actions, "_with_owner"), (hooks, "_safety_flags"),
                (hooks, "_active_account"), (selectors, "_hours"), (selectors, "_contacts_edited"),
                (selectors, "_open_follow_up"), (compute, "_members"), (compute, "_open_flags"),
                (compute, "_stored"), (triggers, "_organization")]
    built: Counter[str] = Counter()

    def counting(name: str, real: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            built[name] += 1
            return real(*args, **kwargs)
        return counted

    for module, name in builders:
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    members = [_member(org_a, f"F01{i:02d}") for i in range(3)]
    precompiled._CACHE.clear()
    for member in members:  # the same answers, the same history: the same shapes
        _administration, path = _link(org_a, member, 2, 2)
        assert 'href="tel:' in _page(Client().post(path, {"action": "finish"}))
    assert built == {name: 1 for _module, name in builders}


# Finishing a link whose answers raise a safety flag and a deterioration flag:
# the link (1); the transaction: BEGIN, the conditional UPDATE, the administration
# as stored with its organisation and member, the scores, the previous total, the
# programme's baseline SD (kept: the check and the rows added since), both flags
# (one INSERT), the follow-up (its flags, the organisation's hours, INSERT, read
# back), two audit entries (5 each), COMMIT (22); the member's alert refresh: the
# organisation, BEGIN, thresholds, the member, open flags, the plan (no rule: the
# last questionnaires are not read), the member's alerts, INSERT, the audit entry
# (5), COMMIT (14); the care team's e-mail: the follow-up, the care team, the
# professional, the audit entry (BEGIN, 3, COMMIT) (8); the crisis page: the
# safety flag, the audit entry (5), an account, the open follow-up, own crisis
# lines, the safety plan (10).
SAFETY_FINISH = 1 + 22 + 14 + 8 + 10


@pytest.mark.django_db(transaction=True)
def test_finishing_with_a_safety_answer_costs_a_fixed_number_of_statements(org_a, baseline):
    member = _member(org_a, "F0200")
    _administration, path = _link(org_a, member, 2, 2)
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert 'href="tel:' in _page(client.post(path, {"action": "finish"}))
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == SAFETY_FINISH, "\n".join(statements)
    assert sum(s.startswith('INSERT INTO "measures_resultflag"') for s in statements) == 1
