"""Keeping an uploaded file encrypted, and refusing one that is too large before
reading it.

The bytes are encrypted with Fernet under the field keys (``PEERPATH_FIELD_KEYS``, newest
first, as ``members/crypto.py`` does for fields): the file holds personal data and is
never written to disk in plain text. Uploads are kept in memory by
``LimitedUploadHandler`` (no temporary file) and stopped as soon as they pass
``PEERPATH_IMPORT_MAX_BYTES``.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# Headers and the other form fields of a multipart request around the file itself.
FORM_OVERHEAD = 64 * 1024


def max_bytes() -> int:
    return int(settings.PEERPATH_IMPORT_MAX_BYTES)


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in settings.PEERPATH_FIELD_KEYS])


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ValueError("the stored file cannot be decrypted with any configured key") from exc


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def too_large(request: HttpRequest) -> bool:
    """Whether the request announces a body larger than any allowed upload (answered
    from the Content-Length header alone, before anything is read)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes() + FORM_OVERHEAD


class LimitedUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory up to the limit, and stops the upload as soon as
    it passes it (the rest of the body is read past, not stored)."""

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_bytes() if limit is None else limit
        self.exceeded = False
        self.size = 0
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.size = 0
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > self.limit:
            self.exceeded = True
            self.buffer = io.BytesIO()
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer, field_name=self.field_name, name=self.file_name,
            content_type=self.content_type, size=file_size, charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
