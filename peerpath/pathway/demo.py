"""The pathway app's part of the demo association (see peerpath/demo/generator.py)."""

from __future__ import annotations

import random
from typing import Any

from peerpath.demo.generator import DemoPlan


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Add this app's planned data to ``plan.extras["pathway"]`` (plain data, no Django)."""


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
