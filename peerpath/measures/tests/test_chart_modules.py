"""The chart modules import one way: ``charts`` uses its helpers, no helper imports
``charts`` back (not even for type checking)."""

from __future__ import annotations

import ast
from pathlib import Path

import peerpath.measures

HELPERS = ["chart_draw.py", "chart_svg.py", "chart_text.py"]


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_chart_helper_imports_the_charts_module():
    folder = Path(peerpath.measures.__file__).parent
    for name in HELPERS:
        found = imports_of(folder / name)
        assert not found & {".charts", "peerpath.measures.charts"}, (name, found)
