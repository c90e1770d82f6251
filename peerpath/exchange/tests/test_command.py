"""`peerpath imports …` on the command line, and the purge of files never imported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from peerpath.exchange import actions
from peerpath.exchange.models import ImportBatch, ImportFile, State
from peerpath.exchange.samples import redcap_records
from peerpath.exchange.tests._helpers import counts
from peerpath.measures.library import library
from peerpath.measures.models import Administration
from peerpath.members.models import Member
from tests.factories import MemberFactory

ENROLLED = dt.date(2024, 1, 1)  # before the sample records begin (2025-01-06)
MEMBERS = "會員編號,姓名,收案日期\nN0001,陳小華,2026-01-05\nN0002,林美,2026-01-06\n"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("imports", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def members_file(tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(MEMBERS, encoding="utf-8")
    return str(path)


def test_without_commit_it_only_checks_and_prints_what_it_found(org_a, members_file):
    out = run("members", members_file, "--organisation", "assoc-a", "--as", "coordinator_a")
    assert "column '會員編號' → Member code" in out
    assert "2 rows: 2 to import, 0 already present, 0 with problems" in out
    assert "checked only: nothing imported" in out
    assert not Member.objects.filter(code__startswith="N").exists()
    assert ImportBatch.objects.get().state == State.DISCARDED and not ImportFile.objects.exists()


def test_with_commit_it_imports_and_a_second_run_finds_everything_present(org_a, members_file):
    out = run("members", members_file, "--organisation", "assoc-a", "--as", "admin_a", "--commit")
    assert "imported" in out and Member.objects.filter(code__startswith="N").count() == 2
    out = run("members", members_file, "--organisation", "assoc-a", "--as", "admin_a", "--commit")
    assert "0 to import, 2 already present" in out and Member.objects.filter(code__startswith="N").count() == 2


def test_problems_are_printed_by_row_and_column_and_nothing_is_imported(org_a, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("會員編號,姓名,收案日期\nN0001,,2026-01-05\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problems: nothing imported"):
        call_command("imports", "members", str(path), "--organisation", "assoc-a", "--as", "admin_a", "--commit",
                     stdout=out)
    assert "row 2, column '姓名': Enter the member's name." in out.getvalue()
    assert not Member.objects.filter(code="N0001").exists()


def test_a_malformed_or_too_large_file_is_refused_before_anything_is_kept(org_a, tmp_path, settings):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x01\x02")
    before = counts()
    with pytest.raises(CommandError, match="binary data"):
        run("members", str(path), "--organisation", "assoc-a", "--as", "admin_a")
    settings.PEERPATH_IMPORT_MAX_BYTES = 10
    path.write_bytes(MEMBERS.encode())
    with pytest.raises(CommandError, match="larger than"):
        run("members", str(path), "--organisation", "assoc-a", "--as", "admin_a")
    assert counts() == before


def test_only_importers_of_the_organisation_may_run_it(org_a, org_b, members_file):
    with pytest.raises(CommandError, match="not active staff"):
        run("members", members_file, "--organisation", "assoc-b", "--as", "admin_a")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run("members", members_file, "--organisation", "assoc-a", "--as", "professional_a")


def test_redcap_records_import_with_a_mapped_member_field(org_a, tmp_path):
    for i in range(3):
        MemberFactory(organization=org_a.org, code=f"M{i + 1:05d}", enrolment_date=ENROLLED)
    path = tmp_path / "records.csv"
    path.write_text(redcap_records(library()["phq9"], records=3, events=("baseline_arm_1", "m3_arm_1")))
    out = run("redcap", str(path), "--instrument", "phq9", "--date-field", "visit_date", "--member-field",
              "member_code", "--organisation", "assoc-a", "--as", "coordinator_a", "--commit")
    assert "6 to import" in out and Administration.objects.filter(instrument_id="phq9").count() == 6


def test_purge_deletes_files_never_imported_after_a_day(org_a):
    membership = org_a.staff["coordinator"]
    old = actions.upload(membership, kind="members", file_name="old.csv", data=MEMBERS.encode())
    fresh = actions.upload(membership, kind="members", file_name="new.csv", data=MEMBERS.encode())
    ImportBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert "purged the files of 1 imports" in run("purge")
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == State.DISCARDED and fresh.state == State.UPLOADED
    assert list(ImportFile.objects.values_list("batch_id", flat=True)) == [fresh.pk]
