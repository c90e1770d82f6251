"""The alerts part of the demo: real alerts computed as of the demo's day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from peerpath.alerts.models import Alert
from peerpath.audit.models import AccessLog, Event
from peerpath.demo.generator import plan


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # the demo is for development machines only


def test_the_plan_names_the_acknowledgement_notes_deterministically():
    day = dt.date(2026, 11, 26)
    first, again = plan(seed=5, today=day), plan(seed=5, today=day)
    assert first.extras["alerts"] == again.extras["alerts"]
    assert len(first.extras["alerts"]["acknowledge"]) == 2


def test_the_demo_computes_alerts_and_acknowledges_two(db):
    call_command("demo", "--seed", "3", "--size", "20")
    assert Alert.objects.filter(organization__slug="dawn-demo", state="open").exists()
    acknowledged = Alert.objects.filter(state="acknowledged")
    assert acknowledged.count() == 2
    assert all(a.acknowledge_note and a.acknowledged_by.username == "coordinator" for a in acknowledged)
    assert AccessLog.objects.filter(event=Event.ALERTS_COMPUTED).count() == 2
    call_command("audit", "verify")
