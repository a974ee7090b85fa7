"""One sync round at a time per data folder, across processes (the open app, a scheduled CLI).

Two rounds at once would both rotate the same refresh token, and the server must take the second
for a copy. The lock is the operating system's (released when the process dies, also on a crash).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import SyncError

LOCK_FILE = "abgleich.lock"
BUSY = (
    "Auf diesem Arbeitsplatz läuft gerade schon ein Abgleich (z. B. im geöffneten KommuneDesk). "
    "Bitte versuchen Sie es gleich noch einmal."
)


class SyncRunningError(SyncError):
    """Another round of the same data folder is under way."""


@contextmanager
def exclusive_round(data_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the data folder's sync lock for the block; SyncRunningError if another holds it."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(data_dir / LOCK_FILE), timeout=wait_s)
    try:
        lock.acquire()
    except Timeout as exc:
        raise SyncRunningError(BUSY) from exc
    try:
        yield
    finally:
        lock.release()
