"""The Geräteverleih's daily work while the app runs: at start, every hour and after a sync
that brought changes, in a worker (retention once a day, waiting-list offers, overdue count).

Kept apart from the section so the main window can run it without building the section.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from kommune_desk.services.workspace import Workspace

from ..workers import start_task

log = logging.getLogger(__name__)
HOURLY_MS = 60 * 60 * 1000


def _daily_work(workspace: Workspace) -> Any:
    from kommune_desk.services.pool_daily import daily_pool_work

    return daily_pool_work(workspace)


class PoolDaily(QObject):
    """Runs the daily pool work and reports what a clerk should know."""

    overdue = Signal(int, int)  # overdue loans: of this town, of the whole pool
    message = Signal(str)  # something worth a line in the status bar

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(HOURLY_MS)
        self._timer.timeout.connect(self.run)

    def start(self) -> None:
        """Run now and then every hour (retention itself runs once a day)."""
        self._timer.start()
        self.run()

    def run(self) -> None:
        if self._running or self.workspace.clerk is None:
            return
        self._running = True
        start_task(_daily_work, self.workspace, on_done=self._done, on_error=self._failed, owner=self)

    def _done(self, work: Any) -> None:
        self._running = False
        self.overdue.emit(work.overdue_own, work.overdue_all)
        notes = []
        if work.retention is not None and work.retention.borrowers:
            notes.append(f"Aufbewahrungsfrist: {work.retention.message()}")
        if work.offers.offered or work.offers.expired:
            notes.append(work.offers.message())
        if work.maintenance_due:
            notes.append(work.maintenance_message())
        if notes:
            self.message.emit(" ".join(notes))

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        # Daily housekeeping must never interrupt a clerk; it runs again within the hour.
        log.warning("daily pool work failed: %s", type(exc).__name__)
