"""The dashboard's lists written in Python (``workspace.dashboard_render``) give, byte
for byte, what the template's loops they replaced gave, in both languages, on data
that reaches every branch: no name, markup in names and codes, overdue and not,
intake, several questionnaires, an unknown questionnaire, a flag raised late in the
evening UTC (the next day in Taipei)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from peerpath.measures.due import Due
from peerpath.measures.models import Administration, ResultFlag
from peerpath.members.models import Member
from peerpath.workspace.dashboard_render import due_items, result_flag_items

# The template's loops, as dashboard.html wrote them before.
DUE_TEMPLATE = """{% load i18n %}{% for m, items in due %}<li><a href="{{ m.questionnaires_url }}">{{ m.code }} {{ m.name }}</a>:
    {% for name, d in items %}<span class="{% if d.overdue %}no{% endif %}">{{ name }} {{ d.due_on|date:"Y-m-d" }}{% if d.overdue %} ({% translate "overdue" %}){% endif %}</span>{% if not forloop.last %}, {% endif %}{% endfor %}</li>{% endfor %}"""  # noqa: E501
FLAGS_TEMPLATE = """{% load measures %}{% for f in result_flags %}<li><a href="{{ f.member.questionnaires_url }}">{{ f.member.code }} {{ f.member.name }}</a>
    <span class="muted">{{ f.administration.instrument_id|short_name }} · {{ f.get_kind_display }} · {{ f.raised_at|date:"Y-m-d" }}</span></li>{% endfor %}"""  # noqa: E501


def _member(code: str, name: str | None) -> SimpleNamespace:
    return SimpleNamespace(code=code, name=name, questionnaires_url=f"/members/{code}/questionnaires/?a=1&b=<2>")


def _due() -> list[tuple[SimpleNamespace, list[tuple[str, Due]]]]:
    day = dt.date(2026, 3, 9)
    return [
        (_member("A0001", "陳小明"), [("PHQ-9", Due("phq9", day, True, "intake"))]),
        (_member("A0002", ""), [("PHQ-9", Due("phq9", day, False, "every")), ("WHO-5", Due("who5", day, True, "every")),
                                ("GSES", Due("gses", dt.date(987, 1, 2), False, "every"))]),
        (_member('A<0003>&"', '<b>"Lin" & \'Wu\'</b>'), [("I<S>MI", Due("ismi29", day, False, "intake"))]),
        (_member("A0004", None), []),
    ]


def _flags() -> list[ResultFlag]:
    late_evening = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)  # 2026-03-02 01:30 in Taipei
    found = []
    for n, (instrument, kind, name, at) in enumerate([
        ("phq9", "safety", "陳小明", late_evening),
        ("who5", "deterioration", '<i>"x" & y</i>', late_evening - dt.timedelta(days=40)),
        ("no-such-questionnaire<>", "safety", "", dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC)),
    ]):
        member = Member(code=f"A{n}&<>", name=name)
        member.questionnaires_url = f"/members/A{n}/questionnaires/"
        found.append(ResultFlag(member=member, administration=Administration(instrument_id=instrument), kind=kind,
                                raised_at=at))
    return found


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_due_list_is_the_templates_byte_for_byte(language):
    due = _due()
    with translation.override(language):
        expected = Template(DUE_TEMPLATE).render(Context({"due": due}))
        assert str(due_items(due)) == expected
    assert "(overdue)" in expected or "逾期" in expected
    assert "A&lt;0003&gt;&amp;&quot;" in expected and "0987-01-02" in expected


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_results_to_follow_up_are_the_templates_byte_for_byte(language, settings):
    settings.TIME_ZONE = "Asia/Taipei"
    flags = _flags()
    with translation.override(language):
        expected = Template(FLAGS_TEMPLATE).render(Context({"result_flags": flags}))
        assert str(result_flag_items(flags)) == expected
    assert "2026-03-02" in expected and "2026-03-01" not in expected.split("</li>")[0]
    assert "no-such-questionnaire&lt;&gt;" in expected


def test_nothing_to_show_gives_no_item():
    assert str(due_items([])) == "" and str(result_flag_items([])) == ""


# -- on the page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_coordinators_page_shows_the_due_list_as_the_template_wrote_it(coordinator, org_a):
    from peerpath.workspace.tests.test_dashboard import _with_plan_and_results

    _with_plan_and_results(org_a, 0, 12)
    response = coordinator.get("/dashboard/")
    due = response.context["due"]
    assert len(due) > 10 and any(d.overdue for _, items in due for _, d in items)
    assert all(m.questionnaires_url == f"/members/{m.code}/questionnaires/" for m, _ in due)
    listed = Template(DUE_TEMPLATE).render(Context({"due": due}))
    assert f'<ul class="plain">{listed}</ul>' in response.content.decode()


@pytest.mark.django_db
def test_a_professionals_dashboard_lists_their_current_caseload_by_code_with_the_stage(client_for, org_a, org_b):
    from tests.factories import CareTeamFactory, MemberFactory, StageChangeFactory

    pro, by = org_a.users["professional"], org_a.users["coordinator"]
    found = {}
    for code, status in (("P0002", "active"), ("P0001", "active"), ("P0003", "active"), ("P0004", "active"),
                         ("P0005", "closed")):
        found[code] = MemberFactory(organization=org_a.org, code=code, name=f"<{code}>", status=status)
    StageChangeFactory(member=found["P0002"], stage="rebuilding", changed_on=dt.date(2026, 1, 5), recorded_by=by)
    for code in ("P0001", "P0002", "P0005"):
        CareTeamFactory(member=found[code], professional=pro, assigned_by=by)
    CareTeamFactory(member=found["P0003"], professional=pro, started_on=dt.date(2025, 1, 1),
                    ended_on=dt.date(2025, 6, 1), assigned_by=by)  # no longer theirs
    CareTeamFactory(member=found["P0004"], professional=org_a.users["coordinator"], assigned_by=by)
    CareTeamFactory(member=MemberFactory(organization=org_b.org, code="P0000"), professional=pro,
                    assigned_by=org_b.users["coordinator"])  # another organisation's, whoever is named
    with translation.override("en"):
        response = client_for("professional").get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    caseload = [m for m in response.context["caseload"] if m.code.startswith("P")]
    assert [(m.code, m.name, m.stage_label) for m in caseload] == [("P0001", "<P0001>", ""),
                                                                     ("P0002", "<P0002>", "Rebuilding")]
    page = response.content.decode()
    assert '<li><a href="/members/P0002/">P0002 &lt;P0002&gt;</a>' in page
    assert "P0003" not in page and "P0004" not in page and "P0000" not in page
