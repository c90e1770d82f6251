"""The group page draws each chart once for what it shows: a second view reads the
SVGs from the cache; new data, or another language, draws anew."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from peerpath.groups import charts
from peerpath.groups.tests.test_query_counts import sessions


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The names of the charts drawn (matplotlib called) during the test."""
    cache.clear()
    calls: list[str] = []
    for name in ("attendance_svg", "profile_svg", "climate_svg"):
        original = getattr(charts, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        counting.__qualname__ = original.__qualname__
        monkeypatch.setattr(charts, name, counting)
    return calls


def test_a_second_view_of_the_group_page_draws_no_chart(client_for, org_a, group_a, drawn):
    client = client_for("coordinator")
    sessions(org_a, group_a, 0, 3)
    first = client.get(f"/groups/{group_a.group.pk}/")
    assert sorted(drawn) == ["attendance_svg", "climate_svg", "profile_svg"]
    drawn.clear()
    second = client.get(f"/groups/{group_a.group.pk}/")
    assert drawn == []
    assert second.context["attendance"]["svg"] == first.context["attendance"]["svg"]
    assert "<svg" in second.content.decode()


def test_a_new_session_draws_the_charts_it_changes(client_for, org_a, group_a, drawn):
    client = client_for("coordinator")
    sessions(org_a, group_a, 1, 3)
    before = client.get(f"/groups/{group_a.group.pk}/").context["profile"]["svg"]
    drawn.clear()
    sessions(org_a, group_a, 0, 1)  # this week's session, with two more coded incidents
    after = client.get(f"/groups/{group_a.group.pk}/").context["profile"]["svg"]
    assert "profile_svg" in drawn
    assert after != before


def test_the_page_in_another_language_draws_its_own_charts(client_for, org_a, group_a, drawn):
    client = client_for("coordinator")
    sessions(org_a, group_a, 0, 2)
    english = client.get(f"/groups/{group_a.group.pk}/").context["attendance"]["svg"]
    drawn.clear()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    chinese = client.get(f"/groups/{group_a.group.pk}/").context["attendance"]["svg"]
    assert "出席" in chinese and chinese != english
    assert "attendance_svg" in drawn
