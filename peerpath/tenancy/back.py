"""Returning to the page a form was opened from (``?next=``), safely.

A list (the caseload, a group's page) links to a form with ``next`` set to itself
and an anchor for the row; the form carries it as a hidden field; after saving,
the view goes back there, so the change shows where the user was working. Only
a local URL of this site is followed (no open redirect).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest) -> str | None:
    """The posted or requested ``next``, when it is a path on this site; else ``None``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        return None
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return None
    return target


def back_or(request: HttpRequest, default: str) -> str:
    """Where to go after a form is saved: ``next`` when safe, else ``default``."""
    return next_url(request) or default
