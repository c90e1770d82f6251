"""Request ids and log lines as JSON (``PEERPATH_LOG_FORMAT=json``).

Every request gets an id: the ``X-Request-ID`` header of the proxy when it is
well formed (1-64 letters, digits, ``.``, ``_``, ``-``), otherwise a new one. It is
sent back in the response's ``X-Request-ID``, added to every log line written
while the request runs, and stored with each audit entry the request writes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str] = ContextVar("peerpath_request_id", default="")

# LogRecord attributes that are not extra fields of a line.
# (Django's "request" extra is left out: its text holds the query string.)
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "request"}


def request_id_from(header: str | None) -> str:
    """The proxy's request id if it is well formed, else a new random one."""
    if header and _WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str:
    """The id of the request being served ("" outside a request)."""
    return _request_id.get()


def set_request_id(value: str) -> Any:
    """Set the current request id; returns a token for ``reset_request_id``."""
    return _request_id.set(value)


def reset_request_id(token: Any) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (for either format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message,
    request_id, the record's extra fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
