"""Datei → "Bescheide drucken …" with real notices: one print job, then recorded as sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdf
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.notices import NoticeStatus
from kommune_desk.services.notices import (
    NoticeDetails,
    issue_notice,
    list_notices,
    notice_pdf,
    ready_to_send,
    release_notice,
)
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.batch_print_dialog import BatchPrintDialog

from .conftest import answering
from .test_notices_panel import decided_case

REASONS = NoticeDetails(reasons="Für die Tätigkeit fehlt die Erlaubnis nach § 34c GewO.")


def released_rejections(ws: Workspace, count: int) -> dict[str, str]:
    """notice id → case id of ``count`` released rejection notices."""
    released = {}
    for _ in range(count):
        case = decided_case(ws)
        released[release_notice(ws, issue_notice(ws, case, LetterKind.ABLEHNUNG, REASONS).id).id] = case
    return released


def pages(data: bytes) -> int:
    import io

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def print_to(path: Path, answer: QMessageBox.StandardButton, questions: list[str]):  # type: ignore[no-untyped-def]
    """Answer the print dialog with "print to ``path``" and the check question with ``answer``."""

    def handle(widget: QWidget) -> bool:
        if isinstance(widget, QPrintDialog):
            name = widget.findChild(QLineEdit, "filename")
            assert name is not None, "the print dialog offers no file output"
            name.setText(str(path))
            QTimer.singleShot(0, widget.accept)
            return True
        if isinstance(widget, QMessageBox):
            questions.append(widget.text())
            QTimer.singleShot(0, widget.button(answer).click)
            return True
        return False

    return handle


def open_dialog(qtbot, ws: Workspace) -> BatchPrintDialog:  # type: ignore[no-untyped-def]
    dialog = BatchPrintDialog(ws)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        dialog.show()
    return dialog


def test_prints_the_chosen_in_one_job_and_records_them_as_sent(
    qtbot, workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    released = released_rejections(workspace, 3)
    ids = list(released)
    dialog = open_dialog(qtbot, workspace)
    assert dialog.table.rowCount() == 3
    assert dialog.summary.text() == "3 von 3 Schreiben ausgewählt"
    skipped = next(row for row, n in enumerate(dialog.notices) if n.id == ids[1])
    dialog.table.item(skipped, 0).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.summary.text() == "2 von 3 Schreiben ausgewählt"

    out = tmp_path / "stapel.pdf"
    questions: list[str] = []
    with (
        answering(print_to(out, QMessageBox.StandardButton.Yes, questions)) as seen,
        qtbot.waitSignal(dialog.sent, timeout=30000) as sent,
    ):
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert sent.args == [2]
    assert seen[0] == "2 Schreiben drucken"  # one print dialog for all
    assert questions[0].startswith("Wurden alle Schreiben richtig gedruckt?")
    printed = [i for i in ids if i != ids[1]]
    assert len(pypdf.PdfReader(out).pages) == sum(pages(notice_pdf(workspace, i)) for i in printed)

    all_notices = {n.id: n for case in released.values() for n in list_notices(workspace, case)}
    for notice_id in printed:
        assert all_notices[notice_id].status is NoticeStatus.VERSANDT
        assert all_notices[notice_id].posted_on == dt.date.today()
    assert [n.id for n in ready_to_send(workspace)] == [ids[1]]
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)


def test_a_bad_printout_keeps_the_letters_waiting(qtbot, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = list(released_rejections(workspace, 1))
    dialog = open_dialog(qtbot, workspace)
    out = tmp_path / "schief.pdf"
    questions: list[str] = []
    with answering(print_to(out, QMessageBox.StandardButton.No, questions)):
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(questions), timeout=30000)
    assert out.exists()
    qtbot.waitUntil(dialog.print_button.isEnabled, timeout=5000)
    assert [n.id for n in ready_to_send(workspace)] == ids


def test_nothing_to_print(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, workspace)
    assert dialog.summary.text() == "Keine freigegebenen Schreiben warten auf den Versand."
    assert not dialog.print_button.isEnabled()
