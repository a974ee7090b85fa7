"""The case view of a FIM submission and "Angaben berichtigen" with real widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from kommune_desk.intake import write_submission
from kommune_desk.services.cases import read_case
from kommune_desk.services.form_schemas import import_schemas
from kommune_desk.services.intake import import_submission
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.correction_dialog import CorrectionDialog
from kommune_desk.ui.main_window import MainWindow
from kommune_desk.ui.original_data_dialog import OriginalDataDialog

FIXTURES = Path(__file__).parent.parent / "fixtures" / "fim"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)


def _fim_case(ws: Workspace, tmp_path: Path) -> str:
    source = write_submission(
        tmp_path / "fim",
        leika_id="99108008001000",
        data_bytes=(FIXTURES / "hundesteuer-anmeldung.data.json").read_bytes(),
        schema_uri="https://schema.fitko.de/fim/s06000123_1.0.schema.json",
    )
    result = import_submission(ws, source)
    assert result.application_id
    return result.application_id


def _case_view(qtbot, ws: Workspace, settings: QSettings, case: str):  # type: ignore[no-untyped-def]
    win = MainWindow(ws, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() > 0, timeout=5000)
    page = win.inbox_page
    assert page is not None
    page.open_case(case)
    qtbot.waitUntil(lambda: page.case_view.detail is not None and page.case_view.detail.id == case)
    qtbot.waitUntil(lambda: len(_texts(page.case_view)) > 1)  # new labels are shown by a queued call
    return page.case_view


def _texts(widget) -> list[str]:  # type: ignore[no-untyped-def]
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]


def test_a_fim_case_shows_headings_and_labels(
    qtbot, workspace: Workspace, settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = _fim_case(workspace, tmp_path)
    import_schemas(workspace, [FIXTURES / "hundesteuer-anmeldung.schema.json"])
    view = _case_view(qtbot, workspace, settings, case)
    texts = _texts(view)
    assert "Weiß-Öztürk, Jürgen" in texts
    assert "Hund 2" in texts and "Rasse:" in " ".join(texts) and "Mischling / andere Rasse" in texts
    assert "17.03.2024" in texts
    assert not view.form_note.isVisible()
    assert not view.original_button.isVisible()  # nothing corrected yet


def test_correcting_the_address_from_the_case_view(
    qtbot, workspace: Workspace, settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = _fim_case(workspace, tmp_path)
    view = _case_view(qtbot, workspace, settings, case)
    qtbot.mouseClick(view.correct_button, Qt.MouseButton.LeftButton)
    dialog = view.findChild(CorrectionDialog)
    assert dialog is not None and dialog.isVisible()

    dialog.applicant_edits["applicant_street"].setText("Ringstraße 4")
    dialog.save()  # no reason yet: refused inside the dialog, nothing typed is lost
    qtbot.waitUntil(lambda: dialog.problems.isVisible(), timeout=5000)
    assert "Grund für die Berichtigung" in dialog.problems.text()
    assert dialog.isVisible() and dialog.applicant_edits["applicant_street"].text() == "Ringstraße 4"
    assert read_case(workspace, case).applicant_street == "Mainzer Straße 12a"

    dialog.reason.setPlainText("Anruf des Antragstellers am 06.12.2026")
    before = view.detail
    dialog.save()
    qtbot.waitUntil(lambda: view.detail is not before, timeout=5000)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: "Ringstraße 4" in _texts(view), timeout=5000)
    assert view.original_button.isVisible()

    qtbot.mouseClick(view.original_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.findChild(OriginalDataDialog) is not None, timeout=5000)
    original = view.findChild(OriginalDataDialog)
    assert "Mainzer Straße 12a" in [label.text() for label in original.findChildren(QLabel)]


def test_a_letter_refused_for_the_address_leads_to_the_correction(
    qtbot, workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from kommune_desk.ui.case_view import CaseView
    from kommune_desk.ui.notice_dialogs import NoticeDetailsDialog

    source = write_submission(
        tmp_path / "ohne-anschrift",
        applicant={"vorname": "Erika", "nachname": "Mustermann", "plz": "64569", "ort": "Nauheim"},
    )
    case = import_submission(workspace, source).application_id
    assert case
    view = CaseView(workspace)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    view.open(case)
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.id == case, timeout=5000)
    panel = view.show_notices()
    qtbot.waitUntil(lambda: bool(panel.kinds), timeout=5000)
    dialog = panel.new_letter()
    assert isinstance(dialog, NoticeDetailsDialog)
    dialog.check_and_accept()
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)
    assert "Straße und Hausnummer" in dialog.problems.text()
    assert dialog.correct_button.isVisible()
    qtbot.wait(50)  # the dialog grew for the message: no line of it is cut
    assert dialog.problems.height() >= dialog.problems.heightForWidth(dialog.problems.width())

    qtbot.mouseClick(dialog.correct_button, Qt.MouseButton.LeftButton)
    correction = view.findChild(CorrectionDialog)
    assert correction is not None and correction.isVisible()
    assert correction.applicant_edits["applicant_street"].text() == ""
