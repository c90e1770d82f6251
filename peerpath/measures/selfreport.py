"""The self-report page a member opens from a link or QR code: no login, one
question per screen, resumable, in the member's language. An unknown, expired or
used link says so plainly and stores nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from peerpath.measures import actions, completion
from peerpath.measures.forms import format_value, item_label, unvalidated
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.models import Administration, AdministrationStatus
from peerpath.measures.selectors import local_wording

RETURN_SESSION_KEY = "peerpath_self_report_return"


def set_return_path(request: HttpRequest, token: str, path: str) -> None:
    """After the answers of ``token`` are sent, go to ``path`` (a path on this site,
    e.g. the group kiosk) instead of the thank-you page. Kept in the server-side
    session and bound to this one link."""
    request.session[RETURN_SESSION_KEY] = {"token": actions.token_hash(token), "path": path}


def _return_path(request: HttpRequest, token: str) -> str | None:
    saved = request.session.get(RETURN_SESSION_KEY)
    if not isinstance(saved, dict) or saved.get("token") != actions.token_hash(token):
        return None
    request.session.pop(RETURN_SESSION_KEY, None)
    path = str(saved.get("path", ""))
    if not path.startswith("/") or not url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}):
        return None
    return path


def _position(request: HttpRequest, answered: dict[str, float], item_ids: list[str]) -> int:
    """The question to show: ?q=N if given, else the first one not yet answered."""
    raw = request.GET.get("q", "")
    if raw.isdigit():
        return min(int(raw), len(item_ids))
    return next((i for i, item_id in enumerate(item_ids) if item_id not in answered), len(item_ids))


def _finished(request: HttpRequest, administration: Administration, back: str | None, *,
              stored: Administration | None = None) -> HttpResponse:
    """The page after the answers are sent, the same for the request that finished
    the questionnaire and for any that lost the race: the closing functions first
    (e.g. the crisis page after a safety answer), then the return path (the kiosk),
    then the thank-you page. ``administration`` is read again from the database,
    unless the request that finished it gives it as it stored it (``stored``: read
    in its transaction after the update, with its organisation and member)."""
    if stored is None:
        stored = actions.stored_with_owner(administration.pk)
        if stored is None:  # deleted meanwhile: as Administration.objects.get() would
            raise Administration.DoesNotExist("Administration matching query does not exist.")
    if stored.status != AdministrationStatus.COMPLETED:  # closed without being finished (expired)
        return render(request, "measures/self_report_closed.html", {"why": "expired"}, status=410)
    if (response := completion.closing_response(request, stored, back)) is not None:
        return response
    if back:
        return redirect(back)
    instrument = get_instrument(stored.instrument_id)
    return render(request, "measures/self_report_done.html", {"instrument": instrument, "language": stored.language})


def _question(
    request: HttpRequest, administration: Administration, position: int, error: str = "", status: int = 200
) -> HttpResponse:
    instrument = get_instrument(administration.instrument_id)
    language = administration.language
    item = instrument.items[position]
    local = local_wording(administration.organization_id, instrument.id).get(instrument.id)
    options = instrument.response_sets[item.response_set].options
    current = administration.answers.get(item.id)
    context = {
        "instrument": instrument,
        "language": language,
        "total": len(instrument.items),
        "answered": len(administration.answers),
        "mode": administration.mode,
        "item": item,
        "number": position + 1,
        "previous": position - 1 if position > 0 else None,
        "text": item_label(instrument, item.id, language, local),
        "unvalidated": unvalidated(instrument, language, local),
        "instructions": instrument.instructions.get(language) if instrument.instructions else "",
        "show_values": instrument.show_values,
        "options": [
            {"value": format_value(o.value), "label": o.label.get(language), "chosen": current == o.value}
            for o in options
        ],
        "error": error,
    }
    return render(request, "measures/self_report.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    administration, why = actions.administration_for_token(token)
    if administration is None:
        if why == "used" and request.method == "POST" and request.POST.get("action") == "finish":
            # another request (a second tap, a retry) finished it a moment ago
            back = _return_path(request, token)
            if (completed := actions.completed_for_token(token)) is not None:
                with translation.override(completed.language):
                    return _finished(request, completed, back)
        status = 404 if why == "unknown" else 410
        return render(request, "measures/self_report_closed.html", {"why": why}, status=status)
    instrument = get_instrument(administration.instrument_id)
    item_ids = [i.id for i in instrument.items]
    with translation.override(administration.language):
        if request.method == "POST":
            if request.POST.get("action") == "finish":
                # The return path is read first: a second tap in the same browser session
                # then finds it too, before the first request's session is saved.
                back = _return_path(request, token)
                if actions.complete_link(administration, request=request) is None:  # another request finished it
                    return _finished(request, administration, back)
                return _finished(request, administration, back, stored=administration)
            item_id = request.POST.get("item", "")
            if item_id not in item_ids:
                return redirect(request.path)
            position = item_ids.index(item_id)
            if request.POST.get("action") != "skip":
                if not request.POST.get("value", "").strip():
                    return redirect(f"{request.path}?q={position}")
                try:
                    kept = actions.save_link_answer(administration, item_id, request.POST.get("value", ""))
                except actions.AnswerError as exc:
                    return _question(request, administration, position, error=str(exc), status=400)
                if not kept:  # finished or closed meanwhile
                    return redirect(request.path)
            return redirect(f"{request.path}?q={position + 1}")
        position = _position(request, administration.answers, item_ids)
        if position >= len(item_ids):
            context = {
                "instrument": instrument,
                "language": administration.language,
                "total": len(item_ids),
                "answered": len(administration.answers),
                "mode": administration.mode,
            }
            return render(request, "measures/self_report_finish.html", context)
        return _question(request, administration, position)
