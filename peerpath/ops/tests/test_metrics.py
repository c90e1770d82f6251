"""/metrics: Prometheus figures for the operator, behind a token or an address
list; counts only, never a name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.alerts.models import Alert, State
from peerpath.safety.models import SafetyFollowUp
from peerpath.safety.tests import conftest as safety

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"  # noqa: S105


@pytest.fixture
def team_a(org_a):
    return safety.team_a.__wrapped__(org_a)  # organisation A with a care team (the safety tests' fixture)


@pytest.fixture
def protected(settings):
    settings.PEERPATH_METRICS_TOKEN = TOKEN
    settings.PEERPATH_METRICS_IPS = []
    return settings


def _scrape(**headers: str) -> tuple[int, str]:
    response = Client().get("/metrics", **headers)
    return response.status_code, response.content.decode()


def _value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    assert match, f"{name}{labels} not in the metrics"
    return float(match.group(1))


def test_without_a_token_or_addresses_configured_metrics_are_not_served(settings):
    settings.PEERPATH_METRICS_TOKEN = ""
    settings.PEERPATH_METRICS_IPS = []
    assert _scrape(HTTP_AUTHORIZATION="Bearer ")[0] == 404


def test_a_wrong_or_missing_token_gets_nothing(protected):
    assert _scrape()[0] == 404
    assert _scrape(HTTP_AUTHORIZATION="Bearer wrong")[0] == 404


def test_an_allowed_address_needs_no_token(settings):
    settings.PEERPATH_METRICS_TOKEN = ""
    settings.PEERPATH_METRICS_IPS = ["127.0.0.1"]
    status, _text = _scrape()
    assert status == 200
    settings.PEERPATH_METRICS_IPS = ["10.0.0.9"]
    assert _scrape()[0] == 404


def test_request_latency_and_queries_are_counted_by_route_name(protected, org_a, client_for):
    client = client_for("coordinator")
    _status, before = _scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    label = '{method="GET",route="member_list"}'
    count_before = _value(before, "peerpath_request_duration_seconds_count", label) if label in before else 0
    for _ in range(2):
        assert client.get("/members/").status_code == 200
    status, text = _scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert status == 200
    assert _value(text, "peerpath_request_duration_seconds_count", label) == count_before + 2
    assert _value(text, "peerpath_db_queries_total", '{database="default",route="member_list"}') > 0
    assert "/members/" not in text  # route names, never paths


def test_open_alerts_and_overdue_safety_follow_ups_are_counted_without_names(protected, team_a,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        safety.answer_phq9(Client(), safety.phq9_link(team_a), item9=2)  # a safety answer: one follow-up, due in hours
    follow_up = SafetyFollowUp.objects.get(member=team_a.member)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    text = _scrape(**auth)[1]
    assert _value(text, "peerpath_safety_follow_ups_overdue") == 0
    alerts_before = _value(text, "peerpath_alerts_open")

    SafetyFollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    now = timezone.now()
    for key, state in (("a", State.OPEN), ("b", State.OPEN), ("c", State.RESOLVED)):
        Alert.objects.create(organization=team_a.org, member=team_a.member, rule="no_contact", key=key, state=state,
                             started_on=now.date(), raised_at=now, message="no_contact")
    status, text = _scrape(**auth)
    assert status == 200
    assert _value(text, "peerpath_safety_follow_ups_overdue") == 1
    assert _value(text, "peerpath_alerts_open") == alerts_before + 2  # the resolved one is not counted
    assert _value(text, "peerpath_tasks", '{queue="default",state="queued"}') >= 0
    assert team_a.member.code not in text and team_a.member.name not in text
