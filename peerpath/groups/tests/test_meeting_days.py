"""Meeting days from a schedule text or the group's recent sessions (no database)."""

from __future__ import annotations

import datetime as dt

from peerpath.groups.meeting_days import (
    is_meeting_day,
    meeting_weekdays,
    next_meeting,
    weekdays_in_schedule,
    weekdays_of_sessions,
)

WED = dt.date(2026, 12, 2)  # a Wednesday


def test_a_chinese_or_english_schedule_names_its_weekdays():
    assert weekdays_in_schedule("每週三 19:00–20:30") == {2}
    assert weekdays_in_schedule("星期二、星期五上午") == {1, 4}
    assert weekdays_in_schedule("Wednesdays 14:00–15:30, weekly") == {2}
    assert weekdays_in_schedule("Mon and Thu") == {0, 3}
    assert weekdays_in_schedule("") == set()
    assert weekdays_in_schedule("monthly, by appointment") == set()


def test_without_weekdays_in_the_schedule_the_recent_sessions_decide():
    weekly = [WED - dt.timedelta(weeks=n) for n in range(6)]
    odd_one = [dt.date(2026, 11, 27)]  # a Friday, once
    assert weekdays_of_sessions(weekly + odd_one) == {2}
    assert weekdays_of_sessions(odd_one) == {4}
    assert meeting_weekdays("", weekly) == {2}
    assert meeting_weekdays("每週五", weekly) == {4}


def test_a_day_off_the_meeting_days_is_flagged_and_any_day_is_fine_when_none_are_known():
    assert is_meeting_day(WED, {2})
    assert not is_meeting_day(WED + dt.timedelta(days=1), {2})
    assert is_meeting_day(WED + dt.timedelta(days=1), set())


def test_the_next_meeting_is_the_first_meeting_day_from_today():
    assert next_meeting({2}, WED) == WED
    assert next_meeting({2}, WED, include=False) == WED + dt.timedelta(weeks=1)
    assert next_meeting({4}, WED) == WED + dt.timedelta(days=2)
    assert next_meeting(set(), WED) is None
