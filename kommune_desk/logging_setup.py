"""Log file in the user's log directory, rotated at start-up.

Policy: log ids, counts and error types, never names, addresses or form contents.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .locations import log_dir

LOG_FILE_NAME = "kommune-desk.log"
MAX_BYTES = 2_000_000
KEEP = 5


def configure_logging(level: int = logging.INFO) -> Path:
    """Send the ``kommune_desk`` loggers to the log file; return the file's path.

    A file over MAX_BYTES is rotated when the app starts (a clerk's session is one day,
    so per-start rotation bounds the size without logging.handlers' start-up cost).
    """
    directory = log_dir()
    path = directory / LOG_FILE_NAME
    root = logging.getLogger("kommune_desk")
    for old in [h for h in root.handlers if getattr(h, "kommune_desk_file", False)]:
        root.removeHandler(old)
        old.close()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _rotate(path)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # a missing log must never stop a clerk from working
    handler.kommune_desk_file = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return path


def _rotate(path: Path) -> None:
    if not path.exists() or path.stat().st_size < MAX_BYTES:
        return
    for number in range(KEEP - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{number + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))
