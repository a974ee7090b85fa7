"""The "Schreiben und Bescheide" tab with real widgets, a real database and real PDFs:
compose → preview → save as draft → release → print → mark as sent → correct."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.formatting import format_date
from kommune_desk.domain.notices import NoticeStatus
from kommune_desk.domain.records import ApplicationStatus, Channel, Role
from kommune_desk.domain.workflow import Decision, Step
from kommune_desk.services.applications import register_application
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.notices import list_notices
from kommune_desk.services.workflow import take_step
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.reference import list_services
from kommune_desk.ui.case_view import CaseView
from kommune_desk.ui.notice_dialogs import NoticeDetailsDialog, PostingDateDialog
from kommune_desk.ui.notices_panel import NoticesPanel
from kommune_desk.ui.pdf_printing import a4_printer, print_pdf_to

from .conftest import answering

RECEIVED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def decided_case(ws: Workspace, decision: Decision = Decision.ABGELEHNT) -> str:
    """A Bewohnerparkausweis whose decision a Teamleitung has approved: ready for its notice."""
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Bewohnerparkausweis")
    conn.close()
    case = register_application(
        ws,
        NewApplication(
            service.id, "Roß, Ingrid", Channel.PAPIER, RECEIVED,
            applicant_street="Hauptstraße 1", applicant_postal_code="64569", applicant_city="Nauheim",
        ),
    )  # fmt: skip
    lead = load_workspace(ws.db, "t.leitung")
    if lead is None or lead.clerk is None:
        add_clerk(ws, "t.leitung", "Tina Leitner", Role.TEAMLEITUNG)
        lead = load_workspace(ws.db, "t.leitung")
    assert lead is not None
    take_step(ws, case, Step.BEARBEITEN)
    take_step(ws, case, Step.ENTSCHEIDUNG_ENTWERFEN, decision)
    take_step(lead, case, Step.FREIGEBEN)
    return case


def say_yes(widget: QWidget) -> bool:
    if isinstance(widget, QMessageBox):
        QTimer.singleShot(0, widget.button(QMessageBox.StandardButton.Yes).click)
        return True
    return False


@pytest.fixture
def case_view(qtbot, workspace: Workspace) -> CaseView:  # type: ignore[no-untyped-def]
    view = CaseView(workspace)
    qtbot.addWidget(view)
    view.resize(1400, 850)
    view.show()
    return view


def open_panel(qtbot, view: CaseView, case: str) -> NoticesPanel:  # type: ignore[no-untyped-def]
    view.open(case)
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.id == case, timeout=5000)
    assert view.notices_panel is None  # built only when its tab is shown
    panel = view.show_notices()
    qtbot.waitUntil(lambda: bool(panel.kinds), timeout=5000)
    return panel


def click(qtbot, panel: NoticesPanel, text: str) -> None:  # type: ignore[no-untyped-def]
    button = panel.button(text)
    assert button.isEnabled(), f"{text!r} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_for_status(qtbot, panel: NoticesPanel, status: NoticeStatus) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: bool(panel.notices) and panel.notices[-1].status is status, timeout=8000)
    qtbot.waitUntil(lambda: panel.table.item(0, 2).text() == status.label, timeout=5000)


def test_a_notice_from_composing_to_sent(
    qtbot, workspace: Workspace, case_view: CaseView, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(workspace)
    panel = open_panel(qtbot, case_view, case)
    assert panel.preview_widget.message_text() == "Zu diesem Antrag gibt es noch kein Schreiben."
    assert not panel.button("Freigeben").isEnabled()

    # Compose: a rejection without reasons is refused inside the dialog, in German.
    dialog = panel.new_letter()
    assert isinstance(dialog, NoticeDetailsDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("ablehnung"))
    assert dialog.reasons.isVisibleTo(dialog) and not dialog.missing.isVisibleTo(dialog)
    dialog.check_and_accept()
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)
    assert dialog.problems.text().startswith("Bitte prüfen Sie:")
    assert "Begründung" in dialog.problems.text()
    dialog.reasons.setPlainText("Für die Tätigkeit fehlt die Erlaubnis nach § 34c GewO.")
    with qtbot.waitSignal(panel.preview_ready, timeout=15000):
        qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert panel.table.item(0, 2).text() == "Noch nicht gespeichert"
    pages = panel.preview_widget.page_count()
    assert pages >= 1
    assert panel.preview_widget.page_label.text() == f"Seite 1 von {pages}"
    assert not panel.button("Drucken …").isEnabled()  # nothing leaves the house unsaved

    click(qtbot, panel, "Als Entwurf speichern")
    wait_for_status(qtbot, panel, NoticeStatus.ENTWURF)
    assert panel.pending is None and panel.table.rowCount() == 1
    assert not panel.button("Drucken …").isEnabled()  # nor as a draft

    with answering(say_yes) as asked:
        click(qtbot, panel, "Freigeben")
        wait_for_status(qtbot, panel, NoticeStatus.FREIGEGEBEN)
    assert asked == ["Freigeben"]
    qtbot.waitUntil(lambda: panel.current_pdf() is not None, timeout=5000)

    # Print: the print_pdf_to seam, and the real "Drucken …" path through the print dialog.
    seam = tmp_path / "seam.pdf"
    printer = a4_printer("Bescheid")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(seam))
    assert print_pdf_to(printer, panel.current_pdf()) == pages
    printed = tmp_path / "gedruckt.pdf"

    def print_to_file(widget: QWidget) -> bool:
        name = widget.findChild(QLineEdit, "filename") if isinstance(widget, QPrintDialog) else None
        if name is None:
            return False
        name.setText(str(printed))
        QTimer.singleShot(0, widget.accept)
        return True

    with answering(print_to_file) as asked:
        click(qtbot, panel, "Drucken …")
        qtbot.waitUntil(printed.exists, timeout=15000)
    assert len(pypdf.PdfReader(printed).pages) == pages == len(pypdf.PdfReader(seam).pages)

    def posted_today(widget: QWidget) -> bool:
        if isinstance(widget, PostingDateDialog):
            QTimer.singleShot(0, widget.accept)
            return True
        return False

    with answering(posted_today):
        click(qtbot, panel, "Als versandt markieren")
        wait_for_status(qtbot, panel, NoticeStatus.VERSANDT)
    sent = list_notices(workspace, case)[-1]
    assert sent.posted_on == dt.date.today()
    assert sent.bekanntgabe_on is not None and sent.remedy_deadline is not None
    cells = [panel.table.item(0, column).text() for column in range(panel.table.columnCount())]
    assert cells == [
        "Ablehnungsbescheid", "1", "Versandt", format_date(dt.date.today()),
        format_date(sent.bekanntgabe_on), format_date(sent.remedy_deadline),
    ]  # fmt: skip
    assert f"Rechtsbehelfsfrist bis {format_date(sent.remedy_deadline)}" in panel.info.text()
    # Sending the decision notice moved the case on; the case view re-read it.
    qtbot.waitUntil(lambda: case_view.detail.status is ApplicationStatus.BESCHEID_VERSANDT, timeout=5000)


def test_a_correction_is_a_new_version_and_the_old_one_is_cancelled(
    qtbot, workspace: Workspace, case_view: CaseView
) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(workspace)
    panel = open_panel(qtbot, case_view, case)
    dialog = panel.new_letter()
    assert dialog is not None
    dialog.kind.setCurrentIndex(dialog.kind.findData("ablehnung"))
    dialog.reasons.setPlainText("Die Erlaubnis fehlt.")
    with qtbot.waitSignal(panel.preview_ready, timeout=15000):
        dialog.check_and_accept()
    click(qtbot, panel, "Als Entwurf speichern")
    wait_for_status(qtbot, panel, NoticeStatus.ENTWURF)

    correction = panel.correct()
    assert correction is not None and not correction.kind.isEnabled()
    assert correction.reasons.toPlainText() == "Die Erlaubnis fehlt."  # starts from what was written
    correction.reasons.setPlainText("Die Erlaubnis nach § 34c GewO fehlt.")
    correction.check_and_accept()
    qtbot.waitUntil(lambda: len(panel.notices) == 2 and panel.table.rowCount() == 2, timeout=10000)
    rows = [[panel.table.item(r, c).text() for c in (1, 2)] for r in range(2)]
    assert rows == [["2", "Entwurf"], ["1", "Storniert"]]
    assert panel.selected_notice() is not None and panel.selected_notice().version == 2
    assert "Berichtigt Version 1" in panel.info.text()
    panel.table.selectRow(1)
    assert "Storniert: Berichtigt durch Version 2" in panel.info.text()
    assert not panel.button("Korrigieren …").isEnabled()


def test_a_refused_step_is_explained_in_german(qtbot, workspace: Workspace, case_view: CaseView) -> None:  # type: ignore[no-untyped-def]
    case = decided_case(workspace)
    panel = open_panel(qtbot, case_view, case)
    dialog = panel.new_letter()
    assert dialog is not None
    dialog.kind.setCurrentIndex(dialog.kind.findData("ablehnung"))
    dialog.reasons.setPlainText("Die Erlaubnis fehlt.")
    with qtbot.waitSignal(panel.preview_ready, timeout=15000):
        dialog.check_and_accept()
    click(qtbot, panel, "Als Entwurf speichern")
    wait_for_status(qtbot, panel, NoticeStatus.ENTWURF)

    messages: list[str] = []

    def cancel_without_reason(widget: QWidget) -> bool:
        from PySide6.QtWidgets import QInputDialog

        if isinstance(widget, QInputDialog):
            QTimer.singleShot(0, widget.accept)  # no reason given
            return True
        if isinstance(widget, QMessageBox):
            messages.append(widget.text())
            QTimer.singleShot(0, lambda: widget.done(0))
            return True
        return False

    with answering(cancel_without_reason):
        click(qtbot, panel, "Stornieren …")
        qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Bitte geben Sie an, warum das Schreiben storniert wird."]
    assert list_notices(workspace, case)[-1].status is NoticeStatus.ENTWURF


def test_an_approved_case_leads_to_the_letters_tab_instead_of_a_bare_sent_step(
    qtbot, workspace: Workspace, case_view: CaseView
) -> None:  # type: ignore[no-untyped-def]
    """Marking a case sent without an archived notice would leave no letter on file."""
    case = decided_case(workspace)
    case_view.open(case)
    qtbot.waitUntil(lambda: case_view.detail is not None and case_view.detail.id == case, timeout=5000)
    assert case_view.button("Bescheid als versandt vermerken") is None
    write = case_view.button("Bescheid erstellen und versenden …")
    assert write is not None
    qtbot.mouseClick(write, Qt.MouseButton.LeftButton)
    assert case_view.tabs.currentIndex() == 1 and case_view.notices_panel is not None


def say_no(widget: QWidget) -> bool:
    if isinstance(widget, QMessageBox):
        QTimer.singleShot(0, widget.button(QMessageBox.StandardButton.No).click)
        return True
    return False


def test_quitting_with_an_unsaved_letter_asks_first(qtbot, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from kommune_desk.ui.main_window import MainWindow

    case = decided_case(workspace)
    win = MainWindow(workspace, QSettings(str(tmp_path / "e.ini"), QSettings.Format.IniFormat), "x.log")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() > 0, timeout=5000)
    page = win.inbox_page
    assert page is not None
    page.open_case(case)
    qtbot.waitUntil(lambda: page.case_view is not None and page.case_view.detail is not None, timeout=5000)
    assert page.case_view is not None
    panel = page.case_view.show_notices()
    qtbot.waitUntil(lambda: bool(panel.kinds), timeout=5000)
    assert not win.unsaved_letter()
    dialog = panel.new_letter()
    assert isinstance(dialog, NoticeDetailsDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("ablehnung"))
    dialog.reasons.setPlainText("Für die Tätigkeit fehlt die Erlaubnis nach § 34c GewO.")
    with qtbot.waitSignal(panel.preview_ready, timeout=15000):
        qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert win.unsaved_letter()

    with answering(say_no) as asked:
        assert not win.close()  # "Nein": back to the letter
    assert asked == ["Schreiben nicht gespeichert"] and win.isVisible()
    with answering(say_yes):
        assert win.close()
    assert not win.isVisible()
