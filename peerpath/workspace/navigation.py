"""The main menu: pages grouped by the work, each shown to whoever can use it.

Every entry names its route and the capabilities that make it usable (any one
of them); a role sees an entry when its capabilities in ``peerpath.tenancy.policy``
include one, and a group when it has an entry left. No per-role lists: a new
capability granted to a role shows its pages by itself. A group with one entry
is shown as that entry's link. ``tests`` check that each shown entry opens for
the role and that no page the role may open is left out.

Every staff page shows the menu, so its HTML is rendered once per combination of
what it depends on (``menu_html``): which of the menu's capabilities the
membership holds, the current page if it is one of the menu's, the language and
the URL configuration. Nothing else of the user, the organisation or the
request is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can


@dataclass(frozen=True)
class Entry:
    route: str
    label: str | Promise
    perms: tuple[Perm, ...]
    also_current: tuple[str, ...] = ()  # other routes under this entry (for aria-current)


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    entries: tuple[Entry, ...]


MENU: tuple[Group, ...] = (
    Group("people", _("People"), (
        Entry("member_list", _("Members"), (Perm.MEMBER_LIST,)),
        Entry("caseload", _("Caseload"), (Perm.CASELOAD_VIEW,)),
        Entry("alert_list", _("Alerts"), (Perm.ALERT_VIEW,)),
        Entry("safety_follow_up_list", _("Safety follow-ups"), (Perm.SAFETY_FOLLOW_UP,)),
    )),
    Group("professional", _("Professional track"), (
        Entry("referral_list", _("Referrals"), (Perm.REFERRAL_MANAGE,)),
        Entry("employer_list", _("Employers"), (Perm.EMPLOYER_MANAGE,)),
    )),
    Group("peer", _("Peer track"), (
        Entry("group_list", _("Peer groups"), (Perm.GROUP_VIEW,)),
        Entry("helping_list", _("Helping"), (Perm.HELPING_LOG,)),
        Entry("helping_network", _("Network"), (Perm.NETWORK_VIEW,)),
        Entry("story_list", _("Hope library"), (Perm.PATHWAY_VIEW,)),
    )),
    Group("reports", _("Reports"), (
        Entry("report_index", _("Reports"), (Perm.REPORT_VIEW,), also_current=("report_page",)),
    )),
    Group("data", _("Data"), (
        Entry("import_list", _("Imports"), (Perm.DATA_IMPORT,)),
        Entry("export_list", _("Exports"), (Perm.EXPORT_RESEARCH, Perm.EXPORT_IDENTIFIABLE)),
        Entry("api_token_list", _("API tokens"), (Perm.API_TOKEN,)),
    )),
    Group("admin", _("Administration"), (
        Entry("staff_list", _("Staff"), (Perm.STAFF_MANAGE,)),
        Entry("measure_plan", _("Measurement plan"), (Perm.MEASURE_PLAN,)),
        Entry("measure_wording", _("Questionnaire wording"), (Perm.INSTRUMENT_WORDING,)),
        Entry("alert_settings", _("Alert thresholds"), (Perm.ALERT_SETTINGS,)),
        Entry("safety_settings", _("Crisis contacts and follow-up time"), (Perm.SAFETY_SETTINGS,)),
        Entry("report_settings", _("Outcome report settings"), (Perm.REPORT_SETTINGS,)),
        Entry("training_catalogue", _("Training catalogue"), (Perm.PATHWAY_CONFIGURE,)),
        Entry("audit_log", _("Audit log"), (Perm.AUDIT_VIEW,)),
        Entry("task_list", _("Background tasks"), (Perm.STAFF_MANAGE,)),
    )),
)


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    current: bool


@dataclass(frozen=True)
class ShownGroup:
    key: str
    label: str
    links: tuple[Link, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def menu_for(membership: Membership | None, current_route: str | None) -> list[ShownGroup]:
    """The groups and links this membership can use (routes not installed are left out)."""
    shown = []
    for group in MENU:
        links = []
        for entry in group.entries:
            if not any(can(membership, perm) for perm in entry.perms):
                continue
            try:
                url = reverse(entry.route)
            except NoReverseMatch:
                continue
            links.append(Link(url, str(entry.label), current_route in (entry.route, *entry.also_current)))
        if links:
            shown.append(ShownGroup(group.key, str(group.label), tuple(links)))
    return shown


# The routes the menu marks as current (any other page shows it the same way) and
# the capabilities it asks about.
_ROUTES = frozenset({"dashboard"} | {r for g in MENU for e in g.entries for r in (e.route, *e.also_current)})
_PERMS = tuple(sorted({p for g in MENU for e in g.entries for p in e.perms}))
_MAX_CACHED = 512  # roles × languages × routes is far less; a bound all the same
_cache: dict[tuple[Any, ...], SafeString] = {}


def url_context() -> tuple[Any, ...]:
    """What a rendered link depends on besides the route: the language (labels and
    any translated URL) and the URL configuration in use."""
    return get_language(), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def menu_html(membership: Membership | None, current_route: str | None) -> SafeString:
    """The rendered menu (``workspace/_nav.html``), from the process's cache when
    the same capabilities, current page, language and URLs were rendered before."""
    current = current_route if current_route in _ROUTES else None
    key = (frozenset(p for p in _PERMS if can(membership, p)), current, *url_context())
    html = _cache.get(key)
    if html is None:
        html = mark_safe(render_to_string(  # noqa: S308 - the template's own autoescaped output
            "workspace/_nav.html", {"menu": menu_for(membership, current), "on_dashboard": current == "dashboard"}
        ))
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[key] = html
    return html


def _forget(**kwargs: Any) -> None:
    _cache.clear()  # a changed setting (tests) may change any URL, label or template


setting_changed.connect(_forget)
