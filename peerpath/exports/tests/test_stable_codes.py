"""SPSS and Stata codes of categories stay the same across every export of one
research project, whatever instruments or categories are added in between."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyreadstat
import pytest

import peerpath.measures as measures
from peerpath.exports import actions
from peerpath.exports.models import CategoryCode, ResearchProject
from peerpath.measures.library import library
from tests.factories import ConsentFactory


def _export(tenant, fmt="sav"):
    membership = tenant.staff["researcher"]
    project = ResearchProject.objects.filter(organization=tenant.org, name="Study").first()
    job = actions.request_research_export(membership, tables=["scores"], fmt=fmt, date_mode="days",
                                          project=project, new_project="" if project else "Study")
    job = actions.run_job(job)
    assert job.state == "done", job.error
    return zipfile.ZipFile(io.BytesIO(actions.export_bytes(membership, job)))


def _instrument_codes(archive, tmp_path) -> dict[str, int]:
    path = tmp_path / "scores.sav"
    path.write_bytes(archive.read("scores.sav"))
    _df, meta = pyreadstat.read_sav(str(path))
    return {label: int(code) for code, label in meta.variable_value_labels["instrument"].items()}


@pytest.fixture
def local_instrument(tmp_path, settings):
    """A local instrument whose id sorts before WHO-5 (as a deployment would add)."""
    local = tmp_path / "local"
    local.mkdir()
    text = (Path(measures.__file__).parent / "instruments" / "who5.yaml").read_text(encoding="utf-8")
    (local / "aaa5.yaml").write_text(text.replace("id: who5", "id: aaa5").replace("short_name: WHO-5",
                                                                                  "short_name: AAA-5"),
                                     encoding="utf-8")

    def add() -> None:
        settings.PEERPATH_LOCAL_INSTRUMENTS = str(local)
        library.cache_clear()

    yield add
    library.cache_clear()


def test_a_questionnaire_keeps_its_code_after_a_local_instrument_is_added(org_a, tmp_path, local_instrument):
    ConsentFactory(member=org_a.member, kind="research", given_on=org_a.member.enrolment_date,
                   recorded_by=org_a.users["coordinator"])
    library.cache_clear()
    before = _instrument_codes(_export(org_a), tmp_path)
    local_instrument()
    assert "aaa5" in library()
    after = _instrument_codes(_export(org_a), tmp_path)
    assert after["WHO-5"] == before["WHO-5"]
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["AAA-5"] == max(before.values()) + 1  # a new category takes the next free code


def test_the_codebook_lists_the_projects_codes(org_a, tmp_path):
    ConsentFactory(member=org_a.member, kind="research", given_on=org_a.member.enrolment_date,
                   recorded_by=org_a.users["coordinator"])
    archive = _export(org_a, fmt="dta")
    who5 = CategoryCode.objects.get(project__name="Study", variable="instrument", value="who5")
    assert f"{who5.code}=WHO-5 (who5)" in archive.read("codebook.md").decode()
    assert who5.organization_id == org_a.org.pk
