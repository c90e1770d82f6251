"""The generic report views and command: filters, bad input, organisations,
researchers, PDF, audit entries."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from conftest import verified_client
from peerpath.audit.models import AccessLog, Event
from peerpath.groups.models import PeerGroup, RosterEntry
from peerpath.outcomes import registry
from peerpath.outcomes.tests import programme_data as data
from peerpath.outcomes.tests.helpers import get_report, pdf_text
from peerpath.tenancy.middleware import SESSION_ORG_KEY
from tests.factories import CareTeamFactory, MembershipFactory


def test_a_bad_period_is_refused_with_a_message_naming_the_period(org_a, client_for):
    response = get_report(client_for("coordinator"), "programme", period="2026Q5")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Period" in html and "2026Q5" in html and "is not a period" in html
    assert not AccessLog.objects.filter(event=Event.REPORT_VIEW).exists()


def test_a_bad_period_of_the_pdf_is_refused_too(org_a, client_for):
    response = get_report(client_for("coordinator"), "programme", pdf=True, period="2026-13")
    assert response.status_code == 400
    assert "no month 13" in response.content.decode()


def test_an_unknown_report_is_not_found(org_a, client_for):
    assert get_report(client_for("coordinator"), "no_such_report").status_code == 404


def test_the_professional_filter_narrows_the_figures(org_a, client_for):
    m = data.programme(org_a)
    pro = org_a.users["professional"]
    for who in (m.m1, m.m2, m.m4):
        CareTeamFactory(member=who, organization=org_a.org, professional=pro, assigned_by=pro)
    response = get_report(client_for("coordinator"), "programme", period="2026Q3", professional=pro.pk)
    assert response.status_code == 200
    r = response.context["r"]
    assert (r["caseload"].value, r["employed_now"].value) == (3, 3)


def test_a_user_in_two_organisations_reports_on_the_active_one_or_on_both(org_a, org_b):
    data.programme(org_a)
    data.more_workers(org_b, 2)
    user = org_a.users["coordinator"]
    MembershipFactory(user=user, organization=org_b.org, role="coordinator")
    client = verified_client(user)
    only_a = get_report(client, "programme", period="2026Q3")
    assert only_a.context["r"]["caseload"].value == 8
    session = client.session
    session[SESSION_ORG_KEY] = org_b.org.pk
    session.save()
    only_b = get_report(client, "programme", period="2026Q3")
    assert only_b.context["r"]["caseload"].value == 3  # B0001 and two workers
    both = get_report(client, "programme", period="2026Q3", organizations=["assoc-a", "assoc-b"])
    assert both.context["r"]["caseload"].value == 11
    entries = AccessLog.objects.filter(event=Event.REPORT_VIEW, actor=user).order_by("seq", "organization_id")
    assert sorted(e.organization_id for e in entries) == sorted([org_a.org.pk, org_b.org.pk, org_a.org.pk, org_b.org.pk])
    assert all(e.extra["report"] == "programme" and e.extra["period"] == "2026Q3" for e in entries)


def test_an_organisation_the_user_is_not_in_cannot_be_chosen(org_a, org_b, client_for):
    response = get_report(client_for("coordinator"), "programme", period="2026Q3", organizations=["assoc-b"])
    assert response.status_code == 400
    assert "Organisations" in response.content.decode()


def test_a_researcher_counts_research_consented_members_with_small_cells_hidden(org_a, client_for):
    m = data.programme(org_a)
    for who in (m.m1, m.m2, m.m3):
        data.research_consent(org_a, who)
    response = get_report(client_for("researcher"), "programme", period="2026Q3")
    assert response.status_code == 200
    r = response.context["r"]
    assert r["caseload"].value == 3 and r["caseload"].hidden
    html = response.content.decode()
    assert "&lt; 5" in html
    assert "Only members who consented to research are counted." in html
    coordinator = get_report(client_for("coordinator"), "programme", period="2026Q3").context["r"]
    assert coordinator["caseload"].value == 8 and not coordinator["caseload"].hidden


def test_the_pdf_download_is_a_pdf_named_for_the_report_and_period(org_a, client_for):
    data.programme(org_a)
    response = get_report(client_for("coordinator"), "programme", pdf=True, period="2026Q3")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="peerpath-programme-2026Q3.pdf"'
    assert "Programme dashboard" in pdf_text(response.content)
    assert AccessLog.objects.filter(event=Event.REPORT_EXPORT, organization=org_a.org).count() == 1


def test_peer_leaders_may_not_see_reports(org_a, client_for):
    assert get_report(client_for("peer_leader"), "programme").status_code == 403


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_report_command_writes_a_pdf_with_the_figures(org_a, tmp_path, language):
    data.programme(org_a)
    data.more_workers(org_a)  # caseload 14, 9 in competitive jobs on 09-30
    target = tmp_path / "programme.pdf"
    call_command("report", "programme", "--period", "2026Q3", "--format", "pdf", "--language", language,
                 "--org", "assoc-a", "--output", str(target))
    text = pdf_text(target.read_bytes())
    assert "2026-07-01 – 2026-09-30 (2026Q3)" in text
    with translation.override(language):
        caseload = gettext("Active caseload")
        employed = gettext("In a competitive job on %(day)s") % {"day": "2026-09-30"}
    assert f"\n14\n{caseload}\n9\n{employed}\n" in text  # the first two tiles
    assert "4,206" in text or "4206" in text
    assert AccessLog.objects.filter(event=Event.REPORT_EXPORT, organization=org_a.org).count() == 1


def test_starting_django_does_not_import_the_reports_or_scipy():
    code = ("import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'peerpath.settings'); "
            "django.setup(); print('scipy' in sys.modules, 'peerpath.outcomes.reports.programme' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "DEBUG": "true"}, cwd=settings.BASE_DIR)
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_the_registry_lists_every_report_in_the_order_of_its_modules():
    slugs = list(registry.reports())
    assert slugs == [name.rsplit(".", 1)[1] for name in registry.REPORT_MODULES]
    assert registry.get("programme") is registry.reports()["programme"]
    assert registry.get("no_such_report") is None


def test_the_index_lists_every_report(org_a, client_for):
    html = client_for("coordinator").get("/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    positions = [html.index(f'href="/reports/{slug}/"') for slug in registry.reports()]
    assert positions == sorted(positions) and len(positions) == len(registry.REPORT_MODULES) == 8


def test_researchers_have_no_group_or_professional_filter_and_those_parameters_are_ignored(org_a, client_for):
    m = data.programme(org_a)
    for who in (m.m1, m.m2, m.m3, m.m4, m.m5, m.m6):
        data.research_consent(org_a, who)  # six consented, all active
    pro = org_a.users["professional"]
    CareTeamFactory(member=m.m1, organization=org_a.org, professional=pro, assigned_by=pro)
    group = PeerGroup.objects.create(organization=org_a.org, name="職場續航團體", kind="job_retention",
                                     started_on=data.D(2026, 1, 1))
    RosterEntry.objects.create(organization=org_a.org, group=group, member=m.m2, joined_on=data.D(2026, 1, 1))
    coordinator = get_report(client_for("coordinator"), "programme", period="2026Q3", professional=pro.pk)
    assert 'name="professional"' in coordinator.content.decode()
    assert coordinator.context["r"]["caseload"].value == 1  # the filter works for staff
    response = get_report(client_for("researcher"), "programme", period="2026Q3", professional=pro.pk,
                          group=group.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="professional"' not in html and 'name="group"' not in html
    assert "group" not in response.context["form"].fields and "professional" not in response.context["form"].fields
    scope = response.context["scope"]
    assert scope.group is None and scope.professional is None
    assert response.context["r"]["caseload"].value == 6


def test_a_plain_get_builds_the_filter_form_once(org_a, client_for, monkeypatch):
    from peerpath.outcomes import views

    built = []
    original = views.ReportFilterForm.__init__

    def counting(self, *args, **kwargs):
        built.append(args[0])
        original(self, *args, **kwargs)

    monkeypatch.setattr(views.ReportFilterForm, "__init__", counting)
    assert get_report(client_for("coordinator"), "ips_quarterly").status_code == 200
    assert len(built) == 1


def test_the_pdf_of_several_organisations_names_them_in_the_scope_line_not_the_heading(org_a, org_b):
    user = org_a.users["coordinator"]
    MembershipFactory(user=user, organization=org_b.org, role="coordinator")
    client = verified_client(user)
    both = pdf_text(get_report(client, "programme", pdf=True, period="2026Q3",
                               organizations=["assoc-a", "assoc-b"]).content)
    heading = both.split("\n")[1]
    assert heading.startswith("Produced "), heading
    assert "Organisations: Association A, Association B" in both
    one = pdf_text(get_report(client, "programme", pdf=True, period="2026Q3").content)
    assert one.split("\n")[1].startswith("Association A · Produced ")


def test_the_command_audits_as_the_system_with_the_format(org_a, tmp_path):
    call_command("report", "ips_quarterly", "--period", "2026Q3", "--format", "html", "--org", "assoc-a",
                 "--output", str(tmp_path / "q.html"))
    (entry,) = AccessLog.objects.filter(event=Event.REPORT_EXPORT, organization=org_a.org)
    assert entry.actor is None
    assert (entry.extra["report"], entry.extra["format"], entry.extra["via"], entry.extra["period"]) == (
        "ips_quarterly", "html", "command", "2026Q3")
    with translation.override("zh-hant"):
        title = str(registry.get("ips_quarterly").spec.title)
    assert f"<h1>{title}</h1>" in (tmp_path / "q.html").read_text()
