"""What every staff page pays for its layout (base.html) beyond its own work."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template.base import Node
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.utils import translation

from peerpath.tenancy.models import Membership, Role
from peerpath.workspace.templatetags.workspace_nav import SharedNode


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
