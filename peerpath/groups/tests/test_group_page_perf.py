"""The group page's reads that do not depend on the group's size are compiled once
(``members.precompiled``), and give what the ORM gives: the group's own rows only,
in the same order, never another group's or another organisation's."""

from __future__ import annotations

import re
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


# _roster.html as it was before the group page's rows were written in Python.
OLD_ROSTER = """{% load i18n %}
<table class="list compact">
  <thead><tr><th scope="col">{% translate "Member" %}</th><th scope="col">{% translate "Joined" %}</th>{% if with_leave %}<th scope="col">{% translate "Left on" %}</th>{% endif %}</tr></thead>
  <tbody>
  {% for e in current_roster %}<tr><td><a href="{% url 'member_detail' code=e.member.code %}">{{ e.member.code }}</a> {{ e.member.name }}</td><td>{{ e.joined_on.isoformat }}</td>
    {% if with_leave %}<td><form method="post" class="inline">{% csrf_token %}<input type="hidden" name="action" value="leave"><input type="hidden" name="entry" value="{{ e.pk }}">
      <label for="leave-{{ e.pk }}" class="visually-hidden">{% translate "Left on" %}</label><input id="leave-{{ e.pk }}" type="date" name="leave-on" value="{% now 'Y-m-d' %}" class="date-inline">
      <button type="submit">{% translate "Record leaving" %}</button></form></td>{% endif %}</tr>
  {% empty %}<tr><td colspan="3" class="muted">{% translate "No one on the roster." %}</td></tr>{% endfor %}
  </tbody>
</table>
{% if past_roster %}<details><summary>{% blocktranslate count n=past_roster|length %}{{ n }} earlier membership{% plural %}{{ n }} earlier memberships{% endblocktranslate %}</summary>
<ul class="plain">{% for e in past_roster %}<li>{{ e.member.code }} {{ e.member.name }} <span class="muted">{{ e.joined_on.isoformat }} – {{ e.left_on.isoformat }}</span></li>{% endfor %}</ul></details>{% endif %}
"""


def tricky_roster(tenant, made) -> None:
    """Members whose codes and names need escaping and quoting, one of whom left."""
    first, second, *_rest = made.members
    first.code, first.name = "甲&1'<", """<b>"陳" & 'Lee'</b>"""
    first.save()
    second.code, second.name = "B 2+ü", "林 小明"
    second.save()
    left = RosterEntry.objects.get(group=made.group, member=second)
    left.left_on = days_ago(3)
    left.save()
    RosterEntry.objects.create(organization=tenant.org, group=made.group, member=second, joined_on=days_ago(2))


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_roster_is_the_template_s_on_both_pages(org_a, group_a, language):
    from django.template import engines, loader
    from django.test import RequestFactory
    from django.utils import translation

    from peerpath.groups import group_page

    tricky_roster(org_a, group_a)
    group = group_a.group
    entries = selectors.roster_history(group)
    old_context = {"current_roster": [e for e in entries if e.left_on is None],
                   "past_roster": [e for e in entries if e.left_on is not None]}
    rows = selectors.roster_rows(group)
    assert [(e.code, e.name, e.joined_on, e.left_on) for e in rows] == [
        (e.member.code, e.member.name, e.joined_on, e.left_on) for e in entries]
    current = [e for e in rows if e.left_on is None]
    past = [(e.code, e.name, e.joined_on, e.left_on) for e in rows if e.left_on is not None]
    request = RequestFactory().get("/")
    request.user = org_a.users["coordinator"]
    with translation.override(language):
        old = engines["django"].from_string(OLD_ROSTER)
        new = loader.get_template("groups/_roster.html")
        expected = old.render(old_context, request)
        assert new.render({**old_context, "current_rows": group_page.current_roster_rows(current),
                           "past_items": group_page.past_roster_items(past)}, request) == expected
        assert "&lt;b&gt;&quot;陳&quot; &amp; &#x27;Lee&#x27;&lt;/b&gt;" in expected
        assert "/members/%E7%94%B2&amp;1&#x27;%3C/" in expected and "B%202+%C3%BC" in expected
        assert "林 小明" in expected.split("<details>")[1]  # the earlier membership
        # The roster page (its forms in the template) with the earlier memberships written in Python.
        def unmasked(html: str) -> str:  # each render masks the CSRF token anew
            return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "csrf", html)

        expected = unmasked(old.render({**old_context, "with_leave": True}, request))
        assert "Record leaving" in expected or "記錄離開" in expected
        assert unmasked(new.render({**old_context, "with_leave": True, "past_items": group_page.past_roster_items(
            [(e.member.code, e.member.name, e.joined_on, e.left_on) for e in old_context["past_roster"]])},
            request)) == expected
        # No one on the roster.
        expected = old.render({"current_roster": [], "past_roster": []}, request)
        assert new.render({"current_roster": [], "past_roster": [], "current_rows": group_page.current_roster_rows([]),
                           "past_items": group_page.past_roster_items([])}, request) == expected


def test_the_group_page_shows_the_roster_as_the_template_wrote_it(client_for, org_a, group_a):
    from django.template import engines
    from django.test import RequestFactory
    from django.utils import translation

    tricky_roster(org_a, group_a)
    entries = selectors.roster_history(group_a.group)
    request = RequestFactory().get("/")
    request.user = org_a.users["coordinator"]
    with translation.override("en"):
        expected = engines["django"].from_string(OLD_ROSTER).render({
            "current_roster": [e for e in entries if e.left_on is None],
            "past_roster": [e for e in entries if e.left_on is not None]}, request)
    page = client_for("coordinator").get(f"/groups/{group_a.group.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in page.content.decode()
    assert expected in page.content.decode()


OLD_ATTENDANCE_ROWS = (
    """{% for month, attended, expected, rate in rows|slice:":12" %}<tr><td>{{ month|date:"Y-m" }}</td>"""
    """<td class="num">{{ attended }} / {{ expected }}</td><td class="num">{% if rate is not None %}"""
    """{% widthratio rate 1 100 %}%{% else %}—{% endif %}</td></tr>{% endfor %}"""
)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_attendance_rows_are_the_template_s(language):
    import datetime as dt

    from django.template import engines
    from django.utils import translation

    from peerpath.groups import group_page
    from peerpath.groups.profile import rate

    counts = [(0, 0), (0, 4), (1, 8), (1, 2), (3, 8), (27, 200), (2, 3), (1234, 1300), (5, 5), (7, 9), (1, 6), (4, 7),
              (9, 9)]
    rows = [(dt.date(2026 - i // 12, 12 - i % 12, 1), a, e, rate(a, e)) for i, (a, e) in enumerate(counts)]
    rows.append((dt.date(987, 3, 1), 1, 8, 0.125))  # a year of three digits; 12.5 % rounds to even
    with translation.override(language):
        for shown in (rows, rows[-3:], []):
            expected = engines["django"].from_string(OLD_ATTENDANCE_ROWS).render({"rows": shown})
            assert group_page.attendance_rows(shown[:12]) == expected
    expected = engines["django"].from_string(OLD_ATTENDANCE_ROWS).render({"rows": rows})
    assert "<td>2026-12</td>" in expected and ">—<" in expected and ">12%<" in expected and ">50%<" in expected
