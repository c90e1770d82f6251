"""Import pages: list, upload, column mapping, preview (check), commit, discard, result.
Views parse input, call selectors and actions, and render."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from peerpath.exchange import actions, columns, kinds, selectors, storage
from peerpath.exchange.forms import MappingForm, RedcapForm, UploadForm
from peerpath.exchange.labels import field_label, problem_text, result_rows, sample_rows
from peerpath.exchange.models import ImportBatch, Kind, State
from peerpath.exchange.redcap_records import layout
from peerpath.exchange.tabular import FileError, Problem
from peerpath.tenancy.access import staff_view
from peerpath.tenancy.policy import Perm

PROBLEMS_PER_PAGE = 200
BATCHES_PER_PAGE = 25


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"row": p.row, "line": p.line, "column": p.column, "text": problem_text(p)} for p in problems]


@staff_view(Perm.DATA_IMPORT)
@require_http_methods(["GET"])
def import_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    page = Paginator(selectors.batches(membership), BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "exchange/list.html", {"page": page})


def _upload_refused(request: HttpRequest, form: UploadForm, problems: list[Problem]) -> HttpResponse:
    return render(request, "exchange/upload.html", {
        "form": form, "refused": _problems(problems), "limit": storage.megabytes(storage.max_bytes()),
    }, status=400)


@csrf_exempt  # the upload handlers must be set before the body is read; CSRF is checked below
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Refuses a file over the size limit from its Content-Length alone, before reading
    the body; a body that passes the limit anyway is stopped as it streams in."""
    if request.method == "POST" and request.user.is_authenticated and storage.too_large(request):
        return _too_large(request)
    handler = storage.LimitedUploadHandler(request)
    request.upload_handlers = [handler]
    return _upload(request, handler)


def _too_large_response(request: HttpRequest) -> HttpResponse:
    limit = storage.megabytes(storage.max_bytes())
    message = _("The file is larger than %(limit)s, the most that can be imported at once. Nothing was "
                "stored. Split it into smaller files.") % {"limit": limit}
    return render(request, "exchange/upload.html", {
        "form": UploadForm(), "refused": [{"row": 1, "line": 0, "column": None, "text": message}], "limit": limit,
    }, status=413)


@staff_view(Perm.DATA_IMPORT)
def _too_large(request: HttpRequest) -> HttpResponse:
    return _too_large_response(request)


@staff_view(Perm.DATA_IMPORT)
@csrf_protect
def _upload(request: HttpRequest, handler: storage.LimitedUploadHandler) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    limit = storage.megabytes(storage.max_bytes())
    if request.method != "POST":
        return render(request, "exchange/upload.html", {"form": UploadForm(), "limit": limit})
    form = UploadForm(request.POST, request.FILES)
    if handler.exceeded:
        return _too_large_response(request)
    if not form.is_valid():
        return render(request, "exchange/upload.html", {"form": form, "limit": limit}, status=400)
    upload = form.cleaned_data["file"]
    options = {"instrument": form.cleaned_data["instrument"]} if form.cleaned_data["instrument"] else {}
    try:
        batch = actions.upload(
            membership, kind=form.cleaned_data["kind"], file_name=upload.name or "", data=upload.read(),
            encoding=form.cleaned_data["encoding"], options=options, request=request,
        )
    except FileError as exc:
        return _upload_refused(request, form, list(exc.problems))
    return redirect("import_mapping", pk=batch.pk)


def _item_choices(batch: ImportBatch, instrument_ids: list[str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for instrument_id in instrument_ids:
        instrument = kinds.member_instrument(instrument_id)
        if instrument is not None:
            found.extend((columns.item_key(instrument.id, i.id), field_label(batch.kind, columns.item_key(
                instrument.id, i.id))) for i in instrument.items)
    return found


def _closed(batch: ImportBatch) -> HttpResponse | None:
    return None if batch.is_open else redirect("import_detail", pk=batch.pk)


@staff_view(Perm.DATA_IMPORT)
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    batch = selectors.get_batch(membership, pk)
    if (closed := _closed(batch)) is not None:
        return closed
    data = request.POST if request.method == "POST" else None
    form: MappingForm | RedcapForm
    if batch.kind == Kind.REDCAP:
        table = actions.load_table(batch)
        form = RedcapForm(data, header=batch.header, layout=layout(table), options=batch.options)
    else:
        instruments: list[str] = []
        if batch.kind == Kind.RESPONSES:
            mapped = {int(k): v for k, v in batch.mapping.items() if v}
            instruments = actions.instruments_in(actions.load_table(batch), mapped, batch.options)
            if data is not None and data.get("instrument"):
                instruments.append(data["instrument"])
        form = MappingForm(data, kind=batch.kind, header=batch.header, mapping=batch.mapping,
                           options=batch.options, item_choices=_item_choices(batch, instruments))
    if request.method == "POST" and form.is_valid():
        mapping: dict[str, str] = form.mapping() if isinstance(form, MappingForm) else {}
        actions.save_mapping(membership, batch, mapping=mapping, options=form.options(), request=request)
        return redirect("import_preview", pk=batch.pk)
    return render(request, "exchange/mapping.html", {
        "batch": batch, "form": form, "earlier": selectors.earlier_imports_of(batch),
        "redcap": batch.kind == Kind.REDCAP,
    })


@staff_view(Perm.DATA_IMPORT)
@require_http_methods(["GET"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every problem by row and column, what would be created and what is already there."""
    membership = request.membership  # type: ignore[attr-defined]
    batch = selectors.get_batch(membership, pk)
    if (closed := _closed(batch)) is not None:
        return closed
    check = actions.preview(membership, batch, request=request)
    page = Paginator(_problems(check.problems), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    by_column = Counter(p.column or "" for p in check.problems).most_common()
    return render(request, "exchange/preview.html", {
        "batch": batch, "check": check, "page": page, "by_column": by_column,
        "notes": [problem_text(n) for n in check.notes],
        "sample_header": [field_label(batch.kind, k) if ":" not in k else k for k in check.sample_header],
        "sample": sample_rows(check.sample_header, check.sample),
        "earlier": selectors.earlier_imports_of(batch),
    })


@staff_view(Perm.DATA_IMPORT)
@require_http_methods(["POST"])
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    batch = selectors.get_batch(membership, pk)
    if (closed := _closed(batch)) is not None:
        return closed
    if batch.n_new > settings.PEERPATH_IMPORT_SYNC_ROWS:
        try:
            actions.queue_commit(membership, batch)
        except ValueError:
            messages.error(request, _("Check the file (preview) before importing it. Nothing was imported."))
            return redirect("import_preview", pk=batch.pk)
        messages.success(request, _("The import has started; this page shows when it is done."))
        return redirect("import_detail", pk=batch.pk)
    try:
        actions.commit(membership, batch, request=request)
    except actions.ImportRefused as exc:
        n = len(exc.check.problems)
        messages.error(request, _("Nothing was imported: the file has %(n)s problems. Correct them and upload "
                                  "it again.") % {"n": n})
        return redirect("import_preview", pk=batch.pk)
    except ValueError:
        messages.error(request, _("Check the file (preview) before importing it. Nothing was imported."))
        return redirect("import_preview", pk=batch.pk)
    messages.success(request, _("Imported."))
    return redirect("import_detail", pk=batch.pk)


@staff_view(Perm.DATA_IMPORT)
@require_http_methods(["POST"])
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    batch = selectors.get_batch(membership, pk)
    if batch.is_open:
        actions.discard(membership, batch, request=request)
        messages.success(request, _("Discarded: the file was deleted and nothing was imported."))
    return redirect("import_list")


@staff_view(Perm.DATA_IMPORT)
@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    batch = selectors.get_batch(membership, pk)
    return render(request, "exchange/detail.html", {
        "batch": batch, "result": result_rows(batch.result), "committed": batch.state == State.COMMITTED,
        "purge_hours": int(actions.PURGE_AFTER.total_seconds() // 3600),
    })
