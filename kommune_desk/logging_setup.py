"""Rotating log file in the user's log directory.

Policy: log ids, counts and error types, never names, addresses or form contents.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from .locations import log_dir

LOG_FILE_NAME = "kommune-desk.log"


def configure_logging(level: int = logging.INFO) -> Path:
    """Send the ``kommune_desk`` loggers to a rotating file; return the file's path."""
    directory = log_dir()
    path = directory / LOG_FILE_NAME
    root = logging.getLogger("kommune_desk")
    for old in [h for h in root.handlers if getattr(h, "kommune_desk_file", False)]:
        root.removeHandler(old)
        old.close()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()  # a missing log must never stop a clerk from working
    handler.kommune_desk_file = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return path
