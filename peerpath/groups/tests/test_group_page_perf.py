"""The group page's reads that do not depend on the group's size are compiled once
(``members.precompiled``), and give what the ORM gives: the group's own rows only,
in the same order, never another group's or another organisation's."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler

from peerpath.groups import selectors
from peerpath.groups.models import Attendance, CriticalIncident, Norm, RosterEntry, Session
from peerpath.groups.tests.conftest import days_ago, make_group


def fill(tenant, g, weeks: int) -> None:
    """Sessions with attendance and an incident, a member who left and a retired norm."""
    for w in range(weeks):
        s = Session.objects.create(organization=tenant.org, group=g.group, date=days_ago(2 + 7 * w),
                                   theme=f"主題 {w}", recorded_by=tenant.users["peer_leader"])
        for m in g.members:
            Attendance.objects.create(organization=tenant.org, session=s, member=m,
                                      status="present" if w % 2 else "absent")
        if w % 3 == 0:
            CriticalIncident.objects.create(organization=tenant.org, session=s, member=g.members[0], text="有收穫",
                                            recorded_by=tenant.users["peer_leader"])
    left = RosterEntry.objects.get(group=g.group, member=g.members[-1])
    left.left_on = days_ago(30)
    left.save()
    g.norms[0].retired_on = days_ago(10)
    g.norms[0].save()
    Norm.objects.create(organization=tenant.org, group=g.group, text="準時開始", proposed_on=days_ago(5),
                        created_by=tenant.users["peer_leader"])


@pytest.fixture
def groups(org_a, org_b, group_a):
    """Group A of organisation A, another group of A and a group of B, all with
    sessions, incidents, a member who left and norms in every state."""
    other = make_group(org_a, name="另一個團體", size=3)
    b = make_group(org_b, name="B 團體", size=4)
    fill(org_a, group_a, 25)
    fill(org_a, other, 6)
    fill(org_b, b, 6)
    return group_a, other, b


def test_the_roster_norms_and_sessions_are_the_orm_s_rows_of_the_group_only(groups):
    for g in groups:
        group = g.group
        roster = selectors.roster_history(group)
        assert [(e.pk, e.member.code, e.member.name, e.joined_on, e.left_on) for e in roster] == [
            (e.pk, e.member.code, e.member.name, e.joined_on, e.left_on)
            for e in RosterEntry.objects.filter(group=group).select_related("member")
            .order_by("left_on", "member__code", "-joined_on")
        ]
        assert {e.organization_id for e in roster} == {e.member.organization_id for e in roster} == {
            group.organization_id}
        assert [(n.pk, n.text, n.state) for n in selectors.norms_of(group)] == [
            (n.pk, n.text, n.state) for n in Norm.objects.filter(group=group).order_by("proposed_on", "pk")
        ]
        attendance = selectors.attendance_rows(group)
        sessions, first = selectors.latest_sessions(group)
        selectors.count_attendance(sessions, attendance)
        expected = list(Session.objects.filter(group=group).annotate(n=Count("incidents")).order_by("-date")[:20])
        assert [(s.pk, s.date, s.theme, s.incident_count) for s in sessions] == [
            (s.pk, s.date, s.theme, s.n) for s in expected]
        assert first == Session.objects.filter(group=group).earliest("date").date
        assert [(s.attended, s.expected) for s in sessions] == [
            (Attendance.objects.filter(session=s, status__in=["present", "late"]).count(),
             Attendance.objects.filter(session=s, status__in=["present", "late", "absent"]).count())
            for s in expected]


def test_a_second_group_page_compiles_no_query_of_its_own(client_for, groups, monkeypatch):
    group_a, other, _b = groups
    client = client_for("coordinator")
    client.get(f"/groups/{other.group.pk}/")  # another group's page: the same shapes
    compiled: Counter[str] = Counter()
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled[self.query.model._meta.label] += 1
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    page = client.get(f"/groups/{group_a.group.pk}/")
    assert page.status_code == 200
    assert len(page.context["sessions"]) == 20
    assert not {"groups.RosterEntry", "groups.Norm", "groups.Session", "groups.Attendance", "groups.IncidentCoding",
                "measures.StoredScore"} & set(compiled), compiled


# The sessions table's rows as the template wrote them before they were written in Python.
OLD_SESSION_ROWS = (
    """{% for s in sessions %}<tr><td><a href="{% url 'session_detail' pk=group.pk session_id=s.pk %}">"""
    """{{ s.date.isoformat }}</a></td><td>{{ s.theme|default:"—" }}</td>
      <td class="num">{{ s.attended }} / {{ s.expected }}</td><td class="num">{{ s.incident_count }}</td></tr>"""
    """{% endfor %}"""
)


def test_the_session_rows_are_the_template_s(groups):
    from django.template import engines

    from peerpath.groups import group_page

    group_a = groups[0]
    first, second = Session.objects.filter(group=group_a.group).order_by("-date")[:2]
    first.theme = """<b>"界線" & 'self-care'</b>"""
    first.save()
    second.theme = ""
    second.save()
    group = group_a.group
    sessions, _first = selectors.latest_sessions(group)
    selectors.count_attendance(sessions, selectors.attendance_rows(group))
    assert sessions[0].theme.startswith("<b>") and sessions[1].theme == ""
    expected = engines["django"].from_string(OLD_SESSION_ROWS).render({"sessions": sessions, "group": group})
    assert group_page.session_rows(group, sessions) == expected
    assert "&lt;b&gt;&quot;界線&quot; &amp; &#x27;self-care&#x27;&lt;/b&gt;" in expected


OLD_CLIMATE_ROWS = (
    """{% for day, means, n in table %}<tr><td>{{ day.isoformat }}</td>{% for m in means %}<td class="num">"""
    """{% if m is not None %}{{ m|floatformat:1 }}{% else %}—{% endif %}</td>{% endfor %}<td class="num">{{ n }}</td>"""
    """</tr>{% endfor %}"""
)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_climate_rows_are_the_template_s(language):
    import datetime as dt

    from django.template import engines
    from django.utils import translation

    from peerpath.groups import group_page

    table = [(dt.date(2026, 3, 4), [2.25, None, 0.05], 3), (dt.date(2026, 2, 25), [-0.04, 10.0, 1234.56], 12),
             (dt.date(2026, 2, 18), [1 / 3, 2 / 3, 0.0], 1000)]
    with translation.override(language):
        expected = engines["django"].from_string(OLD_CLIMATE_ROWS).render({"table": table})
        assert group_page.climate_rows(table) == expected
    assert "—" in expected and "2026-03-04" in expected


def test_the_group_read_compiled_once_keeps_to_the_viewer_s_groups_and_organisation(client_for, org_a, org_b, groups):
    group_a, other, b = groups
    other.group.peer_leader = None
    other.group.save()
    co_led = make_group(org_a, name="共同帶領", peer_leader=False)  # co-facilitated by A's peer leader
    co_led.group.co_facilitator = org_a.users["peer_leader"]
    co_led.group.save()
    leader, coordinator = client_for("peer_leader"), client_for("coordinator")
    for _ in range(2):  # the second time from the compiled shapes
        assert leader.get(f"/groups/{group_a.group.pk}/").status_code == 200
        assert leader.get(f"/groups/{co_led.group.pk}/").status_code == 200
        assert leader.get(f"/groups/{other.group.pk}/").status_code == 404
        assert leader.get(f"/groups/{b.group.pk}/").status_code == 404
        assert coordinator.get(f"/groups/{other.group.pk}/").status_code == 200
        assert coordinator.get(f"/groups/{b.group.pk}/").status_code == 404
        assert client_for("coordinator", org_b).get(f"/groups/{b.group.pk}/").status_code == 200
        assert client_for("coordinator", org_b).get(f"/groups/{group_a.group.pk}/").status_code == 404
