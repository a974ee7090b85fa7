"""Import by drag & drop onto the main window, and the watched drop folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from kommune_desk.intake import write_submission
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.main_window import DROP_FOLDER_KEY, MainWindow

GEWERBE = "99050012104000"


def _window(qtbot, ws: Workspace, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)
    win = MainWindow(ws, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    return win


def _drop(win: MainWindow, paths: list[Path]) -> bool:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        QPointF(300, 300), action, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(win, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(
        QPointF(300, 300), action, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(win, drop)
    return True


def test_drag_and_drop_imports_and_reports(qtbot, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, workspace, tmp_path)
    good = write_submission(
        tmp_path / "gut.zip",
        as_zip=True,
        leika_id=GEWERBE,
        applicant={"nachname": "Łapiński", "vorname": "Ewa"},
    )
    bad = tmp_path / "kaputt.zip"
    bad.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    with qtbot.waitSignal(win.importer.finished, timeout=10_000) as finished:
        assert _drop(win, [good, bad])
    results = finished.args[0]
    assert [r.outcome.value for r in results] == ["importiert", "abgelehnt"]
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert box.windowTitle() == "Import abgeschlossen"
    assert box.text() == "1 Antrag übernommen, 1 abgelehnt und in die Quarantäne verschoben."
    assert "kaputt.zip: abgelehnt" in box.detailedText()
    box.close()
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() == 1, timeout=5000)
    name_cell = win.inbox_model.index(0, 3)
    qtbot.waitUntil(lambda: win.inbox_model.data(name_cell) == "Łapiński, Ewa", timeout=5000)


def test_the_watched_drop_folder_imports_on_its_own(qtbot, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    drop = tmp_path / "ablage"
    drop.mkdir()
    submission = write_submission(drop / "portal.zip", as_zip=True, leika_id=GEWERBE)
    old = time.time() - 60
    os.utime(submission, (old, old))
    os.utime(drop, (old, old))
    settings = QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)
    settings.setValue(DROP_FOLDER_KEY, str(drop))
    win = MainWindow(workspace, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.importer.finished, timeout=10_000) as finished:
        win.show()
    assert [r.outcome.value for r in finished.args[0]] == ["importiert"]
    assert (drop / "importiert").is_dir() and not submission.exists()
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() == 1, timeout=5000)
    assert "1 Antrag übernommen" in win.statusBar().currentMessage()
