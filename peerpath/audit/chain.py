"""The audit log's hash chain (pure Python, no Django import).

Each entry's hash covers its own fields and the previous entry's hash, so
changing, deleting or reordering any entry breaks every link after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the fields."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    prev_hash: str
    hash: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def verify(links: Iterable[Link]) -> Break | None:
    """The first broken link of one chain, or None if the chain is intact."""
    expected_prev = GENESIS
    expected_seq = 1
    for link in links:
        if link.seq != expected_seq:
            return Break(expected_seq, f"entry {expected_seq} is missing (next is {link.seq})")
        if link.prev_hash != expected_prev:
            return Break(link.seq, "previous-hash does not match the entry before it")
        if entry_hash(link.prev_hash, link.fields) != link.hash:
            return Break(link.seq, "entry content does not match its hash")
        expected_prev = link.hash
        expected_seq += 1
    return None
