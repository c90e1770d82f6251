"""Start-up check: the shipped instrument library loads and validates."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from peerpath.measures.definitions import DefinitionError, load_library


@register()
def instrument_library_is_valid(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        load_library()
    except DefinitionError as exc:
        return [Error(str(exc), hint="Fix the instrument definition file named above.", id="peerpath.E010")]
    return []
