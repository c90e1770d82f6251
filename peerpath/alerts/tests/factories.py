"""factory_boy factories for alert tests (synthetic data only)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from peerpath.alerts.models import Alert
from tests.factories import MemberFactory


class AlertFactory(factory.django.DjangoModelFactory):
    """An open, non-clinical alert that prompts both tracks (a job ending)."""

    class Meta:
        model = Alert

    member = factory.SubFactory(MemberFactory)
    organization = factory.SelfAttribute("member.organization")
    rule = "job_ended"
    key = factory.Sequence(lambda n: (timezone.localdate() - dt.timedelta(days=10 + n)).isoformat())
    started_on = factory.LazyAttribute(lambda a: dt.date.fromisoformat(a.key) if a.rule == "job_ended" else timezone.localdate())
    raised_at = factory.LazyFunction(timezone.now)
    state = "open"
    clinical = False
    audience = factory.LazyAttribute(lambda a: ["professional"] if a.clinical else ["professional", "peer_mentor"])
    peer_track = factory.LazyAttribute(lambda a: "peer_mentor" in a.audience or "peer_leader" in a.audience)
    message = factory.SelfAttribute("rule")
    params = factory.LazyAttribute(
        lambda a: {"date": a.started_on.isoformat(), "reason": "quit"} if a.rule == "job_ended"
        else {"instrument": "phq9", "date": a.started_on.isoformat()}
    )
