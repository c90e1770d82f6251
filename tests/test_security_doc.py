"""docs/security.md says its capability table is ROLE_PERMS: keep it so."""

from __future__ import annotations

import re
from pathlib import Path

from peerpath.tenancy.policy import ROLE_PERMS, Perm

ROLES = ["admin", "coordinator", "professional", "peer_leader", "researcher"]


def test_the_capability_table_of_the_security_doc_is_role_perms():
    text = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
    text = text.split("## Roles and capabilities", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| `([a-z_.]+)`[^|]*\|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    assert set(rows) == {p.value for p in Perm}, set(rows) ^ {p.value for p in Perm}
    for perm in Perm:
        expected = ["yes" if perm in ROLE_PERMS[role] else "—" for role in ROLES]
        assert rows[perm.value] == expected, perm.value
