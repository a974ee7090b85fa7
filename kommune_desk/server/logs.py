"""The server's log on stderr: one JSON object per line (for the Kreis' log collector) or text.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus the fields
a caller passes with ``extra=`` (a request: ``method``, ``route``, ``status``, ``duration_ms``).
The server's code logs routes, numbers and ids, never a body, a token or a name. A traceback
keeps its frames and the exception's type but drops the exception's message, because that is
where a failing value (a name, a token) would end up.

uvicorn's own loggers go through the same handler (``log_config``, also in every worker
process); its access log stays off, because it would print client addresses and query strings.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import traceback
from types import TracebackType
from typing import Any

try:  # python-json-logger 3 and later
    from pythonjsonlogger.json import JsonFormatter as _JsonFormatterBase
except ImportError:  # python-json-logger 2
    from pythonjsonlogger.jsonlogger import JsonFormatter as _JsonFormatterBase

# Attributes every LogRecord has; anything else on a record came with ``extra=``.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# uvicorn adds an ANSI-coloured copy of each message for its own console formatter.
_DROPPED_EXTRAS = frozenset({"color_message"})
_Exc = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def utc_time(record: logging.LogRecord) -> str:
    return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller passed with ``extra=``."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and key not in _DROPPED_EXTRAS
    }


def safe_traceback(exc_info: _Exc) -> str:
    """The frames and the exception's type (with its causes), without any exception message."""
    exc_type, exc, tb = exc_info
    if exc_type is None:
        return ""
    parts = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(traceback.format_tb(tb or exc.__traceback__))
        parts.append(
            f"Traceback (most recent call last):\n{frames}{type(exc).__module__}.{type(exc).__qualname__}"
        )
        exc = exc.__cause__ or exc.__context__
        tb = None
    return "\n\nThe above exception led to the following one:\n\n".join(reversed(parts))


class JsonLogFormatter(_JsonFormatterBase):  # type: ignore[misc, valid-type]
    """One JSON object per line: time, level, logger, message, then the extras."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("reserved_attrs", [*_RECORD_ATTRIBUTES, *_DROPPED_EXTRAS])
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = utc_time(record)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        super().add_fields(log_data, record, message_dict)

    def formatException(self, ei: Any) -> str:
        return safe_traceback(ei)


class TextLogFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value …`` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={_text_value(value)}" for key, value in extras(record).items())
        line = f"{utc_time(record)} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{line} {fields}" if fields else line
        if record.exc_info:
            line = f"{line}\n{safe_traceback(record.exc_info)}"
        return line


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if not text or any(c.isspace() for c in text) else text


FORMATTERS = {"json": JsonLogFormatter, "text": TextLogFormatter}


def log_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``log_format``: one stderr handler on the root logger,
    which uvicorn's loggers and ours propagate to. Plain data, so uvicorn can hand it to workers."""
    formatter = FORMATTERS[log_format]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"server": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "server", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }


def configure(log_format: str, level: str = "INFO") -> None:
    """Set up the process's logging (for the commands that do not start uvicorn)."""
    logging.config.dictConfig(log_config(log_format, level))
