"""What a member sees after finishing a questionnaire they answered themselves
(self-report link, portal or kiosk), contributed by apps above ``measures``.

A closing function is ``(request, administration, back) -> HttpResponse | None``:
``administration`` is completed (by this request or by a concurrent one: the
page is the same either way), ``back`` is where the answering flow would go next
(the kiosk's page, or ``None``). The first function that answers wins; with none,
the plain thank-you page (or ``back``) is shown. The safety app uses this to put
the crisis page before anything else when an answer tripped a safety rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from peerpath.measures.models import Administration

ClosingFunction = Callable[[HttpRequest, Administration, "str | None"], "HttpResponse | None"]
_functions: list[ClosingFunction] = []


def register(fn: ClosingFunction) -> ClosingFunction:
    if fn not in _functions:
        _functions.append(fn)
    return fn


def closing_response(request: HttpRequest, administration: Administration, back: str | None) -> HttpResponse | None:
    for fn in _functions:
        response = fn(request, administration, back)
        if response is not None:
            return response
    return None


# Safety flags raised: ``(organization_id, administration_ids)``, called inside the
# transaction that wrote the flags (a completed questionnaire, a paper form, an
# import), so that what the flags open (the safety app's follow-ups) is written
# with them or not at all.
FlaggedFunction = Callable[[int, "list[int]"], object]
_flagged: list[FlaggedFunction] = []


def register_flagged(fn: FlaggedFunction) -> FlaggedFunction:
    if fn not in _flagged:
        _flagged.append(fn)
    return fn


def safety_flags_raised(organization_id: int, administration_ids: list[int]) -> None:
    if not administration_ids:
        return
    for fn in _flagged:
        fn(organization_id, administration_ids)
