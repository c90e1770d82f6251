"""The therapeutic-factor profile per quarter and attendance rates (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.groups.profile import factor_profile, quarter_of, quarter_start, rate


def test_quarters():
    assert quarter_of(dt.date(2026, 3, 31)) == "2026-Q1"
    assert quarter_of(dt.date(2026, 4, 1)) == "2026-Q2"
    assert quarter_start(dt.date(2026, 11, 26)) == dt.date(2026, 10, 1)


def test_the_profile_is_the_share_of_a_quarters_incidents_naming_each_factor():
    coded = [
        (dt.date(2026, 1, 7), ["hope", "cohesiveness"]),
        (dt.date(2026, 2, 4), ["hope"]),
        (dt.date(2026, 3, 4), ["altruism", "unknown"]),
        (dt.date(2026, 4, 1), ["hope", "hope"]),
    ]
    q1, q2 = factor_profile(["hope", "altruism", "cohesiveness"], coded)
    assert (q1.quarter, q1.incidents) == ("2026-Q1", 3)
    assert q1.shares == pytest.approx({"hope": 2 / 3, "altruism": 1 / 3, "cohesiveness": 1 / 3})
    assert (q2.quarter, q2.incidents, q2.counts["hope"]) == ("2026-Q2", 1, 1)


def test_attendance_rate_leaves_out_excused_absences():
    assert rate(3, 4) == 0.75
    assert rate(0, 0) is None
