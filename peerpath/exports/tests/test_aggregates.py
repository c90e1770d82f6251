"""Sharing outside the research team: the codebook says the summary is for
publication and the row-level tables are not; an aggregates-only export holds the
summary alone; the summary's hidden counts cannot be worked out from the rest."""

from __future__ import annotations

import io
import random
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerpath.audit.models import AccessLog, Event
from peerpath.exports import actions, collect
from peerpath.exports.forms import ResearchExportForm
from peerpath.members.models import Gender, Stage, Status
from tests.factories import ConsentFactory, MemberFactory


@pytest.fixture
def consented(org_a):
    coord = org_a.users["coordinator"]
    for i in range(12):
        m = MemberFactory(organization=org_a.org, code=f"S{i:03d}", gender="female" if i < 9 else "male")
        ConsentFactory(member=m, kind="research", given_on=m.enrolment_date, recorded_by=coord)
    return org_a


def _run(tenant, **kwargs):
    membership = tenant.staff["researcher"]
    job = actions.request_research_export(membership, fmt="csv", date_mode="shift", new_project="Shared", **kwargs)
    job = actions.run_job(job)
    assert job.state == "done", job.error
    return job, zipfile.ZipFile(io.BytesIO(actions.export_bytes(membership, job)))


def test_the_codebook_says_the_summary_is_for_publication_and_the_row_level_tables_are_not(consented):
    _job, archive = _run(consented, tables=["jobs"])
    book = archive.read("codebook.md").decode()
    assert "Meant for publication" in book
    assert "Row-level data: not for publication" in book
    readme = archive.read("README.txt").decode()
    assert "NOT for publication" in readme and "aggregates-only" in readme


def test_an_aggregates_only_export_holds_the_summary_alone_and_is_audited(consented):
    job, archive = _run(consented, tables=[], aggregates_only=True)
    assert sorted(archive.namelist()) == ["README.txt", "codebook.csv", "codebook.md", "summary.csv"]
    summary = pd.read_csv(io.BytesIO(archive.read("summary.csv")), encoding="utf-8-sig")
    assert summary.loc[summary["category_1"] == "female", "members"].notna().any()
    requested = AccessLog.objects.get(event=Event.EXPORT_REQUESTED, target_id=str(job.pk))
    assert requested.extra["aggregates_only"] is True
    assert "Tables: summary (aggregates only)" in archive.read("README.txt").decode()


def test_an_aggregates_only_export_with_tables_is_refused_naming_the_field(consented):
    form = ResearchExportForm({"tables": ["jobs"], "format": "csv", "date_mode": "shift", "new_project": "X",
                               "aggregates_only": "on"}, membership=consented.staff["researcher"])
    assert not form.is_valid()
    assert "no row-level table" in " ".join(form.errors["tables"])
    with pytest.raises(ValueError, match="no row-level table"):
        actions.request_research_export(consented.staff["researcher"], tables=["jobs"], fmt="csv",
                                        date_mode="shift", new_project="Y", aggregates_only=True)


def test_one_small_gender_count_is_not_the_total_minus_the_others():
    """9 women and 3 men, all active: the 3 men would be 12 − 9 without a cover."""
    rows = [{"gender": "female" if i < 9 else "male", "status": "active", "stage_now": "rebuilding"}
            for i in range(12)]
    table = collect._summary(rows, 5)
    counts = {(r[0], r[1], r[2]): r[3] for r in table.rows}
    assert counts[("gender_status", "male", "active")] is None
    assert counts[("gender_status", "female", "active")] is None  # hidden with it


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(Gender.values), st.sampled_from(Status.values),
                          st.sampled_from([*Stage.values, None])), max_size=60))
def test_generated_summaries_pass_the_disclosure_audit(people):
    rows = [{"gender": g, "status": s, "stage_now": stage} for g, s, stage in people]
    random.shuffle(rows)
    ledger, _printed = collect.summary_ledger(rows, 5)
    assert ledger.audit() == []


def test_an_aggregates_only_export_of_few_members_does_not_give_their_number(org_a):
    coord = org_a.users["coordinator"]
    for i in range(3):
        m = MemberFactory(organization=org_a.org, code=f"F{i:03d}")
        ConsentFactory(member=m, kind="research", given_on=m.enrolment_date, recorded_by=coord)
    _job, archive = _run(org_a, tables=[], aggregates_only=True)
    readme = archive.read("README.txt").decode()
    assert "Members: fewer than 5" in readme and "Members: 3" not in readme


def test_the_command_makes_an_aggregates_only_export_and_refuses_one_with_tables(consented, capsys):
    from django.core.management import CommandError, call_command

    from peerpath.exports.models import ExportJob

    call_command("export", "run", "--organisation", consented.org.slug, "--user", "researcher_a",
                 "--project", "Shared", "--aggregates-only")
    job = ExportJob.objects.latest("pk")
    assert job.state == "done" and job.parameters["aggregates_only"] is True
    with pytest.raises(CommandError, match="no row-level table"):
        call_command("export", "run", "--organisation", consented.org.slug, "--user", "researcher_a",
                     "--project", "Shared", "--aggregates-only", "--tables", "jobs")


def test_the_research_export_page_offers_an_aggregates_only_export(consented, client_for):
    from peerpath.exports.models import ExportJob

    client = client_for("researcher")
    page = client.get("/exports/research/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Aggregates only" in page and "for sharing outside the research team" in page
    response = client.post("/exports/research/new/", {"format": "csv", "date_mode": "shift", "new_project": "Out",
                                                      "aggregates_only": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    job = ExportJob.objects.latest("pk")
    assert job.parameters["aggregates_only"] is True
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    import re

    assert re.search(r"Tables</dt><dd>(.*?)</dd>", detail).group(1) == "Summary (aggregates only)"
