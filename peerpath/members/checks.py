"""Start-up checks of the encryption configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from peerpath.members.crypto import FieldCipher


@register()
def field_keys_are_valid(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        FieldCipher(settings.PEERPATH_FIELD_KEYS)
    except ValueError as exc:
        return [Error(str(exc), hint="Generate a key with: peerpath keys", id="peerpath.E001")]
    if len(settings.PEERPATH_SEARCH_KEY) < 16:
        return [Error("PEERPATH_SEARCH_KEY must be at least 16 characters", id="peerpath.E002")]
    return []
