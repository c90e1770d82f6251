"""The imports app's part of the demo (see peerpath/demo/generator.py EXTENSIONS).

``extend_plan`` plans one questionnaire import of the main association, as plain data in
``plan.extras["exchange"]``: five WHO-5 responses of active members, answered on paper at
a group evening a week before the demo's day and brought in from a spreadsheet by the
coordinator. ``load`` builds that spreadsheet (CSV), checks it and writes it exactly as
an import does, so that the imports page has one committed import to show; the file
itself is not kept, as after any import.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from peerpath.demo.generator import DemoPlan

INSTRUMENT = "who5"
ITEMS = ["1", "2", "3", "4", "5"]
FILE_NAME = "who5-group-evening.csv"


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    active = [m for m in plan.members if m.org == "main" and m.status == "active"]
    chosen = sorted(rng.sample(active, min(5, len(active))), key=lambda m: m.code)
    taken_on = plan.today - dt.timedelta(days=7)
    rows = []
    for member in chosen:
        level = rng.randint(1, 4)
        answers = [min(5, max(0, level + rng.choice([-1, 0, 0, 1]))) for _ in ITEMS]
        rows.append((member.code, taken_on.isoformat(), answers))
    plan.extras["exchange"] = {"instrument": INSTRUMENT, "file_name": FILE_NAME, "rows": rows}


def load(plan: DemoPlan, ctx: Any) -> None:
    """Write the planned import inside the demo's transaction: the same check and the
    same writer as a real import, and its audit entry."""
    from django.utils import timezone

    from peerpath.audit import actions as audit
    from peerpath.audit.models import Event
    from peerpath.exchange import actions, kinds, storage
    from peerpath.exchange.models import ImportBatch, Kind, State
    from peerpath.tenancy.models import Membership

    extra = plan.extras.get("exchange")
    if not extra or not extra["rows"]:
        return
    org = ctx.orgs["main"]
    membership = Membership.objects.select_related("organization", "user").get(
        organization=org, user=ctx.coordinators[org.pk])
    lines = ["會員編號,填答日期," + ",".join(f"{INSTRUMENT}_{i}" for i in ITEMS)]
    lines += [f"{code},{taken_on}," + ",".join(str(a) for a in answers) for code, taken_on, answers in extra["rows"]]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    table = actions.read_file(data)
    options = {"instrument": extra["instrument"], "reason": "group_session"}
    mapping = actions.suggested_mapping(Kind.RESPONSES, table, options)
    check = kinds.check_responses(membership, table, {int(k): v for k, v in mapping.items() if v}, options)
    if check.problems:
        raise ValueError(f"the demo import has problems: {[str(p) for p in check.problems]}")
    created = kinds.write_responses_plans(membership, check.plan)
    now = timezone.now()
    batch = ImportBatch.objects.create(
        organization=org, kind=Kind.RESPONSES, file_name=extra["file_name"], file_sha256=storage.sha256(data),
        file_size=len(data), file_format="csv", header=list(table.header), n_rows=len(table.rows), mapping=mapping,
        options=options, mapped=True, state=State.COMMITTED, n_new=check.n_new, n_present=check.n_present,
        result=created, created_by=membership.user, checked_at=now, committed_at=now,
    )
    audit.record_by(membership, Event.IMPORT_COMMITTED, target=batch,
                    extra={"kind": batch.kind, "created": created, "demo": True})
