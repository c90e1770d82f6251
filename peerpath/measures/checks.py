"""Start-up check: the instrument library (shipped and local) loads and validates."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from peerpath.measures.definitions import DefinitionError, load_library, local_library_dir
from peerpath.measures.scoring import check_definition


@register()
def instrument_library_is_valid(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        library = load_library(local=local_library_dir())
    except DefinitionError as exc:
        return [Error(str(exc), hint="Fix the instrument definition file named above.", id="peerpath.E010")]
    errors: list[CheckMessage] = []
    for instrument in library.values():
        try:
            check_definition(instrument)
        except ValueError as exc:
            errors.append(Error(f"{instrument.id}.yaml: {exc}", id="peerpath.E011"))
    return errors
