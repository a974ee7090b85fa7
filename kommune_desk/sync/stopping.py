"""Ending a sync round early, at its next safe point, because KommuneDesk is closing.

The round runs in a worker; the window asks for the stop on the database and waits for the worker.
The engine looks before each request to the server (push batch, pull page, file, handshake). Every
step before that point is committed: a pull page is applied with its cursor in one transaction,
and a push batch's outcomes are written before the next request goes out. So a stopped round loses
nothing; the next round goes on from there. The request in flight is not cut off: it ends with its
answer or with the transport's timeouts (``sync.transport.TIMEOUT_S``), which bound the wait.
"""

from __future__ import annotations

import threading
import weakref

from .errors import SyncError

STOPPED = (
    "Der letzte Abgleich wurde beim Beenden von KommuneDesk unterbrochen. Ihre Änderungen sind "
    "gespeichert und werden beim nächsten Abgleich übertragen."
)

_lock = threading.Lock()
_stopping: weakref.WeakSet[object] = weakref.WeakSet()  # databases whose rounds should end


class RoundStoppedError(SyncError):
    """The round ended at a safe point because the app is closing; nothing was lost."""


def request_stop(db: object) -> None:
    """Ask every round on ``db`` (in any thread) to end at its next safe point."""
    with _lock:
        _stopping.add(db)


def withdraw_stop(db: object) -> None:
    """Rounds on ``db`` may run again (the round that was asked to stop has ended)."""
    with _lock:
        _stopping.discard(db)


def stop_requested(db: object) -> bool:
    with _lock:
        return db in _stopping


def check(db: object) -> None:
    """A safe point of a round on ``db``: raise RoundStoppedError if it should end here."""
    if stop_requested(db):
        raise RoundStoppedError(STOPPED)
