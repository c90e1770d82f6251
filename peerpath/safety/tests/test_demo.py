"""The demo association shows the safety path with a realistic history."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True


def test_the_demo_has_followed_up_open_and_overdue_safety_answers_and_plans(db):
    from django.utils import timezone

    from peerpath.measures.models import FlagKind, ResultFlag
    from peerpath.safety.models import FollowUpContact, SafetyFollowUp, SafetyPlan, SafetySettings

    call_command("demo", "--seed", "2026")
    flagged = set(ResultFlag.objects.filter(kind=FlagKind.SAFETY).values_list("administration_id", flat=True))
    follow_ups = SafetyFollowUp.objects.all()
    # every safety answer has its follow-up, and only those
    assert set(follow_ups.values_list("administration_id", flat=True)) == flagged
    closed = follow_ups.filter(state="closed")
    assert closed.count() >= 5
    assert all(f.closed_at >= f.opened_at for f in closed)
    assert closed.filter(outcome="referred").exists()
    assert FollowUpContact.objects.filter(outcome="not_reached").exists()
    within = sum(1 for f in closed if f.within_due)
    assert 0 < within < closed.count()  # most in time, some late
    open_ = follow_ups.filter(state="open")
    assert open_.exists()
    assert open_.filter(due_at__lt=timezone.now(), escalated_at__isnull=False).exists()
    assert SafetyPlan.objects.filter(share_with_mentor=True).exists()
    assert SafetyPlan.objects.filter(share_with_mentor=False).exists()
    assert SafetySettings.objects.filter(contacts_edited=True).count() == 1
    # the safety alerts agree with the open follow-ups
    assert not ResultFlag.objects.filter(kind=FlagKind.SAFETY, followed_up_at__isnull=True,
                                         administration__safety_follow_up__state="closed").exists()
    call_command("audit", "verify")


def test_loading_the_demo_e_mails_nobody(db):
    from django.core import mail

    call_command("demo", "--seed", "3", "--size", "20")
    assert not [m for m in mail.outbox if "Peerpath" in m.subject]
