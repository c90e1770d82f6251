"""The main menu groups the pages by the work and shows each role what it can use."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from peerpath.tenancy.models import Role
from peerpath.workspace.navigation import MENU

pytestmark = pytest.mark.django_db

STAFF_ROLES = [Role.ADMIN, Role.COORDINATOR, Role.PROFESSIONAL, Role.PEER_LEADER, Role.RESEARCHER]
# Pages a role may open but has no use for from the menu.
NOT_USEFUL = {("export_list", Role.PROFESSIONAL), ("export_list", Role.PEER_LEADER)}


def menu_of(client) -> tuple[list[str], dict[str, str]]:
    """(top-level items, link text → href) of the main menu on the dashboard."""
    page = client.get("/dashboard/").content.decode()
    nav = page[page.index('class="main-nav"'):page.index("</nav>")]
    top = re.findall(r'^  <li[^>]*>(?:<a [^>]*>([^<]+)</a>|<details[^>]*>\s*<summary>([^<]+)</summary>)', nav, re.M)
    items = [a or b for a, b in top if a or b]
    links = dict((text.strip(), href) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav))
    return items, links


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_sees_at_most_seven_top_level_items_and_every_link_opens(client_for, role):
    client = client_for(role)
    items, links = menu_of(client)
    assert 1 <= len(items) <= 7, items
    for text, href in links.items():
        assert client.get(href).status_code == 200, (role, text, href)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_no_page_the_role_can_use_is_left_out(client_for, role):
    client = client_for(role)
    _items, links = menu_of(client)
    shown = set(links.values())
    for group in MENU:
        for entry in group.entries:
            try:
                url = reverse(entry.route)
            except NoReverseMatch:
                continue
            if url in shown or (entry.route, role) in NOT_USEFUL:
                continue
            assert client.get(url).status_code in (403, 404), (role, entry.route)


def test_the_groups_follow_the_work(client_for):
    items, links = menu_of(client_for(Role.COORDINATOR))
    assert items == ["Dashboard", "People", "Professional track", "Peer track", "Reports", "Data", "Administration"]
    peer_items, _ = menu_of(client_for(Role.PEER_LEADER))
    assert "Professional track" not in peer_items and "Administration" not in peer_items
    researcher_items, researcher_links = menu_of(client_for(Role.RESEARCHER))
    assert "People" not in researcher_items and "Exports" in researcher_links


def test_the_current_page_and_its_group_are_marked(client_for):
    page = client_for(Role.PROFESSIONAL).get("/caseload/").content.decode()
    nav = page[page.index('class="main-nav"'):page.index("</nav>")]
    assert '<details class="nav-group current">' in nav
    assert re.search(r'href="/caseload/" aria-current="page"', nav)


def test_the_cached_menu_follows_the_role_the_page_and_the_language(client_for):
    """The menu's HTML is cached per process: one role's menu, current page or
    language never shows for another."""
    coordinator, peer_leader = client_for(Role.COORDINATOR), client_for(Role.PEER_LEADER)
    for _ in range(2):  # the second round is served from the cache
        _items, links = menu_of(coordinator)
        assert "Audit log" in links
        _items, links = menu_of(peer_leader)
        assert "Audit log" not in links and "Referrals" not in links
        caseload = coordinator.get("/caseload/").content.decode()
        members = coordinator.get("/members/").content.decode()
        assert 'href="/caseload/" aria-current="page"' in caseload and 'href="/members/" aria-current' not in caseload
        assert 'href="/members/" aria-current="page"' in members and 'href="/caseload/" aria-current' not in members
        coordinator.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
        chinese = coordinator.get("/dashboard/").content.decode()
        del coordinator.cookies[settings.LANGUAGE_COOKIE_NAME]
        english = coordinator.get("/dashboard/").content.decode()
        assert "個案清單" in chinese.split("</nav>")[0] and "Caseload" not in chinese.split("</nav>")[0]
        assert "Caseload" in english.split("</nav>")[0]


def test_shared_layout_parts_follow_the_language_and_refuse_per_request_content():
    from django.template import TemplateSyntaxError, engines
    from django.utils import translation

    django_engine = engines["django"]
    shared = django_engine.from_string('{% load i18n workspace_nav %}{% shared %}{% translate "Sign out" %}{% endshared %}')
    for _ in range(2):
        with translation.override("zh-hant"):
            chinese = shared.render({})
        with translation.override("en"):
            english = shared.render({})
        assert english == "Sign out" and chinese != english
    for body in ("{{ user }}", "{{ request.path }}", "{% csrf_token %}", "{% block x %}{% endblock %}"):
        with pytest.raises(TemplateSyntaxError):
            django_engine.from_string("{% load workspace_nav %}{% shared %}" + body + "{% endshared %}")
