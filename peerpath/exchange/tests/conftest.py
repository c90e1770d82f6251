"""Fixtures of the import tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from peerpath.exchange import actions
from peerpath.exchange.models import ImportBatch


@pytest.fixture
def run_import(org_a) -> Callable[..., tuple[ImportBatch, Any]]:
    """Upload ``data`` as ``kind``, keep the suggested mapping (or the one given), check
    it, and commit it when ``commit``: → (batch, check)."""

    def run(kind: str, data: bytes | str, *, mapping: dict[str, str] | None = None,
            options: dict[str, Any] | None = None, commit: bool = True, role: str = "coordinator",
            encoding: str = "auto"):
        membership = org_a.staff[role]
        raw = data.encode() if isinstance(data, str) else data
        batch = actions.upload(membership, kind=kind, file_name="file.csv", data=raw, encoding=encoding,
                               options=options)
        if mapping is not None or options is not None:
            batch = actions.save_mapping(membership, batch, mapping=mapping if mapping is not None else batch.mapping,
                                         options=options or {})
        check = actions.preview(membership, batch)
        batch.refresh_from_db()
        if commit and check.ok:
            batch = actions.commit(membership, batch)
        return batch, check

    return run
