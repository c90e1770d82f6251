"""The member list's rows, written in Python (``{% member_rows %}``), are the HTML
the template loop wrote, byte for byte, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from peerpath.members.models import Member
from peerpath.members.templatetags.member_list import member_rows
from tests.factories import CareTeamFactory, MemberFactory, StageChangeFactory, UserFactory

# members/_results.html's loop before it was written in Python
TEMPLATE_LOOP = """{% load i18n %}{% translate "Code" as l_code %}{% translate "Name" as l_name %}\
{% translate "Status" as l_status %}{% translate "Recovery stage" as l_stage %}\
{% translate "Professional" as l_pro %}{% translate "Enrolled" as l_enrolled %}\
{% for m in page.object_list %}
    <tr>
      <td data-label="{{ l_code }}"><a href="{% url 'member_detail' code=m.code %}">{{ m.code }}</a></td>
      <td data-label="{{ l_name }}">{{ m.name }}</td>
      <td data-label="{{ l_status }}"><span class="status status-{{ m.status }}">{{ m.get_status_display }}</span></td>
      <td data-label="{{ l_stage }}">{{ m.stage_label }}</td>
      <td data-label="{{ l_pro }}">{{ m.professional_name|default:"—" }}</td>
      <td data-label="{{ l_enrolled }}">{{ m.enrolment_date|date:"Y-m-d" }}</td>
    </tr>
  {% endfor %}"""


@pytest.fixture
def tricky(org_a):
    """Members whose values need escaping or percent-encoding, in every status,
    with and without a stage and a professional."""
    pro = UserFactory(first_name='<b>"Ann"</b>', last_name="O'Hara & Co")
    cjk = UserFactory(first_name="雅婷", last_name="張")
    bare = UserFactory(first_name="", last_name="", username="pro.<wu>")
    rows = [
        ("A<1>", '<script>alert("x")</script>', "active", pro),
        ("B&2", "陳美玲", "inactive", cjk),
        ("C 3", "Mary Jane Watson", "discharged", bare),
        ("D'4é", "O'Brien", "active", None),
        ("E-5.x_~", "林 & 王", "active", None),
    ]
    for code, name, status, professional in rows:
        member = MemberFactory(organization=org_a.org, code=code, name=name, status=status,
                               enrolment_date=dt.date(2024, 1, 9))
        if professional:
            CareTeamFactory(member=member, professional=professional, assigned_by=professional)
            StageChangeFactory(member=member, stage="rebuilding" if professional is cjk else "awareness")
    Member.objects.filter(code="E-5.x_~").update(status="on-hold")  # shown as stored
    return org_a


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_rows_are_the_templates_rows(tricky, coordinator, language):
    with translation.override(language):
        response = coordinator.get("/members/", HTTP_ACCEPT_LANGUAGE=language)
        page = response.context["page"]
        assert len(page.object_list) == 6  # the five above and org A's own member
        assert any(m.stage_label for m in page.object_list) and any(not m.stage_label for m in page.object_list)
        expected = Template(TEMPLATE_LOOP).render(Context({"page": page}))
        written = member_rows(page.object_list)
        label = translation.gettext("Recovery stage")
    assert f'data-label="{label}"' in written and (label != "Recovery stage") == (language == "zh-hant")
    assert written == expected
    assert written in response.content.decode()
    assert "&lt;script&gt;" in written and "%20" in written  # escaped, and a code percent-encoded
