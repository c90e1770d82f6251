"""Model fields whose values are encrypted at rest with ``PEERPATH_FIELD_KEYS``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models

from peerpath.members.crypto import FieldCipher


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> FieldCipher:
    return FieldCipher(keys)


def cipher() -> FieldCipher:
    """The cipher built from the current settings (cached per key set)."""
    return _cipher(tuple(settings.PEERPATH_FIELD_KEYS))


class EncryptedTextField(models.TextField):
    """Text stored as Fernet ciphertext; Python code only ever sees plaintext.

    Encrypted values cannot be filtered or ordered in SQL: search through the
    blind index (``MemberSearchToken``) instead. Empty strings stay empty so that
    "not given" remains visible without decryption.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return cipher().decrypt(value)

    # Python values are always plaintext: decryption happens only in
    # ``from_db_value``, and every non-empty value is encrypted on the way in
    # (even text that happens to start with the ciphertext prefix).

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return cipher().encrypt(str(value))
