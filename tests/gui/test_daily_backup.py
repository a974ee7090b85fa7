"""The daily backup seen from the window: made after start in a worker, shown in the status bar;
a failure is said in German; the folder and number are set under Datei → Einstellungen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from kommune_desk.services.backups import backup_settings, save_backup_settings
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.backup import list_backups
from kommune_desk.ui.main_window import MainWindow
from kommune_desk.ui.settings_dialog import SettingsDialog


@pytest.fixture
def window(qtbot, demo_workspace: Workspace, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(
        demo_workspace,
        QSettings(str(tmp_path / "e.ini"), QSettings.Format.IniFormat),
        "/tmp/kommune-desk.log",
    )
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_window_backs_up_and_says_when(qtbot, window: MainWindow, demo_workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    window.start_daily_backup()
    qtbot.waitUntil(lambda: window.backup_label.text().startswith("Letzte Sicherung: "), timeout=20_000)
    assert len(list_backups(backup_settings(demo_workspace.db).folder)) == 1
    assert window.backup_label.text().endswith(" Uhr")
    window.start_daily_backup()  # again the same day: nothing new
    qtbot.wait(500)
    assert len(list_backups(backup_settings(demo_workspace.db).folder)) == 1


def test_a_failed_backup_is_said_in_german(
    qtbot, window: MainWindow, demo_workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "datei"
    blocker.write_text("kein Ordner")
    save_backup_settings(demo_workspace.db, str(blocker / "sicherungen"), 14)
    window.start_daily_backup()
    qtbot.waitUntil(lambda: window.backup_label.text() == "Sicherung fehlgeschlagen", timeout=20_000)

    def warning() -> QMessageBox | None:
        return next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None
        )

    qtbot.waitUntil(lambda: warning() is not None, timeout=5000)
    box = warning()
    assert box is not None and box.windowTitle() == "Tägliche Sicherung fehlgeschlagen"
    assert "Datei → Einstellungen" in box.text() and "Ihre Daten sind unverändert" in box.text()
    box.close()


def test_the_settings_dialog_shows_and_returns_the_backup_settings(
    qtbot, demo_workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    save_backup_settings(demo_workspace.db, str(tmp_path / "netz"), 7)
    dialog = SettingsDialog("", backup_settings(demo_workspace.db))
    qtbot.addWidget(dialog)
    assert dialog.backup_folder.text() == str(tmp_path / "netz") and dialog.backup_keep.value() == 7
    dialog.backup_folder.setText("")
    dialog.backup_keep.setValue(30)
    assert dialog.chosen_backup() == ("", 30)
