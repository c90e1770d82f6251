"""The members app is the base of the domain apps: it imports none of them.

Apps above it (employment, groups, pathway, measures, alerts, …) add to the
member page through registries (panels, timeline providers); pages that compose
every track live in ``peerpath/workspace``. Tests are left out: they may set
up data from any app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import peerpath.members

MEMBERS = Path(peerpath.members.__file__).parent
# what members may build on: the project's foundations, not its domains
ALLOWED = {"peerpath.members", "peerpath.tenancy", "peerpath.audit", "peerpath.env", "peerpath.i18n"}


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "peerpath")
    return found


def forbidden(module: str) -> bool:
    if not (module == "peerpath" or module.startswith("peerpath.")):
        return False
    return not any(module == a or module.startswith(a + ".") for a in ALLOWED)


def test_the_checker_sees_imports_inside_functions_and_from_the_package():
    source = "def f():\n    from peerpath.measures.selectors import due_of\nfrom peerpath import alerts\n"
    assert {m for m in imported_modules(source) if forbidden(m)} == {
        "peerpath.measures.selectors", "peerpath", "peerpath.alerts"
    }


def test_no_module_of_the_members_app_imports_a_domain_app():
    offending = {}
    for path in sorted(MEMBERS.rglob("*.py")):
        relative = path.relative_to(MEMBERS)
        if relative.parts[0] == "tests":
            continue
        bad = sorted(m for m in imported_modules(path.read_text(encoding="utf-8")) if forbidden(m))
        if bad:
            offending[str(relative)] = bad
    assert offending == {}
