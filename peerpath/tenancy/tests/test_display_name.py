"""Staff names are shown by one helper, ``display_name`` (and its template filter
``staff_name``): Chinese names family name first without a space, others given
name first, the username when no name was recorded."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.template import Context, Template

from peerpath.tenancy.models import display_name
from tests.factories import MembershipFactory


def _user(given: str, family: str, username: str = "someone"):
    return get_user_model()(first_name=given, last_name=family, username=username)


def test_a_chinese_name_is_family_name_first_without_a_space():
    assert display_name(_user("建宏", "吳")) == "吳建宏"


def test_a_western_name_is_given_name_first():
    assert display_name(_user("Ann", "Lee")) == "Ann Lee"


def test_a_user_without_a_name_is_shown_by_username():
    assert display_name(_user("", "", username="ot")) == "ot"


def test_the_template_filter_uses_the_same_helper_and_shows_nothing_for_no_user():
    template = Template("{% load people %}[{{ a|staff_name }}][{{ b|staff_name }}][{{ none|staff_name }}]")
    html = template.render(Context({"a": _user("建宏", "吳"), "b": _user("Ann", "Lee"), "none": None}))
    assert html == "[吳建宏][Ann Lee][]"


def test_the_report_professional_filter_shows_chinese_names_family_name_first(org_a, client_for):
    MembershipFactory(organization=org_a.org, role="professional",
                      user__first_name="建宏", user__last_name="吳", user__username="wu")
    response = client_for("coordinator").get("/reports/programme/", {"period": "2026Q3"})
    assert response.status_code == 200
    labels = dict(response.context["form"].fields["professional"].choices)
    assert "吳建宏" in labels.values()
    assert "建宏 吳" not in response.content.decode()


def test_the_staff_list_shows_names_through_the_same_helper(org_a, client_for):
    MembershipFactory(organization=org_a.org, role="professional",
                      user__first_name="Ann", user__last_name="Lee", user__username="annlee")
    html = client_for("admin").get("/staff/").content.decode()
    assert "Ann Lee" in html and "LeeAnn" not in html



def test_no_template_writes_a_staff_name_by_hand():
    """Templates show staff names with ``|staff_name``, never by gluing the
    name fields together (which puts Western names in the wrong order)."""
    root = Path(__file__).resolve().parents[2]
    by_hand = re.compile(r"\.(last_name|first_name) \}\}\s*\{\{ [\w.]+\.(first_name|last_name) \}\}")
    found = [str(p.relative_to(root)) for p in root.rglob("*.html") if by_hand.search(p.read_text(encoding="utf-8"))]
    assert not found, f"use |staff_name in: {found}"
