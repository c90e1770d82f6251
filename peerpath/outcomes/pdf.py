"""Reports as PDF with WeasyPrint. The HTML is the page's own report template in a
print layout (``outcomes/print.html``); charts are inline SVG; the text is set in
Noto Sans CJK TC (Debian ``fonts-noto-cjk``), found through fontconfig."""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)
# WeasyPrint reports each step of every document at INFO: not worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported on use: loading Pango costs ~0.3 s

    # No base URL: the document refers to nothing outside itself (styles and
    # charts are inline), so WeasyPrint fetches nothing.
    return bytes(weasyprint.HTML(string=html, url_fetcher=_refuse).write_pdf())


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"reports fetch nothing: {url}")


def render_pdf(template: str, context: dict[str, Any], language: str) -> bytes:
    """``template`` (a print layout) rendered in ``language`` and typeset as PDF."""
    with translation.override(language):
        html = render_to_string(template, context)
    return html_to_pdf(html)
