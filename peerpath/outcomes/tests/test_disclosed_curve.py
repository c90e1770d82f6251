"""Survival curves where small cells are hidden: they stop before fewer than the
threshold remain at risk, and no step shows fewer events than the threshold."""

from __future__ import annotations

import numpy as np

from peerpath.outcomes import survival
from peerpath.outcomes.reports.tenure import disclosed_curve


def _durations(days: list[float], observed: list[bool]) -> survival.Durations:
    return survival.Durations(np.asarray(days, dtype=float), np.asarray(observed, dtype=bool),
                              np.arange(len(days)))


def test_no_step_reveals_fewer_events_than_the_threshold_and_the_curve_stops_with_few_at_risk():
    rng = np.random.default_rng(3)
    days = list(rng.integers(1, 400, size=40).astype(float))
    observed = list(rng.random(40) < 0.7)
    d = _durations(days, observed)
    km = survival.kaplan_meier(d)
    assert km is not None
    times, values, _low, _high = disclosed_curve(km, d, 5)
    assert times[0] == 0 and values[0] == 1.0
    for before, t in zip(times, times[1:], strict=False):
        events = int(((d.durations > before) & (d.durations <= t) & d.observed).sum())
        assert events >= 5, (before, t, events)
        assert d.members_at_risk(t) >= 5
    # the full curve has single-event steps; the disclosed one has fewer steps
    assert len(times) < len(km.times)


def test_a_curve_of_few_events_shows_no_step():
    d = _durations([10, 20, 30, 40, 50, 60], [True, False, True, False, False, False])
    km = survival.kaplan_meier(d)
    assert km is not None
    assert disclosed_curve(km, d, 5)[0] == [0.0]
