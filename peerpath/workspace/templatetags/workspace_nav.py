"""``{% main_menu %}``: the grouped main menu of base.html."""

from __future__ import annotations

from typing import Any

from django import template

from peerpath.workspace.navigation import menu_for

register = template.Library()


@register.inclusion_tag("workspace/_nav.html", takes_context=True)
def main_menu(context: Any) -> dict[str, Any]:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return {"menu": menu_for(context.get("membership"), match.url_name if match else None),
            "on_dashboard": bool(match and match.url_name == "dashboard")}
