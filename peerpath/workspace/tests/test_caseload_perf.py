"""The caseload's faster paths give the page it gave before, and keep to the organisation.

The members query is compiled once per shape (``members.precompiled``) and run with
each request's organisation and professional; the rows are written with texts
translated once per page. The expected rows below are the page as the template
wrote it before those changes, on data that reaches every branch of a row.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from peerpath.alerts.compute import compute_alerts
from peerpath.employment import actions as employment
from peerpath.measures.models import PlanRule
from peerpath.tenancy.middleware import SESSION_ORG_KEY
from tests.factories import CareTeamFactory, MemberFactory, MembershipFactory, StageChangeFactory

pytestmark = pytest.mark.usefixtures("without_urgent_panels")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def on_caseload(tenant, code: str, name: str, professional=None, enrolled: int = 300):
    member = MemberFactory(organization=tenant.org, code=code, name=name, enrolment_date=days_ago(enrolled))
    CareTeamFactory(member=member, professional=professional or tenant.users["professional"],
                    started_on=days_ago(enrolled), assigned_by=tenant.users["coordinator"])
    return member


def start_job(tenant, member, started: int, competitive: bool = True):
    return employment.start_job(
        tenant.staff["professional"], member, new_employer={"name": f"Shop {member.code}", "sector": "retail"},
        title="Clerk", start_date=days_ago(started), hours_per_week=Decimal("20"), hourly_wage=Decimal("190"),
        in_community=True, open_to_anyone=competitive, minimum_wage_or_more=True, disclosure="none",
    )


def contact(tenant, member, ago: int):
    return employment.log_support_contact(
        tenant.staff["professional"], member, contacted_on=days_ago(ago), track="professional",
        kind="follow_along", place="workplace", minutes=30,
    )


def tbody(page: str) -> str:
    """The rows, with alert ids and dates (days from today) that do not change between runs."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    today = timezone.localdate()

    def day(match: re.Match[str]) -> str:
        return f"today{(dt.date.fromisoformat(match.group(0)) - today).days:+d}"

    return re.sub(r"\d{4}-\d{2}-\d{2}", day, re.sub(r"/alerts/\d+/", "/alerts/N/", body))


EXPECTED_ROWS = """\
<tr id="row-A0701">
    <td class="member"><a href="/members/A0701/">A0701 Lin &lt;b&gt;&quot;&amp;&#x27;</a></td>
    <td data-label="Recovery stage">Rebuilding</td>
    <td class="job" data-label="Work"><span class="yes">Working (competitive job)</span>
      <span class="muted small">since today-60</span>
      </td>
    <td class="num contact" data-label="Days since last contact"><span>1 day</span></td>
    <td class="due" data-label="Next questionnaire"><span class="no">PHQ-9 today-210 (overdue)</span></td>
    <td class="alerts" data-label="Open alerts"><details class="alert-line">
      <summary>No helping contact given or received in the last 60 days. <span class="badge">+1</span></summary>
      <ul class="plain"><li class="alert-isolated"><span class="muted">Suggested: Invite the member to a group or pair them with a peer buddy.</span>
        <a href="/alerts/N/resolve/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0701">Resolve</a></li><li class="alert-overdue">PHQ-9 was due on today-210 and is overdue. <span class="muted">Suggested: Offer the questionnaire at the next contact or send a self-report link.</span>
        <a href="/alerts/N/resolve/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0701">Resolve</a></li></ul>
    </details></td>
    <td class="row-actions"><details class="menu">
      <summary>Actions<span class="visually-hidden"> A0701</span></summary>
      <ul class="plain menu-list">
        <li><a href="/members/A0701/employment/support/new/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0701">Log a contact</a></li>
        <li><a href="/members/A0701/employment/jobs/new/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0701">Record a job start</a></li>
        <li><a href="/members/A0701/employment/">Work</a></li>
        <li><a href="/members/A0701/#timeline">Timeline</a></li>
      </ul>
    </details></td>
  </tr>
<tr id="row-A0702">
    <td class="member"><a href="/members/A0702/">A0702 陳大文</a></td>
    <td data-label="Recovery stage"><span class="muted">Not assessed yet</span></td>
    <td class="job" data-label="Work">Not working <span class="muted small">last job ended today-30</span>
      </td>
    <td class="num contact" data-label="Days since last contact"><span class="no">40 days</span></td>
    <td class="due" data-label="Next questionnaire"><span class="muted">None due</span></td>
    <td class="alerts" data-label="Open alerts"><details class="alert-line">
      <summary>Enrolled on today-20; still no peer mentor. <span class="badge">+1</span></summary>
      <ul class="plain"><li class="alert-no_mentor"><span class="muted">Suggested: Suggest a peer mentor, or note why the member does not want one.</span>
        <a href="/alerts/N/resolve/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0702">Resolve</a></li><li class="alert-job_ended">Job ended on today-30 (Quit); no contact from either track since. <span class="muted">Suggested: Call or visit within two days; ask the peer mentor to check in.</span>
        <a href="/alerts/N/resolve/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0702">Resolve</a></li></ul>
    </details></td>
    <td class="row-actions"><details class="menu">
      <summary>Actions<span class="visually-hidden"> A0702</span></summary>
      <ul class="plain menu-list">
        <li><a href="/members/A0702/employment/support/new/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0702">Log a contact</a></li>
        <li><a href="/members/A0702/employment/jobs/new/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0702">Record a job start</a></li>
        <li><a href="/members/A0702/employment/">Work</a></li>
        <li><a href="/members/A0702/#timeline">Timeline</a></li>
      </ul>
    </details></td>
  </tr>
<tr id="row-A0703">
    <td class="member"><a href="/members/A0703/">A0703 Never contacted</a></td>
    <td data-label="Recovery stage"><span class="muted">Not assessed yet</span></td>
    <td class="job" data-label="Work">Not working</td>
    <td class="num contact" data-label="Days since last contact"><span class="no">No contact yet</span></td>
    <td class="due" data-label="Next questionnaire"><span class="no">PHQ-9 today-210 (overdue)</span></td>
    <td class="alerts" data-label="Open alerts"><details class="alert-line">
      <summary>No helping contact given or received in the last 60 days. <span class="badge">+1</span></summary>
      <ul class="plain"><li class="alert-isolated"><span class="muted">Suggested: Invite the member to a group or pair them with a peer buddy.</span>
        <a href="/alerts/N/resolve/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0703">Resolve</a></li><li class="alert-overdue">PHQ-9 was due on today-210 and is overdue. <span class="muted">Suggested: Offer the questionnaire at the next contact or send a self-report link.</span>
        <a href="/alerts/N/resolve/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0703">Resolve</a></li></ul>
    </details></td>
    <td class="row-actions"><details class="menu">
      <summary>Actions<span class="visually-hidden"> A0703</span></summary>
      <ul class="plain menu-list">
        <li><a href="/members/A0703/employment/support/new/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0703">Log a contact</a></li>
        <li><a href="/members/A0703/employment/jobs/new/?next=%2Fcaseload%2F%3Fsort%3Dcode%26dir%3Dasc%23row-A0703">Record a job start</a></li>
        <li><a href="/members/A0703/employment/">Work</a></li>
        <li><a href="/members/A0703/#timeline">Timeline</a></li>
      </ul>
    </details></td>
  </tr>"""


def test_the_rows_are_written_as_before_on_data_that_reaches_every_branch(client_for, org_a):
    PlanRule.objects.create(organization=org_a.org, instrument_id="phq9", trigger="every", interval_days=90)
    working = on_caseload(org_a, "A0701", 'Lin <b>"&\'')
    StageChangeFactory(member=working, stage="rebuilding", changed_on=days_ago(200),
                       recorded_by=org_a.users["coordinator"])
    start_job(org_a, working, started=60)
    contact(org_a, working, ago=1)
    ended = on_caseload(org_a, "A0702", "陳大文", enrolled=20)
    job = start_job(org_a, ended, started=90, competitive=False)
    employment.end_job(org_a.staff["professional"], job, ended_on=days_ago(30), reason="quit")
    contact(org_a, ended, ago=40)
    on_caseload(org_a, "A0703", "Never contacted")
    compute_alerts(org_a.org, timezone.localdate())

    page = client_for("professional").get("/caseload/?sort=code&dir=asc").content.decode()

    assert tbody(page).strip() == EXPECTED_ROWS


def test_the_compiled_members_query_keeps_to_the_organisation_it_runs_for(client_for, org_a, org_b):
    """One professional in two organisations: the query compiled for the first is run
    for the second with the second's values, and shows only that one's members."""
    professional = org_a.users["professional"]
    MembershipFactory(organization=org_b.org, user=professional, role="professional")
    on_caseload(org_a, "A0801", "In A", professional=professional)
    on_caseload(org_b, "B0801", "In B", professional=professional)
    on_caseload(org_b, "B0802", "Someone else's", professional=org_b.users["professional"])
    client = client_for("professional")

    in_a = client.get("/caseload/")
    session = client.session
    session[SESSION_ORG_KEY] = org_b.org.pk
    session.save()
    in_b = client.get("/caseload/")

    assert [r.member.code for r in in_a.context["rows"]] == ["A0801"]
    assert [r.member.code for r in in_b.context["rows"]] == ["B0801"]


def test_everyone_and_one_professional_are_shapes_of_their_own(client_for, org_a):
    on_caseload(org_a, "A0901", "Mine")
    on_caseload(org_a, "A0902", "Theirs", professional=org_a.users["coordinator"])
    client = client_for("coordinator")
    pro = org_a.users["professional"].pk

    everyone = client.get("/caseload/?sort=code").context["rows"]
    one = client.get(f"/caseload/?professional={pro}&sort=code").context["rows"]
    everyone_again = client.get("/caseload/?sort=code").context["rows"]

    assert [r.member.code for r in everyone] == [r.member.code for r in everyone_again] == ["A0001", "A0901", "A0902"]
    assert [r.member.code for r in one] == ["A0901"]


def test_the_caseload_s_due_questionnaires_are_due_of_s_on_tricky_data(client_for, org_a, org_b):
    """The members statement reads each member's latest completed date of the plan's
    questionnaires; the due questionnaires are still ``due_of``'s, also for an
    event-triggered rule, and for the members of either organisation."""
    from peerpath.measures.selectors import due_of
    from peerpath.measures.tests.test_due_page import _rules, _tricky
    from peerpath.workspace import caseload

    for tenant, prefix in ((org_a, "A9"), (org_b, "B9")):
        _rules(tenant.org)
        _tricky(tenant, prefix)
        PlanRule.objects.create(organization=tenant.org, instrument_id="k10", trigger="job_start")
    start_job(org_a, on_caseload(org_a, "A9999", "Started a job"), started=10)
    today = timezone.localdate()

    triggers = set()
    for tenant in (org_a, org_b):
        membership = tenant.staff["coordinator"]
        rules = caseload.plan(membership)
        members = caseload.caseload_members(membership, None, today, tuple(sorted({r.instrument_id for r in rules})))
        expected = {m.pk: items for m, items in due_of(tenant.org.pk, [f.member for f in members], today)}
        found = caseload._due(tenant.org.pk, rules, members, today)
        assert len(expected) > 5
        assert {pk: items for pk, items in found.items() if items} == expected
        triggers |= {d.trigger for items in expected.values() for d in items}
    assert triggers == {"intake", "every", "job_start"}

    rows = client_for("coordinator").get("/caseload/?sort=code").context["rows"]
    expected_next = {m.pk: items[0] for m, items in due_of(org_a.org.pk, [r.member for r in rows], today)}
    assert {r.member.pk: r.next_due for r in rows if r.next_due} == expected_next


def test_an_empty_caseload_says_so_as_before(client_for, org_a):
    page = client_for("professional").get("/caseload/").content.decode()
    assert page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] == (
        '\n  <tr><td colspan="7">No active members in this caseload.</td></tr>\n  \n  ')


def test_the_days_since_contact_count_from_the_latest_of_either_track_or_helping(client_for, org_a):
    from peerpath.pathway.models import HelpingContact

    helper = MemberFactory(organization=org_a.org, code="A0999")
    latest = {}
    for code, professional, peer, helped in (("A0981", 10, 5, 7), ("A0982", 2, 9, 30), ("A0983", 40, None, 4),
                                             ("A0984", None, None, None)):
        member = on_caseload(org_a, code, code)
        if professional is not None:
            contact(org_a, member, ago=professional)
        if peer is not None:
            employment.log_support_contact(org_a.staff["peer_leader"], member, contacted_on=days_ago(peer),
                                           track="peer", kind="peer_checkin", place="workplace", minutes=30)
        if helped is not None:
            HelpingContact.objects.create(organization=org_a.org, helper=helper, helped=member, kind="phone",
                                          minutes=20, date=days_ago(helped), logged_by=org_a.users["peer_leader"])
        latest[code] = min((d for d in (professional, peer, helped) if d is not None), default=None)

    found = client_for("professional").get("/caseload/?sort=code").context["rows"]

    assert {r.member.code: r.days_since_contact for r in found} == latest
    by_code = {r.member.code: r for r in found}
    assert by_code["A0981"].facts.last_contact == {"professional": days_ago(10), "peer": days_ago(5)}
    assert by_code["A0983"].facts.last_contact == {"professional": days_ago(40)}


def another_job(tenant, member, started: int, competitive: bool = True):
    """A job at an employer of its own (``start_job``'s is one per member)."""
    return employment.start_job(
        tenant.staff["professional"], member, new_employer={"name": f"Shop {member.code} {started}", "sector": "retail"},
        title="Clerk", start_date=days_ago(started), hours_per_week=Decimal("20"), hourly_wage=Decimal("190"),
        in_community=True, open_to_anyone=competitive, minimum_wage_or_more=True, disclosure="none",
    )


def test_each_row_s_work_is_employment_facts_s_on_overlapping_ended_and_future_jobs(client_for, org_a, org_b):
    """The jobs statement reads the jobs of the members the professional's assignments
    name, in no order and without their hours: each row's facts are still those
    ``employment_facts`` gives, for one professional's caseload and for everyone's."""
    from peerpath.employment.selectors import employment_facts
    from peerpath.members.models import Status

    two = on_caseload(org_a, "A0961", "Two jobs")
    start_job(org_a, two, started=300, competitive=False)
    another_job(org_a, two, started=20)
    ended = on_caseload(org_a, "A0962", "Ended twice")
    for started, ago, reason in ((200, 150, "quit"), (100, 50, "fired")):
        job = another_job(org_a, ended, started=started)
        employment.end_job(org_a.staff["professional"], job, ended_on=days_ago(ago), reason=reason)
    ending = on_caseload(org_a, "A0963", "Ends next week")
    job = start_job(org_a, ending, started=40, competitive=False)
    employment.end_job(org_a.staff["professional"], job, ended_on=days_ago(-7), reason="quit", planned=True)
    on_caseload(org_a, "A0964", "No job")
    left = on_caseload(org_a, "A0965", "Left the programme")
    start_job(org_a, left, started=10)
    left.status = Status.INACTIVE
    left.save()
    on_caseload(org_b, "B0961", "Elsewhere", professional=org_b.users["professional"])
    today = timezone.localdate()

    for role, url in (("professional", "/caseload/?sort=code"), ("coordinator", "/caseload/?sort=code")):
        rows = client_for(role).get(url).context["rows"]
        expected = employment_facts(org_a.org.pk, [r.member.pk for r in rows], today)
        assert {r.member.pk: r.facts for r in rows} == expected
    codes = [r.member.code for r in rows]
    assert {"A0961", "A0962", "A0963", "A0964"} <= set(codes) and "A0965" not in codes and "B0961" not in codes
    assert expected[two.pk].competitive and expected[ending.pk].employed and not expected[ended.pk].employed


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("show_due", [True, False])
def test_the_column_headings_are_written_as_the_template_loop_wrote_them(language, show_due):
    from django.template import engines
    from django.utils import translation

    from peerpath.workspace.caseload import SORTS
    from peerpath.workspace.caseload_row import header_cells

    loop = engines["django"].from_string(
        '{% for h in headers %}<th scope="col" class="col-{{ h.key }}"{% if h.aria_sort %} aria-sort="{{ h.aria_sort }}"'
        '{% endif %}>{% if h.key == "due" and not show_due %}{{ h.label }}{% else %}<a href="{{ h.url }}">{{ h.label }}'
        "</a>{% endif %}</th>{% endfor %}")
    with translation.override(language):
        headers = [{"key": key, "label": label, "url": f"?professional=7&sort={key}&dir=asc",
                    "aria_sort": "ascending" if key == "due" else ""} for key, label in SORTS.items()]
        headers.append({"key": "x", "label": '<b>"&\'', "url": "?a=<b>", "aria_sort": '"'})
        assert header_cells(headers, show_due) == loop.render({"headers": headers, "show_due": show_due})


def test_days_since_contact_are_in_each_page_s_language_one_page_after_another(client_for, org_a):
    """"%(n)s days" is translated once per process, language and number: pages in
    the two languages, one after another, each say it in their own."""
    from django.conf import settings

    for code, ago in (("A0971", 1), ("A0972", 40)):
        contact(org_a, on_caseload(org_a, code, code), ago=ago)
    client = client_for("professional")
    pages = {}
    for language in ("en", "zh-hant", "en", "zh-hant"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages.setdefault(language, []).append(tbody(client.get("/caseload/?sort=code").content.decode()))
    for first, second in pages.values():
        assert first == second
    assert '<span>1 day</span>' in pages["en"][0] and '<span class="no">40 days</span>' in pages["en"][0]
    assert '<span>1 天</span>' in pages["zh-hant"][0] and '<span class="no">40 天</span>' in pages["zh-hant"][0]
