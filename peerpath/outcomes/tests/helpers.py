"""Helpers for the report tests: a report's scope, run a report as a page or PDF,
read a PDF's text."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from django.test import Client
from django.utils import timezone

from peerpath.outcomes.cells import Suppression
from peerpath.outcomes.period import parse_period
from peerpath.outcomes.scope import ReportScope


def scope_of(tenant: Any, period: str = "2026Q3", **fields: Any) -> ReportScope:
    """The scope of organisation ``tenant`` over ``period``: staff figures (nothing
    hidden) unless ``suppression`` says otherwise."""
    return ReportScope(organizations=(tenant.org,), period=parse_period(period), today=timezone.localdate(),
                       suppression=fields.pop("suppression", Suppression(False, 5)), **fields)


def researcher_scope(tenant: Any, period: str = "2026Q3") -> ReportScope:
    """As a researcher sees it: research-consented members only, small cells hidden."""
    return scope_of(tenant, period, suppression=Suppression(True, 5), research_only=True)


def pdf_text(content: bytes) -> str:
    """Every page's text of a PDF, joined (as a reader would copy it)."""
    assert content.startswith(b"%PDF"), content[:200]
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def get_report(client: Client, slug: str, *, language: str = "en", pdf: bool = False, **params: Any) -> Any:
    """GET a report page (or its PDF) in ``language`` with the filters ``params``."""
    path = f"/reports/{slug}/{'pdf/' if pdf else ''}"
    return client.get(path, params, HTTP_ACCEPT_LANGUAGE=language)
