"""The programme reports. Each report is a module under ``peerpath/outcomes/reports/``
with a ``SPEC`` (a ``ReportSpec``) and ``build(scope) -> dict``; its template
``outcomes/reports/<slug>.html`` shows the dict on the page and in the PDF alike."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from peerpath.outcomes.scope import ReportScope

# In the order the report index lists them.
REPORT_MODULES = (
    "peerpath.outcomes.reports.programme",
    "peerpath.outcomes.reports.ips_quarterly",
    "peerpath.outcomes.reports.tenure",
    "peerpath.outcomes.reports.change",
    "peerpath.outcomes.reports.group_process",
    "peerpath.outcomes.reports.process_outcome",
    "peerpath.outcomes.reports.fidelity",
)


@dataclass(frozen=True)
class ReportOption:
    """A report-specific filter: a check box (``kind="bool"``) or a choice."""

    name: str
    label: str | Promise
    kind: str = "bool"
    choices: tuple[tuple[str, str | Promise], ...] = ()
    help_text: str | Promise = ""


@dataclass(frozen=True)
class ReportSpec:
    slug: str
    title: str | Promise
    summary: str | Promise
    options: tuple[ReportOption, ...] = ()

    @property
    def template(self) -> str:
        return f"outcomes/reports/{self.slug}.html"


@dataclass(frozen=True)
class Report:
    spec: ReportSpec
    build: Callable[[ReportScope], dict[str, Any]]

    @property
    def slug(self) -> str:
        return self.spec.slug


REPORTS: dict[str, Report] = {}


def load_reports() -> None:
    """Import every report module (called once, from the app's ``ready``)."""
    for name in REPORT_MODULES:
        module = importlib.import_module(name)
        REPORTS[module.SPEC.slug] = Report(module.SPEC, module.build)


def get(slug: str) -> Report | None:
    return REPORTS.get(slug)
