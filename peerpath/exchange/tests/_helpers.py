"""Shared helpers of the import tests."""

from __future__ import annotations

from django.apps import apps

# Every table an import may write to: a refused import must leave them all as they were.
WRITTEN = [
    "members.Member", "members.Consent", "members.StageChange", "members.MemberSearchToken",
    "measures.Administration", "measures.StoredScore", "measures.ResultFlag",
    "exchange.ImportBatch", "exchange.ImportFile", "audit.AccessLog",
]


def counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in WRITTEN}


def problem_texts(check_or_error) -> list[str]:
    return [str(p) for p in check_or_error.problems]
