"""The alerts app's part of the demo association (see peerpath/demo/generator.py).

It runs last: the alerts are computed from everything the other apps planted, as
of the plan's day, exactly as ``peerpath alerts`` would; then the coordinator
acknowledges a few, so that the list shows alerts in both states.
"""

from __future__ import annotations

import random
from typing import Any

from peerpath.demo.generator import DemoPlan

# What the coordinator writes when acknowledging (synthetic, in the demo's language).
NOTES = [
    "已請同儕導師本週內主動聯絡。",
    "已約下週二職場訪視。",
    "週四團體後會當面關心近況。",
]


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Add this app's planned data to ``plan.extras["alerts"]`` (plain data, no Django):
    how many of the main organisation's non-clinical alerts the coordinator
    acknowledges, and with which notes."""
    plan.extras["alerts"] = {"acknowledge": [NOTES[i] for i in rng.sample(range(len(NOTES)), 2)]}


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
    from peerpath.alerts.actions import acknowledge
    from peerpath.alerts.compute import compute_alerts
    from peerpath.alerts.models import Alert, State
    from peerpath.tenancy.models import Membership

    for org in ctx.orgs.values():
        compute_alerts.within(org, plan.today)
    main = ctx.orgs["main"]
    coordinator = Membership.objects.get(organization=main, user=ctx.coordinators[main.pk])
    notes = plan.extras.get("alerts", {}).get("acknowledge", [])
    first = (
        Alert.objects.for_org(main)
        .filter(state=State.OPEN, clinical=False)
        .order_by("member__code", "rule", "key")[: len(notes)]
    )
    for alert, note in zip(list(first), notes, strict=False):
        acknowledge.within(coordinator, alert, note=note)
