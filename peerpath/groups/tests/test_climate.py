"""The group climate on the group page: the mean GCQ-S scores of the members who
attended each session (present or late), on the session's day, shown only when at
least CLIMATE_MIN_ANSWERS members answered."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peerpath.groups.group_page import CLIMATE_MIN_ANSWERS
from peerpath.groups.models import Attendance, Session
from peerpath.groups.tests.conftest import days_ago, make_group
from peerpath.measures.library import instrument
from peerpath.measures.models import Administration, StoredScore


def gcqs(member, day: dt.date, **scores: float | None) -> None:
    inst = instrument("gcqs")
    admin = Administration.objects.create(organization=member.organization, member=member, instrument_id="gcqs",
                                          instrument_version=inst.version, mode="kiosk", status="completed",
                                          taken_on=day)
    for score_id, value in scores.items():
        StoredScore.objects.create(organization=member.organization, administration=admin, member=member,
                                   instrument_id="gcqs", score_id=score_id, value=value, n_answered=12,
                                   taken_on=day, definition_version=inst.version, computed_at=timezone.now())


def session(tenant, group, day: dt.date, statuses: dict) -> Session:
    s = Session.objects.create(organization=tenant.org, group=group, date=day, recorded_by=tenant.users["peer_leader"])
    for member, status in statuses.items():
        Attendance.objects.create(organization=tenant.org, session=s, member=member, status=status)
    return s


def test_the_climate_is_the_mean_of_the_members_who_attended_on_the_day(client_for, org_a, org_b, group_a):
    assert CLIMATE_MIN_ANSWERS == 3
    m = group_a.members
    d1, d2, d3 = days_ago(14), days_ago(7), days_ago(3)
    session(org_a, group_a.group, d1, {m[0]: "present", m[1]: "present", m[2]: "late", m[3]: "absent"})
    session(org_a, group_a.group, d2, {m[0]: "present", m[1]: "present", m[2]: "excused", m[3]: "present"})
    gcqs(m[0], d1, engaged=4.0, avoiding=1.0, conflict=0.0)
    gcqs(m[1], d1, engaged=5.0, avoiding=2.0, conflict=1.0)
    gcqs(m[2], d1, engaged=3.0, avoiding=None, conflict=2.0)  # not scorable: left out of that mean
    gcqs(m[3], d1, engaged=0.0, avoiding=0.0, conflict=0.0)  # absent that day: left out
    gcqs(m[0], d2, engaged=1.0)
    gcqs(m[1], d2, engaged=1.0)  # two answers on d2: fewer than the minimum, not shown
    gcqs(m[0], d3, engaged=6.0)  # no session that day
    gcqs(m[1], d3, engaged=6.0)
    gcqs(m[3], d3, engaged=6.0)
    # Another group of the organisation meets on d1; another organisation's members answer on d1.
    other = make_group(org_a, name="另一個團體", size=4)
    session(org_a, other.group, d1, {x: "present" for x in other.members[1:]})
    for x in other.members[1:]:
        gcqs(x, d1, engaged=0.0, avoiding=0.0, conflict=0.0)
    b = make_group(org_b, name="B 團體", size=4)
    session(org_b, b.group, d1, {x: "present" for x in b.members})
    for x in b.members:
        gcqs(x, d1, engaged=0.0, avoiding=0.0, conflict=0.0)

    climate = client_for("professional").get(f"/groups/{group_a.group.pk}/").context["climate"]

    ids = [s.id for s in climate["instrument"].scores]
    expected = {"engaged": 4.0, "avoiding": None, "conflict": 1.0}  # avoiding: two answers on d1
    assert climate["table"] == [(d1, [expected[i] for i in ids], 3)]
