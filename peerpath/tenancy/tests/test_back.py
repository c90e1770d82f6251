"""``next`` is followed only to a path of this site."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from peerpath.tenancy.back import back_or, next_url


@pytest.mark.parametrize("target", ["/caseload/?sort=due#row-A0001", "/members/A0001/"])
def test_a_local_path_is_followed(target):
    assert next_url(RequestFactory().get("/x/", {"next": target})) == target
    assert next_url(RequestFactory().post("/x/", {"next": target})) == target


@pytest.mark.parametrize("target", [
    "https://evil.example.org/", "//evil.example.org/", "javascript:alert(1)", "caseload/", "/\\evil.example.org",
    "",
])
def test_anything_else_falls_back(target):
    request = RequestFactory().get("/x/", {"next": target})
    assert next_url(request) is None
    assert back_or(request, "/members/A0001/employment/") == "/members/A0001/employment/"
