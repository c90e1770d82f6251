"""Importing members: every problem by row and column, all or nothing, no duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.exchange import actions
from peerpath.exchange.models import ImportFile, State
from peerpath.exchange.tests._helpers import counts, problem_texts
from peerpath.members.models import Consent, Member, MemberSearchToken, StageChange

GOOD = """會員編號,姓名,出生年,性別,收案日期,轉介來源,電話,Email,偏好語言,復元階段,同意書版本,同意日期
N0001,陳 小華,1985,女,2026-01-05,hospital_ot,0912-345-678,hua@example.org,中文,覺察期,2026-1,2026-01-05
N0002,Lin Mei,民國80,F,115/01/06,Self-referral,,,English,rebuilding,,
N0003,張大同,1979-04-02,男,2026年1月7日,日間病房,,,,,2026-1,2026-01-07
"""


def test_a_good_file_creates_every_member_with_stage_and_consent_in_one_go(run_import, org_a):
    batch, check = run_import("members", GOOD)
    assert check.problems == [] and (check.n_new, check.n_present) == (3, 0)
    assert batch.state == State.COMMITTED and batch.result == {"members": 3, "consents": 2}
    hua = Member.objects.get(organization=org_a.org, code="N0001")
    assert (hua.name, hua.birth_year, hua.gender, hua.enrolment_date) == ("陳 小華", 1985, "female", dt.date(2026, 1, 5))
    assert (hua.phone, hua.email, hua.preferred_language) == ("0912-345-678", "hua@example.org", "zh-hant")
    assert StageChange.objects.get(member=hua).stage == "awareness"
    assert Consent.objects.get(member=hua).version == "2026-1"
    lin = Member.objects.get(organization=org_a.org, code="N0002")
    assert (lin.birth_year, lin.referral_source, lin.preferred_language) == (1991, "self", "en")
    assert lin.enrolment_date == dt.date(2026, 1, 6)
    assert Member.objects.get(code="N0003").referral_source == "day_ward"
    assert MemberSearchToken.objects.filter(member=hua).exists()  # findable by name like any member
    assert not ImportFile.objects.filter(batch=batch).exists()  # the file is deleted once imported
    events = list(AccessLog.objects.filter(organization=org_a.org).values_list("event", flat=True))
    assert events.count(Event.MEMBER_CREATE) == 3 and events.count(Event.IMPORT_COMMITTED) == 1


def test_importing_the_same_file_again_creates_nothing_and_says_so(run_import):
    run_import("members", GOOD)
    before = Member.objects.count()
    batch, check = run_import("members", GOOD)
    assert (check.n_new, check.n_present) == (0, 3) and check.problems == []
    assert Member.objects.count() == before and batch.result == {"members": 0, "consents": 0}


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(run_import, org_a):
    bad = """code,name,birth year,gender,enrolment date,phone,email,consent version,consent date
N0001,,1985,female,2026-01-05,,,,
N0002,Wang,1700,other,2026-01-05,,,,
N0003,Lee,1985,female,2099-01-01,abc,not-an-email,,
N0004,Kao,1985,female,05/01/2026,,,v1,
bad code!,Chen,1985,female,2026-01-05,,,,
N0004,Kao again,1985,female,2026-01-05,,,,
A0001,already here,1985,female,2026-01-05,,,,
"""
    before = counts()
    batch, check = run_import("members", bad, commit=False)
    this_year = timezone.localdate().year
    assert problem_texts(check) == [
        "row 2, column 'name': Enter the member's name.",
        f"row 3, column 'birth year': Enter a birth year between {this_year - 110} and {this_year - 14}.",
        "row 3, column 'gender': 'other' is not one of: female, male, non_binary, undisclosed",
        "row 4, column 'enrolment date': This date is in the future.",
        "row 4, column 'phone': Enter a phone number of digits, spaces, +, - or brackets.",
        "row 4, column 'email': Enter a valid email address.",
        "row 5, column 'enrolment date': '05/01/2026' is not a date; write dates as YYYY-MM-DD, e.g. 2026-03-15 "
        "(or 民國 115/03/15)",
        "row 5, column 'consent version': the consent form's version needs its date",
        "row 6, column 'code': 'bad code!' is not a member code: up to 20 letters, digits, '-' or '_'",
        "row 7, column 'code': member code 'N0004' is also in row 5: each member once per file",
    ]
    assert (check.n_present, check.problem_rows) == (1, 6)  # A0001 exists already
    with pytest.raises(actions.ImportRefused):
        actions.commit(org_a.staff["coordinator"], batch)
    after = counts()
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "exchange.ImportBatch": 1, "exchange.ImportFile": 1, "audit.AccessLog": 2,  # upload and check
    }
    assert Member.objects.filter(code__startswith="N").count() == 0


def test_a_file_without_the_required_columns_says_which_are_missing(run_import):
    batch, check = run_import("members", "姓名,電話\n王小明,0912\n", commit=False)
    assert problem_texts(check) == [
        "row 1: no column is mapped to 'Member code', which is required",
        "row 1: no column is mapped to 'Enrolment date', which is required",
    ]
    assert batch.state == State.PREVIEWED


def test_a_commit_that_fails_half_way_leaves_nothing(run_import, org_a, monkeypatch):
    from peerpath.members import actions as member_actions

    batch, check = run_import("members", GOOD, commit=False)
    original = member_actions.record_consent.within
    calls = []

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(member_actions.record_consent, "within", fail_on_second)
    before = counts()
    with pytest.raises(RuntimeError):
        actions.commit(org_a.staff["coordinator"], batch)
    assert counts() == before
    batch.refresh_from_db()
    assert batch.state == State.PREVIEWED


@pytest.mark.parametrize("role", ["professional", "peer_leader", "researcher"])
def test_only_administrators_and_coordinators_may_import(org_a, role):
    with pytest.raises(PermissionDenied):
        actions.upload(org_a.staff[role], kind="members", file_name="m.csv", data=GOOD.encode())


def test_an_import_of_another_organisation_is_refused(run_import, org_b):
    batch, _ = run_import("members", GOOD, commit=False)
    with pytest.raises(PermissionDenied):
        actions.commit(org_b.staff["coordinator"], batch)
    with pytest.raises(PermissionDenied):
        actions.preview(org_b.staff["admin"], batch)


def test_a_changed_mapping_needs_a_new_check_before_commit(run_import, org_a):
    batch, _ = run_import("members", GOOD, commit=False)
    mapping = {**batch.mapping, "6": ""}  # the phone column no longer imported
    actions.save_mapping(org_a.staff["coordinator"], batch, mapping=mapping, options={})
    batch.refresh_from_db()
    with pytest.raises(ValueError, match="check the file"):
        actions.commit(org_a.staff["coordinator"], batch)
    actions.preview(org_a.staff["coordinator"], batch)
    batch.refresh_from_db()
    actions.commit(org_a.staff["coordinator"], batch)
    assert Member.objects.get(code="N0001").phone == ""


def test_an_excel_workbook_and_a_big5_csv_import_like_a_utf8_csv(run_import, org_a):
    from peerpath.exchange.tests.test_tabular import xlsx

    workbook = xlsx([["會員編號", "姓名", "收案日期", "出生年"],
                     ["X0001", "吳美玲", dt.datetime(2026, 1, 5, tzinfo=dt.UTC).replace(tzinfo=None), 1979]])
    batch, check = run_import("members", workbook)
    assert check.problems == [] and batch.file_format == "xlsx" and batch.result["members"] == 1
    assert Member.objects.get(code="X0001").birth_year == 1979
    big5 = "會員編號,姓名,收案日期\nX0002,黃志明,2026-01-06\n".encode("big5")
    batch, check = run_import("members", big5, encoding="big5")
    assert check.problems == [] and Member.objects.get(code="X0002").name == "黃志明"
