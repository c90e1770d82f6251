"""Fixtures of the workspace tests."""

from __future__ import annotations

import pytest

from peerpath.workspace import urgent


@pytest.fixture
def without_urgent_panels(monkeypatch):
    """The page's own queries: urgent panels are left out (each registering app
    asserts its panel's queries in its own tests)."""
    monkeypatch.setattr(urgent, "_functions", [])
