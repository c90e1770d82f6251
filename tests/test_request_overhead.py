"""What every staff page pays for its layout (base.html) beyond its own work."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template.base import Node
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.utils import translation

from peerpath.tenancy import middleware
from peerpath.tenancy.models import Membership, Role
from peerpath.workspace.templatetags.workspace_nav import SharedNode
from tests.factories import MembershipFactory, OrganizationFactory


def test_the_layouts_blocks_are_found_without_searching_its_shared_parts():
    """{% extends %} searches the layout's nodes for blocks on every render; the
    shared parts (no block in them, checked when parsed) are left out."""
    layout = get_template("base.html").template
    shared = layout.nodelist.get_nodes_by_type(SharedNode)
    inside = {id(node) for part in shared for node in part.nodelist.get_nodes_by_type(Node)}
    searched = {id(node) for node in layout.nodelist.get_nodes_by_type(Node)}
    assert shared and inside and not inside & searched
    assert {block.name for block in layout.nodelist.get_nodes_by_type(BlockNode)} == {"title", "head", "content"}


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_role_label_is_the_roles_display(language):
    with translation.override(language):
        for role in [*Role.values, "retired"]:  # "retired": a value that is no longer a role
            membership = Membership(role=role)
            assert membership.role_label == membership.get_role_display()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_layout_names_the_acting_role(coordinator, org_a, language):
    coordinator.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = coordinator.get("/members/")
    with translation.override(language):
        label = Membership(role=Role.COORDINATOR).get_role_display()
    assert f" · {label}</a>" in response.content.decode()


def test_a_request_reads_the_users_active_memberships_by_organisation_name(org_a, org_b, client_for):
    """What the middleware reads (compiled once) is what the queryset gives: the
    user's own active memberships with their organisation and user, by name."""
    user = org_a.users["professional"]
    MembershipFactory(user=user, organization=OrganizationFactory(name="Aardvark association"), role="coordinator")
    MembershipFactory(user=user, organization=OrganizationFactory(name="Zebra association"), is_active=False)
    expected = list(Membership.objects.filter(user=user, is_active=True)
                    .select_related("organization", "user").order_by("organization__name", "pk"))
    for client in (client_for("professional"), client_for("professional")):  # compiled, then reused
        request = client.get("/members/").wsgi_request
        got = request.memberships
        assert [(m.pk, m.role, m.organization.name, m.user.username) for m in got] == [
            (m.pk, m.role, m.organization.name, m.user.username) for m in expected
        ]
        assert [m.organization.name for m in got] == ["Aardvark association", "Association A"]
    other = client_for("professional", org_b).get("/members/").wsgi_request
    assert [m.organization for m in other.memberships] == [org_b.org]


def test_a_second_request_builds_no_memberships_queryset(client_for, monkeypatch):
    client = client_for("coordinator")
    assert client.get("/members/").status_code == 200
    built = []
    build = middleware._active_memberships

    def counted(**values):
        built.append(values)
        return build(**values)

    monkeypatch.setattr(middleware, "_active_memberships", counted)
    response = client.get("/members/")
    assert response.status_code == 200 and response.wsgi_request.membership is not None
    assert built == []
