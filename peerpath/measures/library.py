"""The instrument library as the application uses it (loaded once per process)."""

from __future__ import annotations

from functools import lru_cache

from django.http import Http404
from django.utils.translation import get_language

from peerpath.measures.definitions import Instrument, load_library, local_library_dir


@lru_cache(maxsize=1)
def library() -> dict[str, Instrument]:
    """The shipped instruments and the deployment's own (PEERPATH_LOCAL_INSTRUMENTS)."""
    return load_library(local=local_library_dir())


def instrument(instrument_id: str) -> Instrument:
    """A shipped instrument by id (404 for an unknown id)."""
    try:
        return library()[instrument_id]
    except KeyError:
        raise Http404("No such questionnaire") from None


def member_instrument(instrument_id: str) -> Instrument:
    """An instrument answered by or for a member (404 for programme-level ones such as IPS-25)."""
    found = instrument(instrument_id)
    if found.level == "programme":
        raise Http404("Not a questionnaire for members")
    return found


def member_instruments() -> list[Instrument]:
    """Instruments answered by members (not programme-level fidelity scales)."""
    return sorted((i for i in library().values() if i.level != "programme"), key=lambda i: i.short_name)


def interface_language() -> str:
    """The active interface language as definition texts name it: zh-hant or en."""
    return "zh-hant" if (get_language() or "").startswith("zh") else "en"
