"""Seeded synthetic REDCap record exports, for tests, the benchmark and the demo.
Pure Python (synthetic data only: no real person's answers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable, Sequence

from peerpath.measures.definitions import Instrument


def member_code(i: int) -> str:
    return f"M{i + 1:05d}"


def redcap_records(
    instrument: Instrument,
    *,
    records: int,
    events: Sequence[str] = ("baseline_arm_1",),
    seed: int = 1,
    start: dt.date = dt.date(2025, 1, 6),
    code: Callable[[int], str] = member_code,
    form: str | None = None,
    missing_rate: float = 0.0,
    interval_days: int = 90,
) -> str:
    """A flat records export (raw values) of ``records`` records, one row per event (each
    person's answers follow a level of their own that drifts a little between events):
    ``record_id``, ``redcap_event_name`` (when there are several events), ``member_code``
    (on the first event's row only, as a demographics form would be), ``visit_date``,
    the form's items as ``<instrument id>_<item id>`` and ``<form>_complete`` = 2."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    form = form or instrument.id
    values = [sorted(instrument.response_sets[i.response_set].values) for i in instrument.items]
    continuous = [instrument.response_sets[i.response_set].continuous for i in instrument.items]
    safety = {rule.item for rule in instrument.safety}
    longitudinal = len(events) > 1
    header = ["record_id", *(["redcap_event_name"] if longitudinal else []), "member_code", "visit_date",
              *(f"{instrument.id}_{i.id}" for i in instrument.items), f"{form}_complete"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in range(records):
        first = start + dt.timedelta(days=rng.randrange(0, 60))
        level = rng.betavariate(2, 3)  # where this person stands on the scale, 0-1
        for e, event in enumerate(events):
            level = min(1.0, max(0.0, level + rng.gauss(0, 0.08)))  # drifts a little between events
            answers = []
            for item, options, is_continuous in zip(instrument.items, values, continuous, strict=True):
                if missing_rate and rng.random() < missing_rate:
                    answers.append("")
                elif is_continuous:
                    position = min(1.0, max(0.0, level + rng.gauss(0, 0.15)))
                    answers.append(f"{options[0] + position * (options[-1] - options[0]):.0f}")
                elif item.id in safety and rng.random() > 0.04:
                    answers.append(f"{options[0]:g}")  # a safety item is rarely answered above its lowest
                else:
                    index = round(level * (len(options) - 1) + rng.gauss(0, 0.6))
                    answers.append(f"{options[min(len(options) - 1, max(0, index))]:g}")
            taken = first + dt.timedelta(days=e * interval_days)
            writer.writerow([str(r + 1), *([event] if longitudinal else []), code(r) if e == 0 else "",
                             taken.isoformat(), *answers, "2"])
    return out.getvalue()
