"""Sync rounds in the background: one at a time, every minute while the server answers, with
backoff after failures, and a status the status bar can show. When the window closes, a round in
flight is asked to end at its next safe point (``sync.stopping``), and the window waits for it.

The sync modules (httpx, keyring) are imported in the worker, never at start-up.
"""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from kommune_desk.services.errors import StorageError
from kommune_desk.sync.errors import (
    NotAuthorisedError,
    OfflineError,
    ServerBusyError,
    SyncError,
    UpdateRequiredError,
)
from kommune_desk.sync.schedule import next_delay
from kommune_desk.sync.stopping import request_stop, withdraw_stop

from .sync_status import SyncState
from .workers import start_task

if TYPE_CHECKING:
    from kommune_desk.storage.database import Database
    from kommune_desk.sync.engine import RoundReport

log = logging.getLogger(__name__)

STATUS_POLL_MS = 15_000  # the waiting count follows the clerk's work between rounds
MIN_DELAY_S = 1.0  # full jitter may draw ~0 s; never hammer the server in a tight loop
_MAX_TIMER_MS = 2**31 - 1  # QTimer takes an int; an absurd Retry-After must not overflow it
UNEXPECTED_TEXT = (
    "Der Abgleich ist an einem unerwarteten Fehler gescheitert. Ihre Daten sind gespeichert; "
    "Einzelheiten stehen in der Protokolldatei."
)


@dataclass(frozen=True)
class _Outcome:
    report: RoundReport | None
    error: SyncError | None
    status: Any  # services.sync.SyncStatus


def _read_status(db: Database) -> Any:
    from kommune_desk.services.sync import sync_status

    return sync_status(db)


def _run_round(db: Database) -> _Outcome:
    """In the worker: one round (it looks whether the server is there before anything else)."""
    from kommune_desk.services import sync

    try:
        report, error = sync.sync_once(db), None
    except SyncError as exc:
        report, error = None, exc
    return _Outcome(report, error, sync.sync_status(db))


def _status_fields(status: Any) -> dict[str, Any]:
    """The SyncState fields a services.sync.SyncStatus gives."""
    return {
        "enrolled": status.enrolled, "pending": status.pending, "last_success_at": status.last_success_at,
        "open_conflicts": status.open_conflicts, "locked_out": status.locked_out,
        "server_url": status.server_url,
    }  # fmt: skip


class SyncController(QObject):
    """Runs sync rounds for one enrolled data folder; ``start()`` once the window is up."""

    status_changed = Signal(object)  # SyncState
    round_finished = Signal(object)  # RoundReport of a round that worked
    ended = Signal()  # after close(): the round that was in flight has ended; none follows

    def __init__(
        self,
        db: Database,
        parent: QObject | None = None,
        *,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._uniform = uniform
        self._state = SyncState()
        self._active = False
        self._closed = False
        self._reading = False
        self._wanted = False  # a round should start as soon as the status allows it
        self._failures = 0
        self._rounds = 0  # rounds finished in this session (their error beats a stored one)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._due)
        self._poll = QTimer(self)
        self._poll.setInterval(STATUS_POLL_MS)
        self._poll.timeout.connect(self.refresh_status)

    # -- public ----------------------------------------------------------------------------
    @property
    def state(self) -> SyncState:
        return self._state

    def start(self) -> None:
        """Read the status and, if this folder is enrolled, begin the rounds."""
        if self._active:
            return
        self._active = True
        self._wanted = True
        self._poll.start()
        self.refresh_status()

    def stop(self) -> None:
        """No further rounds (a running one finishes; its result is still shown)."""
        self._active = False
        self._timer.stop()
        self._poll.stop()

    def close(self) -> bool:
        """For good, as the window closes: no further rounds or status reads, and a round in
        flight is asked to end at its next safe point. True while that round still runs; ``ended``
        is emitted once it has (its worker is done with the database then)."""
        self.stop()
        self._closed = True
        self._wanted = False
        if not self._state.running:
            return False
        request_stop(self._db)
        return True

    def sync_now(self) -> None:
        """ "Jetzt synchronisieren": a round now, the backoff forgotten, a stop lifted."""
        self._failures = 0
        self._wanted = True
        if self._state.stopped:
            self._set(stopped=False)
        if self._state.running:
            return  # the round in flight is followed by another one (see _round_done)
        if self._state.enrolled:
            self._begin_round()
        else:
            self.refresh_status()  # perhaps enrolled meanwhile (the dialog, the CLI)

    def refresh_status(self) -> None:
        """Read the waiting count, conflicts and enrolment again (in a worker)."""
        if self._reading or self._state.running or self._closed:
            return
        self._reading = True
        start_task(_read_status, self._db, on_done=self._status_read, on_error=self._status_failed)

    # -- status ----------------------------------------------------------------------------
    def _status_read(self, status: Any) -> None:
        self._reading = False
        error = self._state.error if self._rounds else status.last_error
        stopped = self._state.stopped
        if status.locked_out and not self._rounds:
            stopped = True  # locked out in an earlier session: no rounds until a new enrolment
        elif self._state.locked_out and not status.locked_out:
            stopped = False  # enrolled again meanwhile (the dialog, the CLI)
        self._set(**_status_fields(status), error=error, stopped=stopped)
        if self._wanted and status.enrolled and not self._state.stopped:
            self._begin_round()

    def _status_failed(self, exc: BaseException) -> None:
        self._reading = False
        log.warning("sync status could not be read: %s", type(exc).__name__)

    def _set(self, **changes: Any) -> None:
        state = replace(self._state, **changes)
        if state != self._state:
            self._state = state
            self.status_changed.emit(state)

    # -- rounds ----------------------------------------------------------------------------
    def _due(self) -> None:
        if self._active and not self._state.stopped:
            self._begin_round()

    def _begin_round(self) -> None:
        if self._state.running or self._closed:
            return
        self._wanted = False
        self._timer.stop()
        self._set(running=True)
        start_task(_run_round, self._db, on_done=self._round_done, on_error=self._round_crashed)

    def _round_done(self, outcome: _Outcome) -> None:
        self._rounds += 1
        counts = {"running": False, **_status_fields(outcome.status)}
        if self._closed:
            self._set(**counts)
            self._round_ended_on_close()
            return
        if outcome.error is None:
            self._failures = 0
            self._set(**counts, online=True, error=None)  # one update: no flicker of the old error
            self.round_finished.emit(outcome.report)
            self._schedule(next_delay(0))
            return
        # Any answer, even a refusal, means the server is there.
        self._failed(outcome.error, online=not isinstance(outcome.error, OfflineError), **counts)

    def _failed(self, error: SyncError, *, online: bool | None, **changes: Any) -> None:
        self._failures += 1
        if isinstance(error, NotAuthorisedError | UpdateRequiredError):
            self._set(**changes, online=online, error=str(error), stopped=True)
            self._wanted = False
            self._timer.stop()
            return
        self._set(**changes, online=online, error=str(error))
        retry_after = error.retry_after if isinstance(error, ServerBusyError) else None
        self._schedule(next_delay(self._failures, retry_after, uniform=self._uniform))

    def _round_crashed(self, exc: BaseException) -> None:
        """Not a sync problem (the disk, a bug): logged; the rounds go on with backoff."""
        self._rounds += 1
        # The stack only: an exception's message may quote citizens' data.
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("sync round failed: %s\n%s", type(exc).__name__, stack)
        if self._closed:
            self._set(running=False)
            self._round_ended_on_close()
            return
        text = exc.message if isinstance(exc, StorageError) else UNEXPECTED_TEXT
        self._failed(SyncError(text), online=self._state.online, running=False)

    def _round_ended_on_close(self) -> None:
        withdraw_stop(self._db)  # nothing runs now; the database may be used (or closed) again
        log.info("sync round ended for closing")
        self.ended.emit()

    def _schedule(self, delay_s: float) -> None:
        if self._wanted:  # "Jetzt synchronisieren" during the round: once more, now
            self._begin_round()
            return
        if self._active and not self._state.stopped:
            self._timer.start(min(int(max(delay_s, MIN_DELAY_S) * 1000), _MAX_TIMER_MS))

    def next_round_in_ms(self) -> int:
        """Milliseconds until the scheduled round (-1: none scheduled); for tests and tooltips."""
        return self._timer.remainingTime() if self._timer.isActive() else -1
