"""Reports as PDF with WeasyPrint. The HTML is the page's own report template in a
print layout (``outcomes/print.html``); charts are inline SVG; the text is set in
Noto Sans CJK TC (Debian ``fonts-noto-cjk``), found through fontconfig."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

if TYPE_CHECKING:
    from peerpath.outcomes.registry import Report
    from peerpath.outcomes.scope import ReportScope

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


def render_html(template: str, context: dict[str, Any], language: str) -> str:
    """``template`` (a print layout) rendered in ``language``."""
    with translation.override(language):
        return render_to_string(template, context)


def render_pdf(template: str, context: dict[str, Any], language: str) -> bytes:
    """``template`` (a print layout) rendered in ``language`` and typeset as PDF."""
    return html_to_pdf(render_html(template, context, language))


REPORT_PRINT = "outcomes/print.html"


def report_context(report: Report, scope: ReportScope, data: dict[str, Any]) -> dict[str, Any]:
    """The context of ``REPORT_PRINT`` for a report run, from the page and the
    command alike: the heading names the organisation when the report covers one;
    when it covers several, the scope line below it lists them."""
    return {
        "report": report, "organization": scope.organizations[0] if len(scope.organizations) == 1 else None,
        "generated": timezone.localtime(), "scope": scope, "r": data,
    }
