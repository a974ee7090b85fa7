"""Start-up as a clerk meets it: first start, demo, and every refusal in German."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QLockFile

from kommune_desk import app
from kommune_desk.logging_setup import LOG_FILE_NAME
from kommune_desk.storage.database import DATABASE_FILE, Database
from kommune_desk.ui.errors import install_excepthook
from kommune_desk.ui.first_start import FirstStartDialog

from ..conftest import locked_by_another_process
from .conftest import answered_dialogs


@pytest.fixture(autouse=True)
def _keep_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    """app.main installs a global hook; restore pytest's after each test."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


def test_first_start_dialog_lists_problems_and_stays_open(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstStartDialog("a.schmidt")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.setup_button.click()
    assert dialog.isVisible()
    assert dialog.choice is None
    assert "Gemeindeschlüssel" in dialog.errors.text()


def test_first_start_dialog_accepts_a_complete_form(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstStartDialog("a.schmidt")
    qtbot.addWidget(dialog)
    dialog.show()
    # QTest can only type ASCII keys; fields with umlauts are filled as a paste would.
    for field, text in ((dialog.ags, "06433003"), (dialog.postal_code, "64572"), (dialog.office_code, "bue")):
        qtbot.keyClicks(field, text)
    for field, text in (
        (dialog.municipality, "Gemeinde Büttelborn"),
        (dialog.street, "Mainzer Straße 13"),
        (dialog.city, "Büttelborn"),
        (dialog.clerk, "Renée Kühn"),
    ):
        field.setText(text)
    dialog.role.setCurrentIndex(1)
    dialog.setup_button.click()
    assert dialog.choice == "setup"
    data = dialog.setup_input()
    assert (data.ags, data.office_code.upper(), data.role, data.os_login) == (
        "06433003",
        "BUE",
        "teamleitung",
        "a.schmidt",
    )


def test_demo_start_builds_the_demo_and_fills_the_posteingang(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "demo"
    assert app.main(["--data-dir", str(data), "--demo", "--exit-when-ready"]) == 0
    assert "ready 200" in capsys.readouterr().out  # the first page is on screen
    db = Database.open(data)
    assert db.reader().execute("SELECT count(*) FROM applications").fetchone()[0] == app.GUI_DEMO_APPLICATIONS
    db.close()


def test_corrupt_database_is_explained_not_crashed(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "daten"
    data.mkdir()
    (data / DATABASE_FILE).write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with answered_dialogs() as boxes:
        assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 1
    assert boxes and boxes[0][0] == "Datenbank beschädigt"
    assert "Sicherung" in boxes[0][1]
    assert "Traceback" not in capsys.readouterr().err


def test_cloud_folder_is_refused_before_anything_is_created(tmp_path: Path) -> None:
    data = tmp_path / "OneDrive - Stadt" / "KommuneDesk"
    with answered_dialogs() as boxes:
        assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 1
    assert boxes[0][0] == "Ungeeigneter Speicherort"
    assert not data.exists()


def test_second_instance_on_the_same_data_is_refused(tmp_path: Path, demo_dir: Path) -> None:
    lock = QLockFile(str(demo_dir / "kommune-desk.lock"))
    assert lock.tryLock(100)
    try:
        with answered_dialogs() as boxes:
            assert app.main(["--data-dir", str(demo_dir), "--exit-when-ready"]) == 1
        assert boxes[0][0] == "KommuneDesk ist bereits geöffnet"
    finally:
        lock.unlock()


def test_unexpected_error_shows_german_dialog_and_logs_no_personal_data(qapp) -> None:  # type: ignore[no-untyped-def]
    from kommune_desk.logging_setup import configure_logging

    log_file = configure_logging()
    install_excepthook(str(log_file))
    applicant = {"name": "Zoë Ağaoğlu", "street": "Langgasse 12"}  # data arrives in variables
    try:
        raise ValueError(f"Antrag von {applicant['name']}, {applicant['street']}")
    except ValueError as exc:
        with answered_dialogs() as boxes:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    assert boxes[0][0] == "Unerwarteter Fehler"
    assert str(log_file) in boxes[0][1]
    logged = log_file.read_text(encoding="utf-8")
    assert "ValueError" in logged and "test_startup.py" in logged
    assert "Ağaoğlu" not in logged and "Langgasse" not in logged


def test_a_gui_session_logs_no_citizen_names(tmp_path: Path, demo_dir: Path) -> None:
    assert app.main(["--data-dir", str(demo_dir), "--exit-when-ready"]) == 0
    from kommune_desk.locations import log_dir

    text = (log_dir() / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "main window shown" in text
    db = Database.open(demo_dir)
    names = [r[0] for r in db.reader().execute("SELECT DISTINCT applicant_name FROM applications")]
    db.close()
    assert names and not any(name in text for name in names)


def test_first_start_set_up_creates_the_office_and_opens_the_window(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A clerk fills in the set-up form; the window opens on the new, empty Posteingang."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kommune_desk.services.workspace import current_os_login, load_workspace

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FirstStartDialog):
            QTimer.singleShot(20, fill_in)
            return
        dialog.municipality.setText("Gemeinde Bischofsheim")
        dialog.ags.setText("06433002")
        dialog.street.setText("Schulstraße 45")
        dialog.postal_code.setText("65474")
        dialog.city.setText("Bischofsheim")
        dialog.office_code.setText("BIS")
        dialog.clerk.setText("Ingrid Roß")
        dialog.setup_button.click()

    QTimer.singleShot(20, fill_in)
    data = tmp_path / "neu"
    assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 0
    assert "ready 0" in capsys.readouterr().out
    db = Database.open(data)
    workspace = load_workspace(db, current_os_login())
    assert workspace is not None and workspace.clerk is not None
    assert (workspace.municipality.name, workspace.office.code, workspace.clerk.display_name) == (
        "Gemeinde Bischofsheim",
        "BIS",
        "Ingrid Roß",
    )
    db.close()


def test_cancelling_the_first_start_leaves_no_set_up(tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, FirstStartDialog):
            dialog.reject()
        else:
            QTimer.singleShot(20, cancel)

    QTimer.singleShot(20, cancel)
    data = tmp_path / "abgebrochen"
    assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 0
    db = Database.open(data)
    assert db.reader().execute("SELECT count(*) FROM municipalities").fetchone()[0] == 0
    db.close()


@pytest.mark.slow
def test_database_locked_by_another_program_is_explained(demo_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with locked_by_another_process(demo_dir / DATABASE_FILE), answered_dialogs() as boxes:
        assert app.main(["--data-dir", str(demo_dir), "--exit-when-ready"]) == 1
    assert boxes[0][0] == "Datenbank wird verwendet"
    assert "anderen Programm" in boxes[0][1]
    assert "Traceback" not in capsys.readouterr().err


_HEAVY_MODULES = ("reportlab", "matplotlib", "segno", "pikepdf", "PySide6.QtPdf", "PySide6.QtPrintSupport")
_START_AND_LIST_MODULES = """
import sys
from kommune_desk import app
code = app.main(["--data-dir", sys.argv[1], "--exit-when-ready"])
heavy = sorted(name for name in sys.argv[2:] if name in sys.modules)
print("heavy:", ",".join(heavy), flush=True)
sys.exit(code)
"""


def test_start_up_loads_no_pdf_print_or_chart_library(demo_dir: Path) -> None:
    """Reportlab, matplotlib and the PDF/print modules load on first use, never at start-up."""
    done = subprocess.run(
        [sys.executable, "-c", _START_AND_LIST_MODULES, str(demo_dir), *_HEAVY_MODULES],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ready " in done.stdout
    assert "heavy: \n" in done.stdout, done.stdout


def test_typing_stadt_before_the_name_chooses_the_kind(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstStartDialog("a.schmidt")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.municipality, "Stadt Teststadt")
    assert dialog.kind.currentData() == "stadt"
    assert dialog.municipality.text() == "Teststadt"
    assert dialog.setup_input().kind == "stadt"
