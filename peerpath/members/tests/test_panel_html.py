"""Panels of the member page written in Python (``Panel.html``) give the HTML
their templates give, byte for byte, in every language, on contexts reaching
every branch of the template, with values to escape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from peerpath.members.panels import Panel

LANGUAGES = ("en", "zh-hant")


def _same(html: str, template: str, context: dict, page: dict | None = None) -> None:
    expected = render_to_string(template, {**(page or {}), "panel": Panel(template=template, title=context.pop(
        "_title"), context=context)})
    assert str(html) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_peer_groups_panel_in_python_is_the_template(language):
    from peerpath.groups.member_page import panel_html
    from peerpath.groups.models import Attendance, PeerGroup, RosterEntry, Session

    def entry(pk, name, day):
        return RosterEntry(group=PeerGroup(pk=pk, name=name), joined_on=day)

    last = Attendance(session=Session(date=dt.date(2026, 5, 6), group=PeerGroup(pk=9, name="g&h <i>")),
                      status="present")
    contexts = [
        {"current": [entry(3, "a<b>'\"&", dt.date(2024, 1, 2)), entry(12, "週三團體", dt.date(999, 12, 31))],
         "attended": 2, "expected": 3, "rate": 2 / 3, "last": last, "months": 3},
        {"current": [], "attended": 0, "expected": 0, "rate": None, "last": None, "months": 1},
        {"current": [entry(4, "x", dt.date(2025, 7, 8))], "attended": 1, "expected": 8, "rate": 1 / 8,
         "last": None, "months": 2},
        {"current": [], "attended": 5, "expected": 5, "rate": 1.0, "last": last, "months": 3},
        {"current": [], "attended": 0, "expected": 2, "rate": 0.0, "last": last, "months": 3},
        {"current": [], "attended": 1, "expected": 200, "rate": 1 / 200, "last": last, "months": 3},
    ]
    with translation.override(language):
        for context in contexts:
            for title in ("Peer groups", "<同儕> & '團體'"):
                html = panel_html(title, context)
                _same(html, "groups/_member_panel.html", {**context, "_title": title})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_helping_panel_in_python_is_the_template(language):
    from peerpath.members.models import Member
    from peerpath.pathway.member_page import helping_html
    from peerpath.pathway.selectors import HelpingSummary

    member = Member(pk=42, code="A0042")
    with translation.override(language):
        for summary in (HelpingSummary(0, 0, 0, 0, 0), HelpingSummary(90, 45, 30, 1, 7, 3, 4),
                        HelpingSummary(12345, 59, 61, 0, 2)):
            for may_log in (True, False):
                for title in ("Helping", "<協助> & '時數'"):
                    context = {"summary": summary, "recent_days": 90}
                    html = helping_html(title, context, member, may_log)
                    _same(html, "pathway/_panel_helping.html", {**context, "_title": title},
                          {"member": member, "can": {"helping_log": may_log}})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_work_panel_in_python_is_the_template(language):
    from peerpath.employment.member_page import work_html
    from peerpath.employment.models import Employer, Job, JobEnding
    from peerpath.members.models import Member

    def job(title, employer, start, end=None, reason=None, ending=True):
        found = Job(title=title, employer=Employer(name=employer), start_date=start, end_date=end)
        if ending:
            Job.ending.related.set_cached_value(found, None if reason is None else JobEnding(reason=reason))
        return found

    member = Member(pk=7, code="A<7>")
    day = dt.date(2026, 3, 4)
    first, second = job("廚房<助手>", "麵包 & \"店\"", dt.date(2025, 1, 2)), job("清潔", "'甲'", dt.date(2026, 1, 1))
    contexts = [
        {"status_label": "Working <competitive>", "current": [(first, 1), (second, 62)], "last_ended": None,
         "last_professional": day, "last_peer": None},
        {"status_label": "Not working", "current": [], "last_ended": job("x", "y", day, day, "fired"),
         "last_professional": None, "last_peer": day},
        {"status_label": "Not working", "current": [], "last_ended": job("x", "y", day, day, None),
         "last_professional": None, "last_peer": None},
        {"status_label": "Not working", "current": [], "last_ended": job("x", "y", day, day, ending=False),
         "last_professional": day, "last_peer": day},
        {"status_label": "Not working", "current": [], "last_ended": None, "last_professional": None,
         "last_peer": None},
        {"status_label": "Working", "current": [(second, 0)], "last_ended": job("x", "y", day, day, "quit"),
         "last_professional": None, "last_peer": None},
    ]
    with translation.override(language):
        for context in contexts:
            for may_log in (True, False):
                for title in ("Work", "<工作> & '就業'"):
                    html = work_html(title, context, member, may_log)
                    _same(html, "employment/panel_work.html", {**context, "_title": title},
                          {"member": member, "can": {"support_log": may_log}})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pathway_panel_in_python_is_the_template(language):
    from peerpath.members.models import Member
    from peerpath.pathway import readiness
    from peerpath.pathway.member_page import pathway_html
    from peerpath.pathway.models import TrainingCompletion, TrainingModule
    from peerpath.pathway.selectors import Readiness

    member = Member(pk=7, code="A<7>")
    criteria = [readiness.Criterion(id=1, kind=readiness.MONTHS, threshold=6),
                readiness.Criterion(id=2, kind="training_module", module_id=5, module_name="<同儕> & '支持'"),
                readiness.Criterion(id=3, kind="recovery_stage_at_least", stage="preparation")]
    facts = readiness.MemberFacts(months_in_programme=7, sessions_attended=2, modules_completed=frozenset({9}),
                                  current_role="buddy", stage="awareness")
    all_met = readiness.MemberFacts(months_in_programme=70, sessions_attended=2, modules_completed=frozenset({5}),
                                    current_role="buddy", stage="growth")
    checks = readiness.checklist(criteria, facts)
    lists = [[], [Readiness("group_leader", checks)],
             [Readiness("group_leader", readiness.checklist(criteria, all_met)),
              Readiness("peer_specialist", checks[:1])]]
    done = [TrainingCompletion(module=TrainingModule(pk=5, name=name)) for name in ("甲<模組>", "'乙' & 丙")]
    with translation.override(language):
        for found in lists:
            for completed in ([], done[:1], done):
                for since, final, may_match in ((None, False, True), (dt.date(2024, 2, 3), True, False)):
                    for title in ("Helper pathway", "<路徑> & '同儕'"):
                        context = {"current_label": "Peer <buddy>", "since": since, "readiness": found,
                                   "final": final, "completed": completed}
                        html = pathway_html(title, context, member, may_match)
                        _same(html, "pathway/_panel_pathway.html", {**context, "_title": title},
                              {"member": member, "can": {"mentor_match": may_match}})
