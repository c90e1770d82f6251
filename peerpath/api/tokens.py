"""API token strings (pure Python, no Django import).

A token reads ``pp_<prefix>_<secret>``: the prefix (10 hex characters) is stored
and shown in the token list so that a person can tell their tokens apart; the
secret is shown once, when the token is created. Only a SHA-256 hash of the whole
token is stored. (A fast hash is right here: the secret has 256 bits of entropy,
so there is nothing to guess by brute force, unlike a password.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

SCHEME = "pp"
PREFIX_LENGTH = 10
_TOKEN = re.compile(r"pp_([0-9a-f]{10})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class NewToken:
    prefix: str
    secret: str  # the whole token string, shown once
    hash: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate() -> NewToken:
    """A fresh token: its prefix, the full string (shown once) and its hash."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    token = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewToken(prefix=prefix, secret=token, hash=token_hash(token))


def prefix_of(token: str) -> str | None:
    """The prefix of a well-formed token string, or None for anything else."""
    found = _TOKEN.fullmatch(token)
    return found.group(1) if found else None


def matches(token: str, stored_hash: str) -> bool:
    """Whether ``token`` is the one whose hash is stored (constant-time compare)."""
    return hmac.compare_digest(token_hash(token), stored_hash)
