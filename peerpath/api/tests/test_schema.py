"""The OpenAPI schema builds without warnings; the schema and documentation pages
are served to staff, and the documentation page keeps the strict CSP."""

from __future__ import annotations

import re

import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from conftest import verified_client
from peerpath.api.actions import create_token
from peerpath.api.tests.conftest import token_client
from tests.factories import UserFactory


def test_the_schema_builds_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/members/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token created under Account → API tokens (pp_…).",
    }


def test_every_operation_requires_the_token():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security") == [{"apiToken": []}], f"{method} {path}"


def test_staff_read_the_schema_in_their_session(org_a):
    response = verified_client(org_a.users["peer_leader"]).get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/scores/" in response.json()["paths"]


def test_a_script_reads_the_schema_with_its_token(org_a):
    _token, secret = create_token(org_a.staff["researcher"], name="script")
    assert token_client(secret).get("/api/schema/").status_code == 200
    assert Client().get("/api/schema/", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_the_schema_is_not_public(db):
    assert Client().get("/api/schema/").status_code == 302
    member = Client()
    member.force_login(UserFactory())
    assert member.get("/api/schema/").status_code == 403


def test_the_documentation_page_loads_everything_from_peerpath_itself_under_the_strict_csp(org_a):
    client = verified_client(org_a.users["professional"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "<style" not in page and " style=" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', page)).replace("/static/", "")
    for asset in re.findall(r'(?:src|href)="/static/([^"?]+)"', page):
        assert finders.find(asset), f"{asset} is not among Peerpath's static files"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
