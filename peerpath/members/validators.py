"""Checks of identifying fields (pure Python, no Django import)."""

from __future__ import annotations

import re

# Letter values of the Taiwan national identification number (A=10 … Z=33, in
# the order the Ministry of the Interior assigned them, not alphabetical).
_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
_PHONE = re.compile(r"^\+?[0-9(][0-9 ()#-]{5,24}$")


def taiwan_id_is_valid(value: str) -> bool:
    """Format and checksum of a Taiwan national ID or a new-style resident
    certificate number (letter, gender digit 1/2/8/9, eight digits)."""
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z][1289]\d{8}", value):
        return False
    code = _LETTERS.index(value[0]) + 10
    digits = [code // 10, code % 10] + [int(c) for c in value[1:]]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def phone_is_valid(value: str) -> bool:
    return bool(_PHONE.fullmatch(value.strip()))
