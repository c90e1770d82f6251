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

from peerpath.measures import actions
from peerpath.measures.forms import format_value, item_label, unvalidated
from peerpath.measures.library import instrument as get_instrument
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


@never_cache
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    administration, why = actions.administration_for_token(token)
    if administration is None:
        status = 404 if why == "unknown" else 410
        return render(request, "measures/self_report_closed.html", {"why": why}, status=status)
    instrument = get_instrument(administration.instrument_id)
    language = administration.language
    item_ids = [i.id for i in instrument.items]
    with translation.override(language):
        if request.method == "POST":
            if request.POST.get("action") == "finish":
                actions.complete_link(administration, request=request)
                if back := _return_path(request, token):
                    return redirect(back)
                return render(request, "measures/self_report_done.html", {"instrument": instrument, "language": language})
            item_id = request.POST.get("item", "")
            if item_id not in item_ids:
                return redirect(request.path)
            position = item_ids.index(item_id)
            if request.POST.get("action") != "skip":
                try:
                    actions.save_link_answer(administration, item_id, float(request.POST.get("value", "")))
                except ValueError:
                    return redirect(f"{request.path}?q={position}")
            return redirect(f"{request.path}?q={position + 1}")
        position = _position(request, administration.answers, item_ids)
        context = {
            "instrument": instrument,
            "language": language,
            "total": len(item_ids),
            "answered": len(administration.answers),
        }
        if position >= len(item_ids):
            return render(request, "measures/self_report_finish.html", context)
        item = instrument.items[position]
        local = local_wording(administration.organization_id, instrument.id).get(instrument.id)
        options = instrument.response_sets[item.response_set].options
        current = administration.answers.get(item.id)
        context.update({
            "item": item,
            "number": position + 1,
            "previous": position - 1 if position > 0 else None,
            "text": item_label(instrument, item.id, language, local),
            "unvalidated": unvalidated(instrument, language, local),
            "instructions": instrument.instructions.get(language) if instrument.instructions else "",
            "options": [
                {"value": format_value(o.value), "label": o.label.get(language), "chosen": current == o.value}
                for o in options
            ],
        })
        return render(request, "measures/self_report.html", context)
