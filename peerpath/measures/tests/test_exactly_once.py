"""Finishing a questionnaire happens exactly once, whatever arrives at the same time:
several "send my answers" requests on one link make one completed questionnaire,
one set of scores, one safety flag, one alert and one audit entry, and every
request sees the same finished page. Real threads, each with its own connection,
on the suite's database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from peerpath.alerts.models import Alert, Rule
from peerpath.audit.models import AccessLog, Event
from peerpath.measures import actions, completion
from peerpath.measures.models import (
    Administration,
    AdministrationStatus,
    Mode,
    ResultFlag,
    StoredScore,
)

THREADS = 6
PHQ9_RISK = {**{str(i): 1.0 for i in range(1, 9)}, "9": 2.0}  # item 9 above 0: a safety answer


def _open_link(org: Any, mode: str = Mode.LINK) -> tuple[Administration, str]:
    """A questionnaire answered by link, in the portal or at the kiosk (the same pages),
    every answer given, not yet sent."""
    org.member.preferred_language = "en"
    org.member.save(update_fields=["preferred_language"])
    administration, token = actions.create_link(org.staff["professional"], org.member, "phq9", reason="periodic")
    Administration.objects.filter(pk=administration.pk).update(mode=mode)
    for item_id, value in PHQ9_RISK.items():
        actions.save_link_answer(administration, item_id, value)
    return administration, f"/r/{token}/"


def _all_at_once(requests: list[Callable[[], HttpResponse]]) -> list[Any]:
    """Run the requests in threads released together; their responses (or exceptions)."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = requests[i]()
        except Exception as exc:  # reported by the test, not lost in the thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request never returned"
    return results


def _finish(path: str) -> Callable[[], HttpResponse]:
    client = Client()
    return lambda: client.post(path, {"action": "finish"})


@pytest.fixture
def closing_calls():
    """A closing function registered for the test only: it records every call."""
    calls: list[tuple[int, str, str | None]] = []

    def closing(request, administration, back):
        calls.append((administration.pk, administration.status, back))
        return HttpResponse(f"closing page for {administration.pk}")

    completion._functions.insert(0, closing)  # before any app's own (the safety app's crisis page)
    yield calls
    completion._functions.remove(closing)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", [Mode.LINK, Mode.PORTAL, Mode.KIOSK])
def test_six_simultaneous_finishes_store_one_questionnaire_with_one_flag_alert_and_audit_entry(org_a, mode):
    administration, path = _open_link(org_a, mode)

    responses = _all_at_once([_finish(path) for _ in range(THREADS)])

    assert [r.status_code if isinstance(r, HttpResponse) else r for r in responses] == [200] * THREADS
    assert all("Thank you" in r.content.decode() for r in responses)
    assert Administration.objects.count() == 1
    administration.refresh_from_db()
    assert administration.status == AdministrationStatus.COMPLETED
    assert administration.answers == PHQ9_RISK
    scores = list(StoredScore.objects.filter(administration=administration).values_list("score_id", flat=True))
    assert len(scores) == len(set(scores)) and "total" in scores
    assert StoredScore.objects.get(administration=administration, score_id="total").value == 10.0
    assert ResultFlag.objects.filter(administration=administration).count() == 1
    assert Alert.objects.filter(member=org_a.member, rule=Rule.SAFETY).count() == 1
    assert AccessLog.objects.filter(event=Event.MEASURE_LINK_COMPLETED).count() == 1
    # one safety follow-up, and every one of the six sees the same closing page
    from peerpath.safety.models import SafetyFollowUp

    assert SafetyFollowUp.objects.filter(administration=administration).count() == 1
    if mode != Mode.KIOSK:
        assert all('href="tel:' in r.content.decode() for r in responses)


@pytest.mark.django_db(transaction=True)
def test_every_simultaneous_finish_gets_the_closing_page_of_the_completed_questionnaire(org_a, closing_calls):
    administration, path = _open_link(org_a)

    responses = _all_at_once([_finish(path) for _ in range(THREADS)])

    assert [r.status_code if isinstance(r, HttpResponse) else r for r in responses] == [200] * THREADS
    assert all(r.content.decode() == f"closing page for {administration.pk}" for r in responses)
    # the winner and every request that lost the race, each with the administration as stored
    assert closing_calls == [(administration.pk, AdministrationStatus.COMPLETED, None)] * THREADS
    assert ResultFlag.objects.filter(administration=administration).count() == 1


@pytest.mark.django_db(transaction=True)
def test_answers_sent_while_finishing_never_reopen_the_questionnaire(org_a):
    administration, path = _open_link(org_a)
    clients = [Client() for _ in range(THREADS)]
    requests: list[Callable[[], HttpResponse]] = []
    for i, client in enumerate(clients):
        if i % 2:
            requests.append(lambda c=client: c.post(path, {"action": "finish"}))
        else:
            requests.append(lambda c=client: c.post(path, {"item": "9", "value": "0"}))

    responses = _all_at_once(requests)

    assert not [r for r in responses if not isinstance(r, HttpResponse) or r.status_code >= 500]
    administration.refresh_from_db()
    assert administration.status == AdministrationStatus.COMPLETED
    stored = StoredScore.objects.get(administration=administration, score_id="total").value
    assert stored == sum(administration.answers.values())  # the scores are of the answers kept
    assert ResultFlag.objects.filter(administration=administration).count() == (administration.answers["9"] > 0)
    assert AccessLog.objects.filter(event=Event.MEASURE_LINK_COMPLETED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_answers_to_every_question_sent_at_the_same_time_are_all_kept(org_a):
    """Each answer is merged into the stored ones by one UPDATE: none of nine sent at
    once (a member tapping through on a slow network, retries) overwrites another."""
    administration, token = actions.create_link(org_a.staff["professional"], org_a.member, "phq9", reason="periodic")
    path = f"/r/{token}/"
    answers = {str(i): float(i % 4) for i in range(1, 10)}
    clients = [Client() for _ in answers]

    responses = _all_at_once([lambda c=c, item=item, value=value: c.post(path, {"item": item, "value": f"{value:g}"})
                              for c, (item, value) in zip(clients, answers.items(), strict=True)])

    assert [r.status_code if isinstance(r, HttpResponse) else r for r in responses] == [302] * len(answers)
    administration.refresh_from_db()
    assert administration.answers == answers
    assert administration.status == AdministrationStatus.IN_PROGRESS


@pytest.mark.django_db
def test_a_blank_answer_takes_the_answer_back_and_a_finished_questionnaire_takes_none(org_a):
    administration, path = _open_link(org_a)
    assert actions.save_link_answer(administration, "9", "") is True
    administration.refresh_from_db()
    assert "9" not in administration.answers and administration.answers["1"] == 1.0
    assert actions.complete_link(administration) is not None
    assert actions.save_link_answer(administration, "9", 2) is False
    administration.refresh_from_db()
    assert "9" not in administration.answers
