"""Research and identifiable exports end to end: who is in them, what never is,
pseudonyms, dates, files that open with their labels, permissions and the audit."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pandas as pd
import pyreadstat
import pytest

from peerpath.audit.models import AccessLog, Event
from peerpath.employment.models import Employer, Job, SupportContact
from peerpath.exports import actions, pseudo
from peerpath.exports.models import ExportFile, ExportJob, ResearchProject
from tests.factories import ConsentFactory, MemberFactory, StageChangeFactory

ENROLLED = dt.date(2024, 1, 10)


@pytest.fixture
def data(org_a):
    coord = org_a.users["coordinator"]
    employer = Employer.objects.create(organization=org_a.org, name="Bakery Ltd", sector="food",
                                       created_by=coord)
    members = {}
    for code, name, phone in [("R001", "陳研究", "0911-111-111"), ("R002", "林同意", "0922-222-222"),
                              ("N001", "張未同意", "0933-333-333"), ("W001", "黃撤回", "0944-444-444")]:
        m = MemberFactory(organization=org_a.org, code=code, name=name, phone=phone, email=f"{code}@mail.test",
                          address="台北市秘密路1號", enrolment_date=ENROLLED, clinical_notes="私密臨床紀錄")
        members[code] = m
        if code != "N001":
            ConsentFactory(member=m, kind="research", given_on=ENROLLED, recorded_by=coord,
                           withdrawn_on=dt.date(2024, 5, 1) if code == "W001" else None)
        StageChangeFactory(member=m, stage="rebuilding", changed_on=dt.date(2024, 2, 1), recorded_by=coord,
                           note="階段備註自由文字")
        job = Job.objects.create(organization=org_a.org, member=m, employer=employer, title="麵包師傅助理",
                                 start_date=dt.date(2024, 3, 1), hours_per_week=Decimal("20"),
                                 hourly_wage=Decimal("190"), currency="TWD", in_community=True,
                                 open_to_anyone=True, minimum_wage_or_more=True, disclosure="full",
                                 accommodations="需要安靜座位", created_by=coord)
        SupportContact.objects.create(organization=org_a.org, member=m, contacted_on=dt.date(2024, 3, 15),
                                      track="professional", kind="job_coaching", place="workplace", minutes=30,
                                      job=job, note="支持聯絡備註", by=coord)
    org_a.members = members
    return org_a


def _research(tenant, *, fmt="csv", date_mode="shift", project="Study", tables=("stages", "jobs", "support")):
    membership = tenant.staff["researcher"]
    existing = ResearchProject.objects.filter(organization=tenant.org, name=project).first()
    job = actions.request_research_export(membership, tables=list(tables), fmt=fmt, date_mode=date_mode,
                                          project=existing, new_project="" if existing else project)
    job = actions.run_job(job)
    assert job.state == "done", job.error
    return job, zipfile.ZipFile(io.BytesIO(actions.export_bytes(membership, job)))


def _frame(archive, name):
    return pd.read_csv(io.BytesIO(archive.read(name)), encoding="utf-8-sig")


def test_only_members_with_research_consent_in_force_are_exported(data):
    job, archive = _research(data)
    members = _frame(archive, "members.csv")
    key = job.project.key
    expected = {pseudo.pseudonym(key, data.members[c].pk) for c in ("R001", "R002")}
    assert set(members["pid"]) == expected
    assert job.n_members == 2
    assert set(_frame(archive, "jobs.csv")["pid"]) == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav", "dta", "parquet"])
def test_no_identifier_or_free_text_appears_anywhere_in_the_export(data, fmt):
    _job, archive = _research(data, fmt=fmt)
    blobs = []
    for name in archive.namelist():
        content = archive.read(name)
        blobs.append(content)
        if name.endswith(".xlsx"):
            inner = zipfile.ZipFile(io.BytesIO(content))
            blobs += [inner.read(n) for n in inner.namelist()]
    everything = b"\n".join(blobs)
    secrets_ = ["Bakery Ltd", "麵包師傅助理", "需要安靜座位", "支持聯絡備註", "階段備註自由文字", "私密臨床紀錄",
                "台北市秘密路1號", "思覺失調症", data.member.name, data.member.code]
    for m in data.members.values():
        secrets_ += [m.name, m.code, m.phone, m.email]
    for text in secrets_:
        for encoding in ("utf-8", "utf-16-le"):
            assert text.encode(encoding) not in everything, f"{text!r} found in the {fmt} export"


def test_pseudonyms_are_stable_within_a_project_and_differ_across_projects(data):
    _j1, first = _research(data, project="Study")
    _j2, again = _research(data, project="Study")
    _j3, other = _research(data, project="Other study")
    assert set(_frame(first, "members.csv")["pid"]) == set(_frame(again, "members.csv")["pid"])
    assert not set(_frame(first, "members.csv")["pid"]) & set(_frame(other, "members.csv")["pid"])


def test_shifted_dates_keep_each_members_intervals(data):
    _job, archive = _research(data)
    members = _frame(archive, "members.csv").set_index("pid")
    jobs = _frame(archive, "jobs.csv").set_index("pid")
    for pid in members.index:
        enrolled = dt.date.fromisoformat(members.loc[pid, "enrolment"])
        started = dt.date.fromisoformat(jobs.loc[pid, "job_start"])
        assert enrolled != ENROLLED
        assert (started - enrolled).days == (dt.date(2024, 3, 1) - ENROLLED).days


def test_days_mode_counts_from_enrolment(data):
    _job, archive = _research(data, date_mode="days")
    assert set(_frame(archive, "members.csv")["enrolment"]) == {0}
    assert set(_frame(archive, "jobs.csv")["job_start"]) == {(dt.date(2024, 3, 1) - ENROLLED).days}
    assert set(_frame(archive, "support.csv")["contacted"]) == {(dt.date(2024, 3, 15) - ENROLLED).days}


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_spss_and_stata_files_open_with_their_labels(data, fmt, tmp_path):
    _job, archive = _research(data, fmt=fmt)
    path = tmp_path / f"members.{fmt}"
    path.write_bytes(archive.read(f"members.{fmt}"))
    df, meta = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    assert len(df) == 2
    assert meta.column_names_to_labels["gender"] == "gender"
    assert meta.variable_value_labels["gender"][1] == "Female"
    assert meta.variable_value_labels["status"][1] == "Active"
    codebook = pd.read_csv(io.BytesIO(archive.read("codebook.csv")), encoding="utf-8-sig")
    assert "1=Female (female)" in codebook.set_index(["table", "variable"]).loc[("members", "gender"), "values"]


def test_parquet_opens_in_pandas(data):
    _job, archive = _research(data, fmt="parquet")
    df = pd.read_parquet(io.BytesIO(archive.read("jobs.parquet")))
    assert list(df["hours_per_week"]) == [20.0, 20.0]


def test_the_codebook_lists_every_variable_of_every_table(data):
    _job, archive = _research(data, tables=("stages", "scores", "items", "jobs", "support", "attendance",
                                            "helping"))
    codebook = pd.read_csv(io.BytesIO(archive.read("codebook.csv")), encoding="utf-8-sig")
    listed = set(zip(codebook["table"], codebook["variable"], strict=True))
    for name in archive.namelist():
        if name.endswith(".csv") and name != "codebook.csv":
            table = name.removesuffix(".csv")
            for column in _frame(archive, name).columns:
                assert (table, column) in listed, f"{table}.{column} missing from the codebook"
    readme = archive.read("README.txt").decode()
    assert "Date mode: shift" in readme and "Members: 2" in readme and "Small-cell threshold: 5" in readme
    assert "Citation" in archive.read("codebook.md").decode()


def test_small_cells_are_suppressed_in_the_summary(data):
    _job, archive = _research(data)
    summary = _frame(archive, "summary.csv")
    # two members: every non-empty count is below 5 and hidden; an empty one is shown
    # (a zero identifies no one)
    hidden = summary[summary["suppressed"] == 1]
    assert len(hidden) >= 2 and hidden["members"].isna().all()
    assert (summary.loc[summary["suppressed"] == 0, "members"] == 0).all()


def test_an_identifiable_export_holds_codes_and_contact_details_and_its_reason_is_audited(data):
    admin = data.staff["admin"]
    job = actions.request_identifiable_export(admin, tables=["jobs"], fmt="csv",
                                              reason="Annual report to the funding agency.")
    job = actions.run_job(job)
    archive = zipfile.ZipFile(io.BytesIO(actions.export_bytes(admin, job)))
    members = _frame(archive, "members.csv")
    assert set(members["member_code"]) == {"A0001", "R001", "R002", "N001", "W001"}
    assert "0911-111-111" in set(members["phone"])
    requested = AccessLog.objects.get(event=Event.EXPORT_REQUESTED, target_id=str(job.pk))
    assert requested.extra["reason"] == "Annual report to the funding agency."
    assert AccessLog.objects.filter(event=Event.EXPORT_DOWNLOADED, target_id=str(job.pk)).exists()


def test_the_stored_file_is_encrypted(data):
    job, _archive = _research(data)
    stored = bytes(ExportFile.objects.get(job=job).content)
    assert not stored.startswith(b"PK") and b"members.csv" not in stored


def test_purge_deletes_expired_files_only(data):
    old, _ = _research(data)
    new, _ = _research(data)
    ExportJob.objects.filter(pk=old.pk).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert actions.purge_expired() == 1
    assert not ExportFile.objects.filter(job=old).exists() and ExportFile.objects.filter(job=new).exists()
