"""base.html's tags: ``{% main_menu %}``, the grouped main menu, and ``{% shared %}``, the
parts of the layout rendered once per language."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import VariableNode
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString

from peerpath.workspace.navigation import menu_html, url_context

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context: Any) -> SafeString:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return menu_html(context.get("membership"), match.url_name if match else None)


class SharedNode(template.Node):
    """``{% shared %}…{% endshared %}``: layout HTML that is the same for every user
    and request in a language (static files' URLs, routes' URLs, translated text).
    Rendered once per language and URL configuration in each process and reused, so
    it must not show anything of the user, the organisation, the request or the
    page: no blocks, no CSRF token, none of the per-request context variables."""

    PER_REQUEST = frozenset({"user", "request", "membership", "organization", "other_memberships", "messages",
                             "can", "csrf_token", "perms", "second_factor_pending"})
    # Not searched by ``get_nodes_by_type``: {% extends %} searches every node of
    # base.html for blocks on each render, and a shared part holds none (``shared``
    # refuses them when the template is parsed).
    child_nodelists = ()

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist
        self.rendered: dict[tuple[Any, ...], SafeString] = {}

    def render(self, context: Any) -> SafeString:
        key = context.render_context.get(SharedNode)  # the same for every part of one page
        if key is None:
            key = context.render_context[SharedNode] = (_generation, *url_context())
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) >= 16:  # a few languages; more only when settings change (tests)
                self.rendered.clear()
            self.rendered[key] = html
        return html


@register.tag
def shared(parser: Any, token: Any) -> SharedNode:
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode) or nodelist.get_nodes_by_type(CsrfTokenNode):
        raise template.TemplateSyntaxError("{% shared %} cannot hold a block or a CSRF token")
    for node in nodelist.get_nodes_by_type(VariableNode):
        var = node.filter_expression.var
        name = var.var if isinstance(var, template.Variable) else ""
        if isinstance(name, str) and name.split(".", 1)[0] in SharedNode.PER_REQUEST:
            raise template.TemplateSyntaxError(f"{{% shared %}} cannot show the per-request {name}")
    return SharedNode(nodelist)


_generation = 0


def _settings_changed(**kwargs: Any) -> None:
    global _generation
    _generation += 1  # a changed setting (tests) may change any URL or text


setting_changed.connect(_settings_changed)
