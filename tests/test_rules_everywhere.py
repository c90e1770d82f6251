"""One table: every rule of ``peerpath.members.rules`` through every entry point.

The same value is refused wherever it comes in (a page's form, the API, a CSV or XLSX
import, REDCap records, the demo loader), with a message that names the field or the
row and column, and nothing is written. Each entry point is a small function that
tries one value and returns the messages it got ([] when the value was accepted).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from types import SimpleNamespace

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from conftest import verified_client
from peerpath.api.actions import create_token
from peerpath.demo import generator
from peerpath.demo.load import broken_rules
from peerpath.employment.models import Job
from peerpath.exchange import actions as imports
from peerpath.exchange.samples import redcap_records
from peerpath.measures.library import library
from peerpath.measures.models import Administration
from peerpath.members.models import Member
from peerpath.portal import actions as portal
from peerpath.portal.models import MemberAccount
from tests.factories import MemberFactory

Tenant = SimpleNamespace


def today() -> dt.date:
    return timezone.localdate()


def resolve(value: str, tenant: Tenant) -> str:
    """Symbolic dates of the table: relative to today or to the member's enrolment."""
    if value == "tomorrow":
        return (today() + dt.timedelta(days=1)).isoformat()
    if value == "day before enrolment":
        return (tenant.member.enrolment_date - dt.timedelta(days=1)).isoformat()
    return value


def api(tenant: Tenant, role: str = "professional") -> APIClient:
    _token, secret = create_token(tenant.staff[role], name=f"rules {role}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def run_import(tenant: Tenant, kind: str, data: bytes, *, options: dict | None = None,
               file_name: str = "file.csv") -> list[str]:
    """Upload, check and (when the check passes) commit; → the problems, as the preview
    lists them ("row 2, column 'x': ...")."""
    membership = tenant.staff["coordinator"]
    batch = imports.upload(membership, kind=kind, file_name=file_name, data=data, options=options)
    if options is not None:
        batch = imports.save_mapping(membership, batch, mapping=batch.mapping, options=options)
    check = imports.preview(membership, batch)
    if check.ok:
        imports.commit(membership, batch)
    return [str(p) for p in check.problems]


def xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def form_errors(response) -> list[str]:
    form = response.context["form"] if response.context and "form" in response.context else None
    assert form is not None, f"no form on the page (status {response.status_code})"
    return [e for errors in form.errors.values() for e in errors]


def api_errors(response) -> list[str]:
    if response.status_code < 400:
        return []
    body = response.json()
    return [str(m) for messages in body.values() for m in (messages if isinstance(messages, list) else [messages])]


# ---- a date that has happened (the member's enrolment, a job's start) ------------------------

MEMBER_HEADER = ["code", "name", "enrolment date"]


def member_form(t: Tenant, value: str) -> list[str]:
    data = {"name": "陳美玲", "birth_year": "1990", "gender": "female", "preferred_language": "zh-hant",
            "enrolment_date": value, "status": "active", "referral_source": "clinic", "stage": ""}
    response = verified_client(t.users["coordinator"]).post("/members/new/", data)
    return form_errors(response) if response.status_code == 200 else []


def member_edit_form(t: Tenant, value: str) -> list[str]:
    m = t.member
    data = {"name": m.name, "birth_year": str(m.birth_year), "gender": m.gender, "preferred_language": "zh-hant",
            "enrolment_date": value, "status": m.status, "referral_source": m.referral_source, "phone": m.phone}
    response = verified_client(t.users["coordinator"]).post(f"/members/{m.code}/edit/", data)
    return form_errors(response) if response.status_code == 200 else []


def members_import_csv(t: Tenant, value: str) -> list[str]:
    return run_import(t, "members", f"code,name,enrolment date\nN0001,陳小華,{value}\n".encode())


def members_import_xlsx(t: Tenant, value: str) -> list[str]:
    data = xlsx([MEMBER_HEADER, ["N0001", "陳小華", value]])
    return run_import(t, "members", data, file_name="members.xlsx")


def api_member_create(t: Tenant, value: str) -> list[str]:
    response = api(t).post("/api/v1/members/", {"name": "陳大文", "enrolment_date": value}, format="json")
    return api_errors(response)


def api_member_patch(t: Tenant, value: str) -> list[str]:
    response = api(t).patch(f"/api/v1/members/{t.member.code}/", {"enrolment_date": value}, format="json")
    return api_errors(response)


def jobs_import(t: Tenant, value: str) -> list[str]:
    data = f"member code,employer,title,start date,hours per week\n{t.member.code},全聯,店員,{value},20\n"
    return run_import(t, "jobs", data.encode())


def jobs_import_end(t: Tenant, value: str) -> list[str]:
    """A job that ended on ``value`` (it started on 1900-01-01, so that only the end is judged)."""
    data = ("member code,employer,title,start date,hours per week,end date,ending reason\n"
            f"{t.member.code},全聯,店員,1900-01-01,20,{value},quit\n")
    return run_import(t, "jobs", data.encode())


def api_job_create(t: Tenant, value: str) -> list[str]:
    job = {"title": "外場服務員", "start_date": value, "hours_per_week": "15.5", "in_community": True,
           "open_to_anyone": True, "minimum_wage_or_more": True, "disclosure": "none",
           "new_employer_name": f"新開咖啡店 {value}", "new_employer_sector": "food_service"}
    return api_errors(api(t).post(f"/api/v1/members/{t.member.code}/jobs/", job, format="json"))


def demo_enrolment(t: Tenant, value: str) -> list[str]:
    plan = generator.plan(seed=7)
    plan.members[0].enrolment_date = dt.date.fromisoformat(value)
    plan.members[0].questionnaires = []
    return broken_rules(plan)


PAST_DATE_ENTRY_POINTS: dict[str, Callable[[Tenant, str], list[str]]] = {
    "add-member form": member_form,
    "edit-member form": member_edit_form,
    "members import (CSV)": members_import_csv,
    "members import (XLSX)": members_import_xlsx,
    "POST /api/v1/members/": api_member_create,
    "PATCH /api/v1/members/<code>/": api_member_patch,
    "jobs import": jobs_import,
    "jobs import (end date)": jobs_import_end,
    "POST /api/v1/members/<code>/jobs/": api_job_create,
    "demo loader": demo_enrolment,
}
PAST_DATES = [
    ("0001-01-01", "before 1900"),
    ("1899-12-31", "before 1900"),
    ("tomorrow", "in the future"),
]


def _stored() -> tuple[int, int, list[str]]:
    return (Member.objects.count(), Job.objects.count(),
            sorted(str(d) for d in Member.objects.values_list("enrolment_date", flat=True)))


@pytest.mark.parametrize("value, expected", PAST_DATES)
@pytest.mark.parametrize("entry", list(PAST_DATE_ENTRY_POINTS))
def test_a_date_that_has_happened_lies_between_1900_and_today_on_every_path(org_a, entry, value, expected):
    before = _stored()
    messages = PAST_DATE_ENTRY_POINTS[entry](org_a, resolve(value, org_a))
    assert any(expected in m for m in messages), messages
    assert _stored() == before


@pytest.mark.parametrize("entry", [e for e in PAST_DATE_ENTRY_POINTS if e != "demo loader"])
def test_1900_itself_and_today_are_accepted_on_every_path(org_a, entry):
    for value in ("1900-01-01", today().isoformat()):
        assert PAST_DATE_ENTRY_POINTS[entry](org_a, value) == [], (entry, value)


# ---- the date a questionnaire was answered -------------------------------------------------------


def paper_form(t: Tenant, value: str) -> list[str]:
    data = {"taken_on": value, "reason": "periodic", **{f"item_{i}": "1" for i in range(1, 10)}}
    response = verified_client(t.users["coordinator"]).post(f"/members/{t.member.code}/questionnaires/enter/phq9/",
                                                            data)
    return form_errors(response) if response.status_code == 200 else []


def api_response(t: Tenant, value: str) -> list[str]:
    entry = {"instrument": "phq9", "taken_on": value, "reason": "periodic",
             "answers": {str(i): 1 for i in range(1, 10)}}
    return api_errors(api(t).post(f"/api/v1/members/{t.member.code}/questionnaire-responses/", entry,
                                  format="json"))


def responses_import(t: Tenant, value: str) -> list[str]:
    data = "member code,date,1,2,3,4,5,6,7,8,9\n" + f"{t.member.code},{value},1,1,1,1,1,1,1,1,1\n"
    return run_import(t, "responses", data.encode(), options={"instrument": "phq9"})


def responses_import_xlsx(t: Tenant, value: str) -> list[str]:
    rows = [["member code", "date", *map(str, range(1, 10))], [t.member.code, value, *["1"] * 9]]
    return run_import(t, "responses", xlsx(rows), options={"instrument": "phq9"}, file_name="phq9.xlsx")


def redcap_records_import(t: Tenant, value: str) -> list[str]:
    data = redcap_records(library()["phq9"], records=1, code=lambda i: t.member.code)
    header, row = data.splitlines()[:2]
    cells = row.split(",")
    cells[header.split(",").index("visit_date")] = value
    options = {"instrument": "phq9", "form": "phq9", "date_field": "visit_date", "member_field": "member_code"}
    return run_import(t, "redcap", f"{header}\n{','.join(cells)}\n".encode(), options=options)


def demo_questionnaire(t: Tenant, value: str) -> list[str]:
    plan = generator.plan(seed=7)
    member = next(m for m in plan.members if m.questionnaires)
    member.enrolment_date = t.member.enrolment_date  # so that "the day before enrolment" means the same
    member.questionnaires = [member.questionnaires[0]]
    member.questionnaires[0].taken_on = dt.date.fromisoformat(value)
    return broken_rules(plan)


ANSWERED_ENTRY_POINTS: dict[str, Callable[[Tenant, str], list[str]]] = {
    "paper form": paper_form,
    "POST /api/v1/members/<code>/questionnaire-responses/": api_response,
    "responses import (CSV)": responses_import,
    "responses import (XLSX)": responses_import_xlsx,
    "REDCap records import": redcap_records_import,
    "demo loader": demo_questionnaire,
}
ANSWERED_DATES = [
    *PAST_DATES,
    ("day before enrolment", "before the member's enrolment"),
]


@pytest.mark.parametrize("value, expected", ANSWERED_DATES)
@pytest.mark.parametrize("entry", list(ANSWERED_ENTRY_POINTS))
def test_a_questionnaire_is_answered_between_enrolment_and_today_on_every_path(org_a, entry, value, expected):
    messages = ANSWERED_ENTRY_POINTS[entry](org_a, resolve(value, org_a))
    assert any(expected in m for m in messages), messages
    assert not Administration.objects.exists()


@pytest.mark.parametrize("entry", [e for e in ANSWERED_ENTRY_POINTS if e != "demo loader"])
def test_the_day_of_enrolment_is_accepted_on_every_path(org_a, entry):
    assert ANSWERED_ENTRY_POINTS[entry](org_a, org_a.member.enrolment_date.isoformat()) == []
    assert Administration.objects.count() == 1


# ---- member codes, whatever their case -----------------------------------------------------------


def code_members_import_csv(t: Tenant, code: str) -> list[str]:
    return run_import(t, "members", f"code,name,enrolment date\n{code},陳小華,2026-01-05\n".encode())


def code_members_import_xlsx(t: Tenant, code: str) -> list[str]:
    return run_import(t, "members", xlsx([MEMBER_HEADER, [code, "陳小華", "2026-01-05"]]), file_name="m.xlsx")


def code_twice_in_one_file(t: Tenant, code: str) -> list[str]:
    data = f"code,name,enrolment date\n{code.upper()},陳小華,2026-01-05\n{code.lower()},林美,2026-01-06\n"
    return run_import(t, "members", data.encode())


def code_database(t: Tenant, code: str) -> list[str]:
    try:
        with transaction.atomic():
            Member.objects.create(organization=t.org, code=code, name="x", enrolment_date=today())
    except IntegrityError as exc:
        return [f"taken: {exc}"]
    return []


def code_demo(t: Tenant, code: str) -> list[str]:
    plan = generator.plan(seed=7)
    first = plan.members[0]
    twin = next(m for m in plan.members[1:] if m.org == first.org)
    twin.code = first.code.lower() if first.code != first.code.lower() else first.code.upper()
    return broken_rules(plan)


CODE_ENTRY_POINTS: dict[str, tuple[Callable[[Tenant, str], list[str]], str]] = {
    "members import (CSV)": (code_members_import_csv, "taken by member A0001"),
    "members import (XLSX)": (code_members_import_xlsx, "taken by member A0001"),
    "one import file": (code_twice_in_one_file, "is also in row 2"),
    "database": (code_database, "taken"),
    "demo loader": (code_demo, "the member code is also"),
}


@pytest.mark.parametrize("entry", list(CODE_ENTRY_POINTS))
def test_a_member_code_in_another_case_is_the_same_code_on_every_path(org_a, entry):
    action, expected = CODE_ENTRY_POINTS[entry]
    before = Member.objects.count()
    messages = action(org_a, "a0001" if entry != "one import file" else "n0009")
    assert any(expected in m for m in messages), messages
    assert Member.objects.count() == before


def test_a_code_made_by_peerpath_skips_a_code_taken_in_another_case(org_a):
    MemberFactory(organization=org_a.org, code="m0007")
    assert member_form(org_a, today().isoformat()) == []
    assert Member.objects.filter(organization=org_a.org).latest("pk").code == "M0008"


def test_the_same_code_in_another_organisation_is_another_member(org_a, org_b):
    assert code_members_import_csv(org_b, "a0001") == []
    assert Member.objects.filter(code__iexact="a0001").count() == 2


# ---- user names ----------------------------------------------------------------------------------


def portal_page(t: Tenant) -> list[str]:
    response = verified_client(t.users["coordinator"]).post(f"/members/{t.member.code}/portal/")
    assert response.status_code == 200
    errors = [str(e) for e in response.context.get("errors") or []]
    page = response.content.decode()
    assert all(escape(e) in page for e in errors) and ("The portal account was not opened." in page) == bool(errors)
    return errors


def portal_action(t: Tenant) -> list[str]:
    try:
        portal.create_account(t.staff["coordinator"], t.member)
    except ValidationError as exc:
        return exc.messages
    return []


USERNAME_ENTRY_POINTS = {"portal page": portal_page, "create_account": portal_action}


@pytest.mark.parametrize("clash", ["staff user of another organisation", "same name in capitals",
                                   "another organisation's portal account"])
@pytest.mark.parametrize("entry", list(USERNAME_ENTRY_POINTS))
def test_a_derived_portal_user_name_never_takes_another_accounts_name(org_a, org_b, entry, clash):
    name = portal.portal_username(org_a.org.slug, org_a.member.code)  # "assoc-a-a0001"
    if clash == "staff user of another organisation":
        get_user_model().objects.create_user(username=name)
    elif clash == "same name in capitals":
        get_user_model().objects.create_user(username=name.upper())
    else:  # organisation "assoc" with a member "a-a0001" derives the same name
        other = MemberFactory(organization=org_b.org, code="a-a0001")
        org_b.org.slug = "assoc"
        org_b.org.save(update_fields=["slug"])
        portal.create_account(org_b.staff["coordinator"], other)
    users = get_user_model().objects.count()
    messages = USERNAME_ENTRY_POINTS[entry](org_a)
    assert any(f"The user name {name} is already used by another account" in m for m in messages), messages
    assert get_user_model().objects.count() == users
    assert not MemberAccount.objects.filter(member=org_a.member).exists()


def test_a_staff_user_name_never_takes_a_portal_accounts_name_in_any_case(org_a, org_b):
    portal.create_account(org_a.staff["coordinator"], org_a.member)  # assoc-a-a0001
    users = get_user_model().objects.count()
    response = verified_client(org_b.users["admin"]).post("/staff/new/", {
        "username": "ASSOC-A-A0001", "first_name": "A", "last_name": "B", "email": "x@example.org",
        "role": "researcher"})
    assert response.status_code == 200
    assert form_errors(response) == ["This username is taken. Choose another."]
    assert get_user_model().objects.count() == users


def test_a_free_portal_user_name_opens_the_account(org_a):
    assert portal_page(org_a) == []
    assert MemberAccount.objects.get(member=org_a.member).user.username == "assoc-a-a0001"


def test_the_table_covers_every_entry_point_of_the_issue():
    """The entry points issue 13 names, each in the table above."""
    assert {"add-member form", "members import (CSV)", "PATCH /api/v1/members/<code>/", "jobs import"} <= set(
        PAST_DATE_ENTRY_POINTS)
    assert {"paper form", "responses import (CSV)", "REDCap records import"} <= set(ANSWERED_ENTRY_POINTS)
