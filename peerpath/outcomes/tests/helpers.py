"""Helpers for the report tests: run a report as a page or PDF, read a PDF's text."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from django.test import Client


def pdf_text(content: bytes) -> str:
    """Every page's text of a PDF, joined (as a reader would copy it)."""
    assert content.startswith(b"%PDF"), content[:200]
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def get_report(client: Client, slug: str, *, language: str = "en", pdf: bool = False, **params: Any) -> Any:
    """GET a report page (or its PDF) in ``language`` with the filters ``params``."""
    path = f"/reports/{slug}/{'pdf/' if pdf else ''}"
    return client.get(path, params, HTTP_ACCEPT_LANGUAGE=language)
