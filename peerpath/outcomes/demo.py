"""The outcomes app's part of the demo association: three IPS-25 fidelity reviews
of the main organisation over the last 18 months, each better than the one before,
its outcome-report settings, and last quarter's programme report stored as a PDF
(as ``peerpath report programme --queue`` stores it; the report-files page of
``make run`` is not empty) (see peerpath/demo/generator.py)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from peerpath.demo.generator import DemoPlan
from peerpath.outcomes.fidelity import ITEM_IDS

# (days before the plan's day, the total aimed at, reviewers, notes by item): synthetic.
REVIEWS = [
    (540, 82, "外部：2 位 IPS 訓練師", {"1": "每位就業專員個案量約 30 人。", "15": "多數人入案後兩個月才首次接觸雇主。"}),
    (300, 96, "外部：IPS 訓練師；內部：督導", {"17": "每週雇主拜訪次數增加，但仍未達 6 次。"}),
    (60, 108, "外部：2 位 IPS 訓練師", {"1": "個案量已降至 20 人以下。", "22": "同儕追蹤支持與專業支持並行。"}),
]


def _ratings(rng: random.Random, total: int) -> dict[str, int]:
    """25 ratings 1–5 summing to ``total`` (25–125), spread at random."""
    ratings = dict.fromkeys(ITEM_IDS, 1)
    left = total - 25
    while left > 0:
        item = rng.choice([i for i in ITEM_IDS if ratings[i] < 5])
        ratings[item] += 1
        left -= 1
    return ratings


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Plain data under ``plan.extras["outcomes"]``: the planned reviews."""
    plan.extras["outcomes"] = {
        "reviews": [
            {"reviewed_on": (plan.today - dt.timedelta(days=days)).isoformat(), "reviewers": reviewers,
             "items": _ratings(rng, total), "notes": notes}
            for days, total, reviewers, notes in REVIEWS
        ]
    }


# The main organisation's outcome-report settings: Taiwan's three months for stable
# employment, and half a year without contact before time to first job stops
# following a member (the defaults, saved as an organisation would).
STABLE_EMPLOYMENT_DAYS = 90
INACTIVE_AFTER_DAYS = 180


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Record the planned reviews and the outcome-report settings as the main
    organisation's coordinator."""
    from peerpath.outcomes.actions import record_review, save_outcome_settings
    from peerpath.tenancy.models import Membership

    main = ctx.orgs["main"]
    coordinator = Membership.objects.get(organization=main, user=ctx.coordinators[main.pk])
    for review in plan.extras.get("outcomes", {}).get("reviews", []):
        record_review.within(
            coordinator, reviewed_on=dt.date.fromisoformat(review["reviewed_on"]), reviewers=review["reviewers"],
            items=review["items"], notes=review["notes"],
        )
    save_outcome_settings.within(coordinator, stable_employment_days=STABLE_EMPLOYMENT_DAYS,
                                 inactive_after_days=INACTIVE_AFTER_DAYS)
    # Last quarter's programme report, stored as the report task stores it.
    from peerpath.outcomes.files import store_report
    from peerpath.outcomes.period import quarter_label, quarter_of

    last_quarter = quarter_of(plan.today).start - dt.timedelta(days=1)
    store_report(f"demo-programme-{quarter_label(last_quarter)}", main.pk, "programme",
                 quarter_label(last_quarter), "zh-hant", {})
