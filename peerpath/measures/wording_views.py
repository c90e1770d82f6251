"""Administrators enter licensed item wording for their own organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures.definitions import Instrument
from peerpath.measures.library import member_instrument, member_instruments
from peerpath.measures.models import LocalWording
from peerpath.measures.selectors import local_wording
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, require

# (language code, its name in the interface, the HTML lang of its text boxes)
LANGUAGES = (("zh-hant", gettext_lazy("Traditional Chinese"), "zh-Hant"), ("en", gettext_lazy("English"), "en"))


class WordingForm(forms.Form):
    """Two text boxes per item (Traditional Chinese, English); empty keeps none."""

    def __init__(self, *args: Any, instrument: Instrument, current: dict[tuple[str, str], str], **kwargs: Any) -> None:
        self.instrument = instrument
        super().__init__(*args, **kwargs)
        for item in instrument.items:
            for code, label, lang in LANGUAGES:
                shipped = item.text.get(code) if item.text else ""
                self.fields[f"{item.id}__{code}"] = forms.CharField(
                    label=f"{item.id}. {label}", required=False, max_length=1000,
                    initial=current.get((item.id, code), ""),
                    widget=forms.Textarea(attrs={"rows": 2, "placeholder": shipped, "lang": lang}),
                )

    def wording(self) -> dict[tuple[str, str], str]:
        return {
            (item.id, code): " ".join(self.cleaned_data[f"{item.id}__{code}"].split())
            for item in self.instrument.items
            for code, _label, _lang in LANGUAGES
        }


@transaction.atomic(durable=True)
def save_wording(
    membership: Membership, instrument: Instrument, wording: dict[tuple[str, str], str], request: HttpRequest
) -> int:
    """Replace the organisation's wording of one instrument; returns the number of texts kept."""
    require(membership, Perm.INSTRUMENT_WORDING)
    LocalWording.objects.for_org(membership.organization).filter(instrument_id=instrument.id).delete()
    rows = [
        LocalWording(
            organization=membership.organization, instrument_id=instrument.id, item_id=item_id,
            language=language, text=text, updated_by=membership.user,
        )
        for (item_id, language), text in wording.items()
        if text
    ]
    LocalWording.objects.bulk_create(rows)
    audit.record_by(
        membership, Event.WORDING_CHANGED, request=request, extra={"instrument": instrument.id, "texts": len(rows)}
    )
    return len(rows)


@staff_view(Perm.INSTRUMENT_WORDING)
@require_http_methods(["GET"])
def wording_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    local = local_wording(membership.organization_id)
    rows = [
        (i, sum(1 for it in i.items if it.text is not None), len({k[0] for k in local.get(i.id, {})}))
        for i in member_instruments()
    ]
    return render(request, "measures/wording_list.html", {"rows": rows})


@staff_view(Perm.INSTRUMENT_WORDING)
@require_http_methods(["GET", "POST"])
def wording_edit(request: HttpRequest, instrument_id: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    instrument = member_instrument(instrument_id)
    current = local_wording(membership.organization_id, instrument.id).get(instrument.id, {})
    form = WordingForm(request.POST or None, instrument=instrument, current=current)
    if request.method == "POST" and form.is_valid():
        kept = save_wording(membership, instrument, form.wording(), request)
        messages.success(request, _("Wording saved (%(n)s texts).") % {"n": kept})
        return redirect("measure_wording")
    return render(request, "measures/wording_edit.html", {"form": form, "instrument": instrument})
