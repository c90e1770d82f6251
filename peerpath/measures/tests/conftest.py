"""Fixtures shared by the measures tests."""

from __future__ import annotations

import pytest

from peerpath.measures.definitions import LIBRARY_DIR, Instrument, load_file


@pytest.fixture(scope="module")
def phq9() -> Instrument:
    return load_file(LIBRARY_DIR / "phq9.yaml")
