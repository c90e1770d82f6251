"""``{% main_menu %}``: the grouped main menu of base.html."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from peerpath.workspace.navigation import menu_html

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context: Any) -> SafeString:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return menu_html(context.get("membership"), match.url_name if match else None)
