"""Helpers shared by the members tests (the org/role fixtures are in the root conftest)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection


@pytest.fixture
def coordinator_membership(org_a):
    """Org A's coordinator membership, for calling actions and selectors directly."""
    return org_a.staff["coordinator"]


@pytest.fixture
def old_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def new_key() -> str:
    return Fernet.generate_key().decode()


def raw_row(table: str, pk: int, columns: list[str], pk_column: str = "id") -> dict[str, str]:
    """The stored column values of one row, read past the ORM."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {quoted} FROM {connection.ops.quote_name(table)} "  # noqa: S608
            f"WHERE {connection.ops.quote_name(pk_column)} = %s",
            [pk],
        )
        row = cur.fetchone()
    return dict(zip(columns, row, strict=True))


def raw_member(pk: int) -> dict[str, str]:
    return raw_row("members_member", pk, ["name", "phone", "national_id", "diagnosis"])
