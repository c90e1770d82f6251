"""The programme reports. Each report is a module under ``peerpath/outcomes/reports/``
with a ``SPEC`` (a ``ReportSpec``) and ``build(scope) -> dict``; its template
``outcomes/reports/<slug>.html`` shows the dict on the page and in the PDF alike.

The report modules import SciPy, pandas and Matplotlib: they are imported on first
use (``reports()``), not when Django starts."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

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
    "peerpath.outcomes.reports.safety",
)


@dataclass(frozen=True)
class ReportOption:
    """A report-specific filter: a check box (``kind="bool"``), a choice, or a whole
    number (``kind="int"``) from ``min_value`` to ``max_value``, ``default`` when
    empty."""

    name: str
    label: str | Promise
    kind: str = "bool"
    choices: tuple[tuple[str, str | Promise], ...] = ()
    help_text: str | Promise = ""
    default: int | None = None
    min_value: int | None = None
    max_value: int | None = None

    def number(self, value: Any) -> int:
        """A ``kind="int"`` option's value: ``default`` when empty; ValueError
        naming the option (its label) when not a whole number in range."""
        if value is None or str(value).strip() == "":
            if self.default is None:
                raise ValueError(_("%(field)s: enter a whole number.") % {"field": self.label})
            return self.default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(_("%(field)s: enter a whole number (got %(value)s).")
                             % {"field": self.label, "value": value}) from None
        if (self.min_value is not None and number < self.min_value) or (
                self.max_value is not None and number > self.max_value):
            raise ValueError(_("%(field)s: enter a whole number from %(low)s to %(high)s (got %(value)s).")
                             % {"field": self.label, "low": self.min_value, "high": self.max_value, "value": number})
        return number


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


@functools.cache
def reports() -> dict[str, Report]:
    """Every report by slug, in the order of ``REPORT_MODULES`` (their modules are
    imported on the first call)."""
    found: dict[str, Report] = {}
    for name in REPORT_MODULES:
        module = importlib.import_module(name)
        found[module.SPEC.slug] = Report(module.SPEC, module.build)
    return found


def get(slug: str) -> Report | None:
    return reports().get(slug)
