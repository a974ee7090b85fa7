"""Importing FIT-Connect submissions from the GUI: menu, drag & drop and a watched drop folder.

The import itself runs in a worker (reading and hashing a 2 GB submission takes a while);
the clerk sees one summary per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from kommune_desk.domain.formatting import count_noun
from kommune_desk.services.workspace import Workspace

from .run import explain_failure
from .workers import start_task

POLL_INTERVAL_MS = 30_000  # a watcher alone misses changes on some file systems
SETTLE_DELAY_MS = 6_000  # after a change, wait until a copy in progress has finished


def summary(results: Sequence[Any]) -> str:
    """ "2 Anträge übernommen, 1 bereits vorhanden, 1 abgelehnt" (only the parts that occurred)."""
    imported = sum(1 for r in results if r.outcome.value == "importiert")
    duplicates = sum(1 for r in results if r.outcome.value == "bereits_importiert")
    rejected = sum(1 for r in results if r.outcome.value == "abgelehnt")
    failed = sum(1 for r in results if r.outcome.value == "fehlgeschlagen")
    clarifying = sum(1 for r in results if r.in_clarification)
    parts = []
    if imported:
        parts.append(count_noun(imported, "Antrag", "Anträge") + " übernommen")
        if clarifying:
            parts.append(f"davon {clarifying} in Klärung (Leistung unbekannt)")
    if duplicates:
        parts.append(f"{duplicates} bereits vorhanden")
    if rejected:
        parts.append(f"{rejected} abgelehnt und in die Quarantäne verschoben")
    if failed:
        parts.append(f"{failed} nicht übernommen (bitte erneut versuchen)")
    return ", ".join(parts) or "Keine Einreichung gefunden."


class ImportController(QObject):
    """Runs imports one batch at a time and reports the results."""

    finished = Signal(object)  # list[ImportResult]

    def __init__(self, workspace: Workspace, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.workspace = workspace
        self.parent_widget = parent_widget
        self.running = False
        self._watcher: QFileSystemWatcher | None = None
        self._folder: Path | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_INTERVAL_MS)
        self._poll.timeout.connect(self.scan_drop_folder)

    # -- explicit imports (menu, drag & drop) -------------------------------------------------------
    def choose_and_import(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self.parent_widget,
            "Online-Anträge importieren",
            "",
            "FIT-Connect-Einreichungen (*.zip);;Alle Dateien (*)",
        )
        if files:
            self.import_paths([Path(f) for f in files])

    def choose_folder_and_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent_widget, "Einreichungsordner importieren")
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: Sequence[Path], announce: bool = True) -> None:
        """Import in a worker; with ``announce`` the clerk gets a summary dialog afterwards."""
        from kommune_desk.services.intake import import_paths

        if self.running:
            QMessageBox.information(
                self.parent_widget,
                "Import läuft",
                "Ein Import läuft bereits. Bitte warten Sie, bis er fertig ist.",
            )
            return
        self.running = True
        start_task(
            import_paths,
            self.workspace,
            list(paths),
            on_done=lambda results: self._done(results, announce),
            on_error=self._failed,
        )

    def _done(self, results: list[Any], announce: bool) -> None:
        self.running = False
        self.finished.emit(results)
        if not announce:
            return
        details = "\n".join(f"{r.path.name}: {r.message}" for r in results)
        box = QMessageBox(
            QMessageBox.Icon.Information if all(r.ok for r in results) else QMessageBox.Icon.Warning,
            "Import abgeschlossen",
            summary(results) + ".",
            QMessageBox.StandardButton.Ok,
            self.parent_widget,
        )
        box.setDetailedText(details)
        box.open()  # not modal-blocking: the clerk goes on working

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        explain_failure(self.parent_widget, exc, "Import nicht möglich")

    # -- the watched drop folder ------------------------------------------------------------------------
    def watch(self, folder: Path | None) -> None:
        """Watch ``folder`` (None: stop); complete submissions that appear there are imported."""
        if self._watcher is not None:
            self._watcher.deleteLater()
            self._watcher = None
        self._poll.stop()
        self._folder = folder
        if folder is None:
            return
        self._watcher = QFileSystemWatcher([str(folder)], self)
        self._watcher.directoryChanged.connect(
            lambda _path: QTimer.singleShot(SETTLE_DELAY_MS, self.scan_drop_folder)
        )
        self._poll.start()
        QTimer.singleShot(0, self.scan_drop_folder)

    def scan_drop_folder(self) -> None:
        from kommune_desk.services.intake import import_drop_folder

        if self._folder is None or self.running:
            return
        self.running = True
        start_task(
            import_drop_folder,
            self.workspace,
            self._folder,
            on_done=lambda results: self._done(results, announce=False),
            on_error=self._failed,
        )
