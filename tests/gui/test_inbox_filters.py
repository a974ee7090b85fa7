"""The Posteingang's filter bar and saved views with real widgets: filter, save, select, delete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.inbox_views import InboxView, SavedView
from kommune_desk.domain.records import Channel
from kommune_desk.services.applications import register_application
from kommune_desk.services.saved_views import list_views
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.reference import list_services
from kommune_desk.ui.inbox_page import InboxPage
from kommune_desk.ui.main_window import MainWindow

from .conftest import answered_dialogs


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)


def _register(ws: Workspace, name: str, service_name: str, received: dt.date) -> str:
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == service_name)
    conn.close()
    at = dt.datetime(received.year, received.month, received.day, 9, 0, tzinfo=dt.UTC)
    return register_application(ws, NewApplication(service.id, name, Channel.PAPIER, at))


@pytest.fixture
def page(qtbot, workspace: Workspace, settings: QSettings) -> InboxPage:  # type: ignore[no-untyped-def]
    _register(workspace, "Roß, Ingrid", "Baumfällgenehmigung", dt.date(2026, 11, 2))
    _register(workspace, "Nowak, Łukasz", "Gewerbeanmeldung", dt.date(2026, 11, 10))
    _register(workspace, "Brandt, Olaf", "Gewerbeanmeldung", dt.date(2026, 11, 20))
    win = MainWindow(workspace, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() == 3, timeout=5000)
    assert win.inbox_page is not None
    return win.inbox_page


def _names(page: InboxPage) -> set[str]:
    model = page.model
    return {model.data(model.index(row, 3)) for row in range(model.rowCount())}


def _view_row(page: InboxPage, text: str) -> int:
    texts = [page.views.item(row).text() for row in range(page.views.count())]
    return texts.index(text)


def test_filter_bar_narrows_by_service_period_and_assignee(qtbot, page: InboxPage) -> None:  # type: ignore[no-untyped-def]
    page.filter_button.click()
    bar = page.filter_bar
    assert bar is not None and bar.isVisible()
    assert bar.service.findText("Gewerbeanmeldung") > 0  # the choice lists were read on first use

    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.service.setCurrentIndex(bar.service.findText("Gewerbeanmeldung"))
    assert _names(page) == {"Nowak, Łukasz", "Brandt, Olaf"}

    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.received_from.setDate(QDate(2026, 11, 15))
    assert _names(page) == {"Brandt, Olaf"}

    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.assignee.setCurrentIndex(bar.assignee.findText("Zoë Ağaoğlu"))  # nobody has claimed one yet
    assert page.model.rowCount() == 0
    assert "Keine Treffer" in page.summary.text()

    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.reset()
    assert page.model.rowCount() == 3
    assert not bar.is_active()


def test_saved_view_is_saved_selected_and_deleted(qtbot, page: InboxPage, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    page.filter_button.click()
    bar = page.filter_bar
    assert bar is not None
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.service.setCurrentIndex(bar.service.findText("Gewerbeanmeldung"))

    with answered_dialogs("  Gewerbe   November ") as seen:
        page._save_view()
        qtbot.waitUntil(lambda: "Gewerbe November" in _view_texts(page), timeout=5000)
    assert seen == [("Ansicht speichern", "Name der Ansicht:")]
    assert [view.name for view in list_views(workspace)] == ["Gewerbe November"]

    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.reset()
    assert page.model.rowCount() == 3

    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.views.setCurrentRow(_view_row(page, "Gewerbe November"))
    assert page.heading.text() == "Gewerbe November"
    assert _names(page) == {"Nowak, Łukasz", "Brandt, Olaf"}
    assert bar.service.currentText() == "Gewerbeanmeldung"  # the bar shows the saved filters
    assert page.filter_button.isChecked()

    _delete_by_context_menu(qtbot, page, "Gewerbe November")
    qtbot.waitUntil(lambda: "Gewerbe November" not in _view_texts(page), timeout=5000)
    assert list_views(workspace) == []


def test_saved_views_appear_after_a_restart(qtbot, workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    from kommune_desk.domain.inbox_views import InboxFilter
    from kommune_desk.services.saved_views import save_view

    _register(workspace, "Roß, Ingrid", "Baumfällgenehmigung", dt.date(2026, 11, 2))
    saved = save_view(workspace, "Meine offenen", InboxFilter(view=InboxView.MEINE))
    win = MainWindow(workspace, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    page = win.inbox_page
    assert page is not None
    qtbot.waitUntil(lambda: "Meine offenen" in _view_texts(page), timeout=5000)
    data = page.views.item(_view_row(page, "Meine offenen")).data(Qt.ItemDataRole.UserRole)
    assert isinstance(data, SavedView) and data.id == saved.id


def test_an_empty_name_saves_nothing(qtbot, page: InboxPage, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    with answered_dialogs("   "):
        page._save_view()
        qtbot.wait(100)
    assert list_views(workspace) == []
    assert "Gespeicherte Ansichten" not in _view_texts(page)


def _view_texts(page: InboxPage) -> list[str]:
    return [page.views.item(row).text() for row in range(page.views.count())]


def _delete_by_context_menu(qtbot, page: InboxPage, name: str) -> None:  # type: ignore[no-untyped-def]
    """Right-click the saved view and pick its "löschen" entry, as a clerk would."""
    picked: list[str] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            action = menu.actions()[0]
            picked.append(action.text())
            menu.setActiveAction(action)
            qtbot.keyClick(menu, Qt.Key.Key_Return)
        else:
            QTimer.singleShot(20, pick)

    QTimer.singleShot(20, pick)
    rect = page.views.visualItemRect(page.views.item(_view_row(page, name)))
    page.views.customContextMenuRequested.emit(QPoint(rect.center()))
    assert picked == [f"Ansicht »{name}« löschen"]


def test_the_filtered_list_is_exported_from_the_page(qtbot, page: InboxPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv

    import openpyxl

    page.filter_button.click()
    bar = page.filter_bar
    assert bar is not None
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        bar.service.setCurrentIndex(bar.service.findText("Gewerbeanmeldung"))
    export = page.current_export()
    assert export.name == "Alle Anträge" and export.query.service_id is not None
    assert export.file_name("csv", dt.date(2026, 12, 6)) == "Posteingang-Alle-Anträge-2026-12-06.csv"
    # The export menu offers both formats.
    assert [a.text() for a in page.export_button.menu().actions()] == [
        "CSV-Datei (Excel, Semikolon) …",
        "Excel-Datei (XLSX) …",
    ]

    target = tmp_path / "gewerbe.csv"
    page.export("csv", target)
    assert not page.export_button.isEnabled()  # one export at a time; the worker writes the file
    qtbot.waitUntil(lambda: "gespeichert" in page.export_note.text(), timeout=10_000)
    assert page.export_note.text() == f"CSV-Datei gespeichert (2 Anträge): {target}"
    assert page.export_button.isEnabled()
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert {row[3] for row in rows[1:]} == {"Nowak, Łukasz", "Brandt, Olaf"}

    workbook = tmp_path / "gewerbe.xlsx"
    page.export("xlsx", workbook)
    qtbot.waitUntil(lambda: page.export_note.text().startswith("Excel-Datei gespeichert"), timeout=10_000)
    assert openpyxl.load_workbook(workbook)["Posteingang"].max_row == 3


def test_a_failed_export_is_explained_in_german(qtbot, page: InboxPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with answered_dialogs() as seen:
        page.export("csv", tmp_path / "fehlt" / "liste.csv")  # the folder does not exist
        qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen[0][0] == "Export nicht möglich" and "nicht gespeichert" in seen[0][1]
    assert page.export_note.text() == "Die Liste wurde nicht gespeichert."
    assert page.export_button.isEnabled()


def test_the_druckliste_opens_in_the_preview(qtbot, page: InboxPage) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.model.loaded, timeout=5000):
        page.select_view(InboxView.NEU)
    dialog = page.print_list()
    assert dialog.windowTitle() == "Druckliste Posteingang – Neu"
    qtbot.waitUntil(dialog.print_button.isEnabled, timeout=20_000)
    assert dialog.preview.page_count() == 1 and dialog.save_button.isEnabled()
    assert dialog.data is not None and dialog.data.startswith(b"%PDF")
    dialog.close()
