"""Imports never drop or double what a file says: a column that is no item is a problem,
two different answers for one administration are a problem, and an XLSX sheet is read
from its real cells, whatever its stored dimension claims."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.utils import timezone

from peerpath.exchange.models import State
from peerpath.exchange.samples import redcap_records
from peerpath.exchange.tabular import FileError, read_table
from peerpath.exchange.tests._helpers import problem_texts
from peerpath.measures.library import library
from peerpath.measures.models import Administration
from tests.factories import MemberFactory

PHQ9 = [str(i) for i in range(1, 10)]


def day(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


# ---- columns that name no item ---------------------------------------------------------------


@pytest.mark.parametrize("column", ["10", "phq9_10", "q10", "item10", "PHQ9_10", "who5_1"])
def test_a_column_that_names_no_item_of_the_questionnaire_is_a_problem(run_import, org_a, column):
    data = f"member code,date,{','.join(PHQ9)},{column}\nA0001,{day(1)},{','.join(['1'] * 9)},3\n"
    batch, check = run_import("responses", data, options={"instrument": "phq9"})
    texts = problem_texts(check)
    assert len(texts) == 1 and texts[0].startswith(f"row 1, column '{column}': ")
    assert "phq9 has no such item" in texts[0] and "items 1-9" in texts[0], texts
    assert not Administration.objects.exists() and batch.state != State.COMMITTED


def test_a_file_of_several_questionnaires_reads_each_its_own_items(run_import, org_a):
    data = ("member code,questionnaire,date,1,2,3,4,5,6,7,8,9\n"
            f"A0001,phq9,{day(1)},1,1,1,1,1,1,1,1,1\n"
            f"A0001,who5,{day(1)},3,3,3,3,3,,,,\n")
    batch, check = run_import("responses", data)
    assert check.problems == [] and Administration.objects.count() == 2


def test_a_redcap_variable_of_the_form_that_is_no_item_is_a_problem(run_import, org_a):
    MemberFactory(organization=org_a.org, code="M00001", enrolment_date=dt.date(2024, 1, 1))
    data = redcap_records(library()["phq9"], records=1)
    header, row = data.splitlines()[:2]
    data = f"{header},phq9_10,other_form_3\n{row},2,1\n"
    options = {"instrument": "phq9", "form": "phq9", "date_field": "visit_date", "member_field": "member_code"}
    batch, check = run_import("redcap", data, options=options)
    texts = problem_texts(check)
    assert len(texts) == 1 and texts[0].startswith("row 1, column 'phq9_10': "), texts
    assert not Administration.objects.exists()


def test_a_member_code_in_another_case_finds_the_member_in_every_import(run_import, org_a):
    jobs = f"member code,employer,title,start date,hours per week\na0001,全聯,店員,{day(10)},20\n"
    batch, check = run_import("jobs", jobs)
    assert check.problems == [] and check.n_new == 1
    answers = f"member code,date,{','.join(PHQ9)}\na0001,{day(1)},{','.join(['1'] * 9)}\n"
    batch, check = run_import("responses", answers, options={"instrument": "phq9"})
    assert check.problems == [] and Administration.objects.get().member == org_a.member


# ---- two different answers for one administration --------------------------------------------


def test_two_different_answers_for_one_administration_in_a_file_are_a_problem(run_import, org_a):
    data = (f"member code,date,{','.join(PHQ9)}\n"
            f"A0001,{day(3)},{','.join(['1'] * 9)}\n"
            f"A0001,{day(3)},{','.join(['2'] * 9)}\n"
            f"A0001,{day(3)},{','.join(['1'] * 9)}\n")  # the same answers again: present, not a problem
    batch, check = run_import("responses", data, options={"instrument": "phq9"})
    assert problem_texts(check) == [
        f"row 3, column 'date': two different answers for one administration: phq9 of A0001 on {day(3)} is "
        "also in row 2 with other answers"
    ]
    assert not Administration.objects.exists()


def test_other_answers_than_those_in_peerpath_for_one_administration_are_a_problem(run_import, org_a):
    first = f"member code,date,{','.join(PHQ9)}\nA0001,{day(3)},{','.join(['1'] * 9)}\n"
    batch, check = run_import("responses", first, options={"instrument": "phq9"})
    assert check.problems == [] and Administration.objects.count() == 1
    other = first.replace(",1,1,1,1,1,1,1,1,1", ",2,2,2,2,2,2,2,2,2")
    batch, check = run_import("responses", other, options={"instrument": "phq9"})
    assert problem_texts(check) == [
        f"row 2, column 'date': two different answers for one administration: phq9 of A0001 on {day(3)} is "
        "already in Peerpath with other answers"
    ]
    assert Administration.objects.count() == 1
    batch, check = run_import("responses", first, options={"instrument": "phq9"})  # the same again
    assert check.problems == [] and (check.n_new, check.n_present) == (0, 1)


def test_redcap_records_with_two_answers_for_one_day_are_a_problem(run_import, org_a):
    MemberFactory(organization=org_a.org, code="M00001", enrolment_date=dt.date(2024, 1, 1))
    text = redcap_records(library()["phq9"], records=1, events=("baseline_arm_1", "week_1_arm_1"))
    rows = list(csv.reader(io.StringIO(text)))
    header, first, second = rows
    date, item = header.index("visit_date"), header.index("phq9_1")
    second[date] = first[date]  # both events on one day,
    second[item] = "3" if first[item] != "3" else "0"  # with other answers
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, first, second])
    options = {"instrument": "phq9", "form": "phq9", "date_field": "visit_date", "member_field": "member_code"}
    batch, check = run_import("redcap", out.getvalue(), options=options)
    assert problem_texts(check) == [
        f"row 3, column 'visit_date': two different answers for one administration: phq9 of M00001 on "
        f"{first[date]} is also in row 2 with other answers"
    ]
    assert not Administration.objects.exists()


# ---- XLSX: the real cells, not the stored dimension -------------------------------------------


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The same workbook, its first sheet's <dimension> rewritten to claim ``ref``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content, n = re.subn(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{ref}"/>'.encode(), content)
                assert n == 1
            target.writestr(info, content)
    return out.getvalue()


def with_cell(data: bytes, ref: str, value: str) -> bytes:
    """The same workbook with an inline-string cell ``ref`` added to the last row."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                cell = f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c></row></sheetData>'.encode()
                content = content.replace(b"</row></sheetData>", cell, 1)
            target.writestr(info, content)
    return out.getvalue()


ROWS = [["code", "name", "enrolment date"], *[[f"N{i:04d}", f"成員{i}", "2026-01-05"] for i in range(1, 201)]]


def test_a_sheet_whose_dimension_claims_two_rows_is_read_to_its_last_real_row():
    data = with_dimension(workbook(ROWS), "A1:C2")
    table = read_table(data)
    assert len(table.rows) == 200 and table.rows[-1] == (201, ["N0200", "成員200", "2026-01-05"])


def test_a_members_import_of_such_a_sheet_creates_all_200(run_import, org_a):
    batch, check = run_import("members", with_dimension(workbook(ROWS), "A1:C2"))
    assert check.problems == [] and check.n_new == 200


def test_a_small_sheet_claiming_column_xfd_is_read_as_fast_as_any():
    rows = [["code", "name", "enrolment date"], *[[f"N{i:04d}", "x", "2026-01-05"] for i in range(1, 3001)]]
    honest = workbook(rows)
    lying = with_dimension(honest, "A1:XFD3001")
    started = time.perf_counter()
    table = read_table(lying)
    took = time.perf_counter() - started
    started = time.perf_counter()
    read_table(honest)
    baseline = time.perf_counter() - started
    assert len(table.rows) == 3000 and table.header == ("code", "name", "enrolment date")
    assert took < 3 * baseline + 0.5, (took, baseline)
    tiny = with_dimension(workbook(ROWS[:3]), "A1:XFD1048576")  # a few KB claiming the whole sheet
    started = time.perf_counter()
    assert len(read_table(tiny).rows) == 2
    assert time.perf_counter() - started < 1


def test_a_sheet_with_a_cell_beyond_the_column_limit_is_refused_naming_it():
    data = with_cell(workbook(ROWS[:3]), "XFD3", "boom")
    with pytest.raises(FileError) as refused:
        read_table(data)
    [problem] = refused.value.problems
    assert str(problem) == ("row 3: a value in column XFD (16384): at most 1000 columns can be imported; "
                            "delete what is beyond them")


def test_a_sheet_with_more_rows_than_allowed_is_refused_before_the_rest_is_read():
    with pytest.raises(FileError) as refused:
        read_table(workbook(ROWS), max_rows=50)
    assert [str(p) for p in refused.value.problems] == [
        "row 52: the file has more than 50 rows of data; split it into smaller files"]
