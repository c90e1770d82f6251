"""Field encryption and blind-index search tokens (pure Python, no Django import).

* Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). Several keys may be
  configured, newest first: new values use the newest, old values stay readable
  with any of them (``MultiFernet``), and :func:`FieldCipher.rotate` re-encrypts a
  value under the newest key.
* Encrypted names cannot be searched with SQL ``LIKE``. Instead each name yields a
  few *search tokens* — keyed HMACs of normalised parts of the name (the full name,
  each word, and for a CJK name its given name) — stored beside the member. A
  search computes the same HMAC of the query and looks it up by equality. Without
  the search key the tokens reveal nothing but equality.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc1:"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


class FieldCipher:
    """Encrypts and decrypts text with a list of Fernet keys, newest first."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one field key is required")
        try:
            self._fernets = [Fernet(key.encode("ascii")) for key in keys]
        except (ValueError, TypeError) as exc:
            raise ValueError(
                "PEERPATH_FIELD_KEYS must hold url-safe base64 32-byte keys separated by commas"
            ) from exc
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        return PREFIX + self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            raise DecryptionError("value is not in Peerpath's encrypted format")
        try:
            return self._multi.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionError("no configured key decrypts this value") from exc

    def rotate(self, stored: str) -> str:
        """Re-encrypt ``stored`` under the newest key (no-op in meaning)."""
        if not stored.startswith(PREFIX):
            raise DecryptionError("value is not in Peerpath's encrypted format")
        try:
            token = self._multi.rotate(stored[len(PREFIX) :].encode("ascii"))
        except InvalidToken as exc:
            raise DecryptionError("no configured key decrypts this value") from exc
        return PREFIX + token.decode("ascii")

    def is_current(self, stored: str) -> bool:
        """True when ``stored`` was encrypted with the newest key."""
        try:
            self._fernets[0].decrypt(stored[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            return False
        return True


def normalise(text: str) -> str:
    """Case-, width- and space-insensitive form used for search tokens."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def name_parts(name: str) -> set[str]:
    """The normalised parts of a name a person may search by."""
    full = normalise(name)
    if not full:
        return set()
    parts = {full, full.replace(" ", "")}
    words = full.split(" ")
    parts.update(w for w in words if w)
    compact = full.replace(" ", "")
    if 2 <= len(compact) <= 5 and all(_is_cjk(c) for c in compact):
        # Chinese names: surname (one character, or two for compound surnames)
        # followed by the given name; people search by either full or given name.
        parts.add(compact[1:])
        if len(compact) >= 4:
            parts.add(compact[2:])
    return parts


def search_token(key: str, part: str) -> str:
    digest = hmac.new(key.encode("utf-8"), part.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:32]


def search_tokens(key: str, texts: Iterable[str]) -> set[str]:
    """Blind-index tokens for a set of searchable texts (e.g. a member's names)."""
    tokens: set[str] = set()
    for text in texts:
        tokens.update(search_token(key, part) for part in name_parts(text))
    return tokens


def query_token(key: str, query: str) -> str | None:
    """The token a search query is looked up by (None for an empty query)."""
    q = normalise(query)
    return search_token(key, q) if q else None
