"""The Geräteverleih section on a real database: the register, scanning, a loan from reservation
through handover to return, refusals in the dialogs, the main window and start-up."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel
from shiboken6 import isValid

from kommune_desk.domain.formatting import format_date
from kommune_desk.domain.pool import CheckedItem
from kommune_desk.services.borrowers import Borrower, block_borrower, create_borrower
from kommune_desk.services.pool import book_device, register_device, set_device_status
from kommune_desk.services.pool_loans import Handover, handover_device
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.geraeteverleih.device_dialog import DeviceDetailDialog
from kommune_desk.ui.geraeteverleih.devices_page import COLUMNS, DevicesPage
from kommune_desk.ui.geraeteverleih.dialogs import (
    BookingDialog,
    HandoverDialog,
    NewDeviceDialog,
    ReturnDialog,
)
from kommune_desk.ui.geraeteverleih.section import GeraeteverleihSection
from kommune_desk.ui.main_window import MainWindow

TODAY = dt.date.today()  # the page and the dialogs work with the real date
HAS_DOCUMENTS = importlib.util.find_spec("kommune_desk.services.pool_documents") is not None


@pytest.fixture
def section(qtbot, workspace: Workspace) -> GeraeteverleihSection:  # type: ignore[no-untyped-def]
    widget = GeraeteverleihSection(workspace)
    qtbot.addWidget(widget)
    widget.resize(1180, 640)
    widget.show()
    qtbot.waitUntil(lambda: "geladen" not in widget.devices.summary.text(), timeout=5000)
    return widget


@pytest.fixture
def page(qtbot, workspace: Workspace) -> DevicesPage:  # type: ignore[no-untyped-def]
    register_device(workspace, "NAU-WBK-001", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN1")
    register_device(workspace, "NAU-STM-001", "Strommessgerät Energy Logger 4000", "Strommessgerät")
    widget = DevicesPage(workspace)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2, timeout=5000)
    return widget


def _row(page: DevicesPage, device_id: str) -> list[str]:
    row = page.model.row_of(device_id)
    assert row is not None
    return [page.model.data(page.model.index(row, c)) for c in range(len(COLUMNS))]


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _one(workspace: Workspace, sql: str, *args: object) -> tuple:
    conn = workspace.db.reader()
    try:
        return conn.execute(sql, args).fetchone()
    finally:
        conn.close()


# -- the flow at the counter --------------------------------------------------------------------------
def test_register_scan_reserve_hand_over_and_take_back(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    page = section.devices
    # A new camera with its accessories.
    new = page.add_device()
    assert isinstance(new, NewDeviceDialog)
    new.inventory_number.setText("NAU-WBK-007")
    new.name.setText("Wärmebildkamera FLIR E8 Pro")
    new.category.setCurrentText("Wärmebildkamera")
    new.accessories.setText("Ladegerät, Tasche")
    new.confirm.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    device = page.model.device_at(0)
    assert device is not None and device.inventory_number == "NAU-WBK-007"
    page.table.clearSelection()

    # Scanned (the scanner types and ends with Enter): the device is selected and opens.
    section.focus_scan()
    qtbot.keyClicks(page.scan, "NAU-WBK-007")
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(page.last_dialog, DeviceDetailDialog), timeout=5000)
    detail = page.last_dialog
    assert isinstance(detail, DeviceDetailDialog)
    assert page.selected_device() is not None and page.selected_device().id == device.id  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: detail.detail is not None, timeout=5000)
    assert "NAU-WBK-007" in detail.heading.text()

    # Reserve from the device card for Anna Beispiel, today to today + 6.
    detail.action_buttons["book"].click()
    booking = page.last_dialog
    assert isinstance(booking, BookingDialog)
    qtbot.waitUntil(lambda: "geladen" not in booking.taken.text(), timeout=5000)
    booking.start.setDate(_qdate(TODAY))
    booking.end.setDate(_qdate(TODAY + dt.timedelta(days=6)))
    qtbot.keyClicks(booking.borrower, "Anna Beispiel")
    booking.contact.setText("06152 4711")
    booking.confirm.click()
    qtbot.waitUntil(lambda: not isValid(booking), timeout=5000)
    qtbot.waitUntil(lambda: _row(page, device.id)[5] == "reserviert", timeout=5000)
    assert "wurde reserviert" in page.summary.text()

    # Hand over: checklist, ID seen, briefing, 50,00 € in cash.
    page.hand_over_selected()
    qtbot.waitUntil(lambda: isinstance(page.last_dialog, HandoverDialog), timeout=5000)
    handover = page.last_dialog
    assert isinstance(handover, HandoverDialog)
    qtbot.waitUntil(handover.confirm.isEnabled, timeout=5000)
    assert [box.text() for box in handover.checks][-2:] == ["Ladegerät", "Tasche"]
    handover.check_all()
    handover.id_seen.setChecked(True)
    handover.briefing.setChecked(True)
    handover.deposit.lineEdit().selectAll()
    qtbot.keyClicks(handover.deposit, "50,00")
    handover.deposit.interpretText()
    assert handover.deposit.value() == 50.0
    handover.method.setCurrentText("bar")
    handover.confirm.click()
    qtbot.waitUntil(lambda: hasattr(handover, "outcome"), timeout=5000)
    assert "Kaution 50,00 € erhalten (bar)" in handover.outcome.text()
    if HAS_DOCUMENTS:
        handover.document_button.click()
        preview = handover.document_dialog
        qtbot.waitUntil(lambda: preview.data is not None, timeout=15000)
        assert preview.preview.page_count() >= 1
        preview.close()
    handover.accept()
    assert _one(workspace, "SELECT status FROM loans")[0] == "ausgegeben"
    qtbot.waitUntil(lambda: _row(page, device.id)[5] == "verliehen", timeout=5000)

    # Take back without the Ladegerät; 20,00 € of the deposit are retained.
    page.take_back_selected()
    qtbot.waitUntil(lambda: isinstance(page.last_dialog, ReturnDialog), timeout=5000)
    back = page.last_dialog
    assert isinstance(back, ReturnDialog)
    qtbot.waitUntil(back.confirm.isEnabled, timeout=5000)
    if HAS_DOCUMENTS:  # the deposit taken at the handover is the default to pay back
        qtbot.waitUntil(lambda: "50,00 €" in back.full_deposit.text(), timeout=5000)
    back.check_all()
    back.check("Ladegerät", False)
    assert back.missing_hint.text() == "Nicht abgehakt: Ladegerät"
    back.retain(3000, "Ladegerät fehlt, Ersatz 20 €")
    back.confirm.click()
    qtbot.waitUntil(lambda: hasattr(back, "outcome"), timeout=5000)
    assert "Gerät in Wartung gesetzt" in back.outcome.text()
    assert "Kaution 20,00 € einbehalten" in back.outcome.text()
    if HAS_DOCUMENTS:
        back.document_button.click()
        protocol = back.document_dialog
        qtbot.waitUntil(lambda: protocol.data is not None, timeout=15000)
        protocol.close()
    back.accept()

    assert _one(workspace, "SELECT status FROM devices WHERE id = ?", device.id)[0] == "wartung"
    assert _one(workspace, "SELECT count(*) FROM device_maintenance WHERE device_id = ?", device.id)[0] == 1
    assert _one(workspace, "SELECT deposit_returned_cents, deposit_note FROM loan_borrowers") == (
        3000,
        "Ladegerät fehlt, Ersatz 20 €",
    )
    qtbot.waitUntil(lambda: _row(page, device.id)[5] == "in Wartung", timeout=5000)


def test_a_blocked_borrower_is_refused_in_the_dialog_and_nothing_is_written(
    qtbot, page: DevicesPage, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    person = create_borrower(workspace, Borrower("", "buerger", "Bernd Schäfer", phone="06152 99"))
    block_borrower(workspace, person, "Kamera im Mai beschädigt zurückgegeben")
    loans_before = _one(workspace, "SELECT count(*) FROM loans")[0]
    device = page.model.device_at(0)
    assert device is not None
    page.select_device(device.id)
    dialog = page.book_selected()
    assert isinstance(dialog, BookingDialog)
    qtbot.keyClicks(dialog.borrower, "Bernd")
    qtbot.waitUntil(lambda: dialog.matches.count() == 1, timeout=5000)
    assert "gesperrt" in dialog.matches.item(0).text()
    dialog.matches.itemClicked.emit(dialog.matches.item(0))
    assert dialog.chosen_borrower is not None and dialog.chosen_borrower.id == person
    assert "Kamera im Mai beschädigt zurückgegeben" in dialog.borrower_info.text()
    dialog.confirm.click()
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)
    assert dialog.problems.text().startswith("Diese Person ist für den Geräteverleih gesperrt")
    assert dialog.isVisible() and dialog.confirm.isEnabled()
    assert _one(workspace, "SELECT count(*) FROM loans")[0] == loans_before
    dialog.reject()


# -- the register -------------------------------------------------------------------------------------
def test_the_register_lists_the_devices_of_the_pool(page: DevicesPage) -> None:
    assert [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "Inventarnummer",
        "Gerät",
        "Art",
        "Eigentümer",
        "Standort",
        "Status",
        "Rückgabe / Nächste Reservierung",
        "Wartung fällig",
    ]
    strom = next(
        d for d in (page.model.device_at(i) for i in range(2)) if d and d.inventory_number == "NAU-STM-001"
    )
    assert _row(page, strom.id) == [
        "NAU-STM-001",
        "Strommessgerät Energy Logger 4000",
        "Strommessgerät",
        "Gemeinde Nauheim",
        "Gemeinde Nauheim",
        "verfügbar",
        "",
        "",
    ]
    assert page.summary.text() == "2 Geräte im gemeinsamen Pool"
    assert not page.book_button.isEnabled()  # nothing selected yet


def test_typing_filters_and_an_unknown_scan_is_explained(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    register_device(workspace, "NAU-WBK-001", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN1")
    register_device(workspace, "NAU-STM-001", "Strommessgerät Energy Logger 4000", "Strommessgerät")
    page = section.devices
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.table.setFocus()
    qtbot.keyClicks(page.table, "W")  # typing into the table goes to the scan field
    assert page.scan.text() == "W" and page.scan.hasFocus()
    page.scan.setText("STM")
    assert page.proxy.rowCount() == 1
    page.scan.setText("XYZ-999")
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(page.message.isVisible, timeout=5000)
    assert "Kein Gerät mit der Nummer »XYZ-999« gefunden" in page.message.text()


def test_a_scan_in_another_tab_opens_the_device_from_the_register(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    register_device(workspace, "NAU-WBK-007", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN7")
    section.devices.refresh()
    qtbot.waitUntil(lambda: section.devices.model.rowCount() == 1, timeout=5000)
    calendar = section.page("Kalender")
    section.setCurrentWidget(calendar)
    calendar.calendar.grid.setFocus()  # type: ignore[attr-defined]
    qtbot.waitUntil(calendar.calendar.grid.hasFocus, timeout=2000)  # type: ignore[attr-defined]
    # A scanner types into whatever has the focus: the first key moves it to the scan field.
    qtbot.keyClick(calendar.calendar.grid, "K")  # type: ignore[attr-defined]
    assert section.currentWidget() is section.devices and section.devices.scan.hasFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "D-GERAET:NAU-WBK-007")
    assert section.devices.scan.text() == "KD-GERAET:NAU-WBK-007"
    qtbot.keyClick(section.devices.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(section.devices.last_dialog, DeviceDetailDialog), timeout=5000)
    section.devices.last_dialog.close()


def test_a_scanned_qr_payload_opens_the_device(qtbot, page: DevicesPage) -> None:  # type: ignore[no-untyped-def]
    page.open_scanned("KD-GERAET:NAU-STM-001")
    qtbot.waitUntil(lambda: isinstance(page.last_dialog, DeviceDetailDialog), timeout=5000)
    assert page.selected_device().inventory_number == "NAU-STM-001"  # type: ignore[union-attr]
    page.last_dialog.close()


@pytest.mark.skipif(not HAS_DOCUMENTS, reason="services.pool_documents is not there yet")
def test_the_asset_tag_is_shown_for_printing(qtbot, page: DevicesPage) -> None:  # type: ignore[no-untyped-def]
    device = page.model.device_at(0)
    assert device is not None
    page.select_device(device.id)
    dialog = page.print_label()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.data is not None, timeout=15000)  # type: ignore[attr-defined]
    assert dialog.print_button.isEnabled()  # type: ignore[attr-defined]
    dialog.close()


def test_a_clash_is_explained_in_the_dialog_which_keeps_the_input(
    qtbot, page: DevicesPage, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    device = page.model.device_at(0)
    assert device is not None
    taken_start, taken_end = TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=15)
    book_device(workspace, device.id, taken_start, taken_end, "Ingrid Roß")
    page.select_device(device.id)
    dialog = page.book_selected()
    assert isinstance(dialog, BookingDialog)
    dialog.start.setDate(_qdate(TODAY + dt.timedelta(days=12)))
    dialog.end.setDate(_qdate(TODAY + dt.timedelta(days=16)))  # within the 7 days a loan may run
    dialog.borrower.setText("Zoë Ağaoğlu")
    dialog.confirm.click()
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)
    assert dialog.problems.text().startswith(
        f"Das Gerät ist vom {format_date(taken_start)} bis {format_date(taken_end)} bereits reserviert."
    )
    assert dialog.isVisible() and dialog.borrower.text() == "Zoë Ağaoğlu"
    dialog.reject()


def test_a_new_device_needs_its_inventory_number(qtbot, page: DevicesPage) -> None:  # type: ignore[no-untyped-def]
    dialog = page.add_device()
    dialog.confirm.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)  # type: ignore[attr-defined]
    assert "Inventarnummer" in dialog.problems.text()  # type: ignore[attr-defined]
    dialog.inventory_number.setText("NAU-CO2-001")  # type: ignore[attr-defined]
    dialog.name.setText("CO₂-Messgerät Aranet4")  # type: ignore[attr-defined]
    dialog.category.setCurrentText("Luftqualität")  # type: ignore[attr-defined]
    dialog.confirm.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    assert page.selected_device().inventory_number == "NAU-CO2-001"  # type: ignore[union-attr]


def test_maintenance_is_logged_from_the_device_card(qtbot, page: DevicesPage, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    device = page.model.device_at(0)
    assert device is not None
    card = page.open_device(device.id)
    assert isinstance(card, DeviceDetailDialog)
    qtbot.waitUntil(lambda: card.detail is not None, timeout=5000)
    sub = card.add_maintenance()
    sub.what.setText("Kalibrierung")  # type: ignore[attr-defined]
    sub.has_next.setChecked(True)  # type: ignore[attr-defined]
    sub.next_due.setDate(_qdate(TODAY - dt.timedelta(days=1)))  # type: ignore[attr-defined]
    sub.done_on.setDate(_qdate(TODAY - dt.timedelta(days=400)))  # type: ignore[attr-defined]
    sub.confirm.click()
    qtbot.waitUntil(lambda: card.maintenance.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: _row(page, device.id)[7].startswith("⚠"), timeout=5000)
    card.close()


def test_the_borrowers_tab_blocks_with_a_reason(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    create_borrower(workspace, Borrower("", "verein", "Obst- und Gartenbauverein Nauheim"))
    section.setCurrentWidget(section.borrowers)
    borrowers = section.borrowers
    qtbot.waitUntil(lambda: borrowers.table.rowCount() == 1, timeout=5000)
    borrowers.table.selectRow(0)
    assert borrowers.name.text() == "Obst- und Gartenbauverein Nauheim"
    borrowers._run(
        __import__("kommune_desk.services.borrowers", fromlist=["x"]).block_borrower,
        borrowers.current.id,  # type: ignore[union-attr]
        "Mahnung unbeantwortet",
        select=borrowers.current.id,  # type: ignore[union-attr]
    )
    qtbot.waitUntil(borrowers.blocked.isVisible, timeout=5000)
    assert borrowers.blocked.text() == "Gesperrt: Mahnung unbeantwortet"
    assert borrowers.block_button.text() == "Sperre aufheben"


def test_the_section_has_its_tabs(section: GeraeteverleihSection) -> None:
    assert [section.tabText(i) for i in range(section.count())] == [
        "Geräte",
        "Kalender",
        "Ausleihen",
        "Warteliste",
        "Überfällig",
        "Entleiher",
    ]
    for title in ("Kalender", "Ausleihen", "Warteliste", "Überfällig"):
        page = section.page(title)
        assert isinstance(page, QLabel) or hasattr(page, "refresh")


# -- the main window and start-up ---------------------------------------------------------------------
def test_the_main_window_builds_the_section_when_it_is_opened(
    qtbot, workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    register_device(workspace, "NAU-WBK-001", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera")
    settings = QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, "x.log")
    qtbot.addWidget(window)
    window.show()
    assert window.pool_section.page is None  # not built at start
    window.show_section(1)
    assert window.current_section() == "Geräteverleih"
    qtbot.waitUntil(lambda: window.pool_page().devices.model.rowCount() == 1, timeout=5000)
    assert window.pool_page().isVisible()


_START_AND_CHECK = """
import sys
from kommune_desk import app
code = app.main(["--data-dir", sys.argv[1], "--exit-when-ready"])
print("pool section imported:", "kommune_desk.ui.geraeteverleih.section" in sys.modules, flush=True)
sys.exit(code)
"""


def test_start_up_does_not_import_the_pool_section(demo_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _START_AND_CHECK, str(demo_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pool section imported: False" in done.stdout, done.stdout


def test_the_device_card_shows_that_devices_own_calendar(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    one = register_device(workspace, "NAU-WBK-001", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN1")
    register_device(workspace, "NAU-WBK-002", "Wärmebildkamera FLIR C5", "Wärmebildkamera", "SN2")
    book_device(workspace, one, TODAY, TODAY + dt.timedelta(days=2), "Anna Beispiel", today=TODAY)
    section.devices.refresh()
    qtbot.waitUntil(lambda: section.devices.model.rowCount() == 2, timeout=5000)
    card = section.devices.open_device(one)
    qtbot.waitUntil(lambda: card.action_buttons["calendar"].isEnabled(), timeout=5000)  # type: ignore[attr-defined]
    card.action_buttons["calendar"].click()  # type: ignore[attr-defined]
    calendar = section.page("Kalender")
    assert section.currentWidget() is calendar
    qtbot.waitUntil(lambda: [r.inventory_number for r in calendar.rows] == ["NAU-WBK-001"], timeout=5000)  # type: ignore[attr-defined]
    assert calendar.rows[0].bars and calendar.rows[0].bars[0].label == "Anna Beispiel"  # type: ignore[attr-defined]
    assert calendar.all_devices_button.isVisible()  # type: ignore[attr-defined]
    calendar.all_devices_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: len(calendar.rows) == 2, timeout=5000)  # type: ignore[attr-defined]


# -- what the fresh-eyes tester found ------------------------------------------------------------------
def test_a_new_name_after_a_blocked_suggestion_drops_that_person_and_their_contact(
    qtbot, page: DevicesPage, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    horst = create_borrower(
        workspace, Borrower("", "buerger", "Horst Schwarz", phone="06152 4242", email="horst@example.org")
    )
    block_borrower(workspace, horst, "Gerät nicht zurückgegeben")
    device = page.model.device_at(0)
    assert device is not None
    page.select_device(device.id)
    dialog = page.book_selected()
    assert isinstance(dialog, BookingDialog)
    dialog.resize(540, dialog.sizeHint().height())
    qtbot.waitUntil(lambda: "geladen" not in dialog.taken.text(), timeout=5000)
    area_height = dialog.borrower_area.height()
    contact_y = dialog.contact.mapTo(dialog, dialog.contact.rect().topLeft()).y()
    qtbot.keyClicks(dialog.borrower, "Horst Schw")
    qtbot.waitUntil(lambda: dialog.matches.count() == 1, timeout=5000)
    assert dialog.borrower_area.currentWidget() is dialog.matches
    # The suggestions take the place kept for them: the fields below stay where they were.
    assert dialog.borrower_area.height() == area_height
    assert dialog.contact.mapTo(dialog, dialog.contact.rect().topLeft()).y() == contact_y
    dialog.matches.itemClicked.emit(dialog.matches.item(0))
    assert dialog.chosen_borrower is not None and dialog.chosen_borrower.id == horst
    assert "06152 4242" in dialog.contact.text()  # his contact, for him
    dialog.confirm.click()
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)
    assert "gesperrt" in dialog.problems.text()
    assert "gesperrt" not in dialog.borrower_info.text()  # said once, not twice

    # The clerk writes another name over it: Horst, his contact and the refusal are gone.
    dialog.borrower.selectAll()
    qtbot.keyClicks(dialog.borrower, "Lena Langzeit")
    assert dialog.chosen_borrower is None
    assert dialog.contact.isEnabled() and dialog.contact.text() == ""
    assert not dialog.problems.isVisible()
    assert "gesperrt" not in dialog.borrower_info.text()
    qtbot.waitUntil(lambda: "Noch nicht bekannt" in dialog.borrower_info.text(), timeout=5000)
    dialog.contact.setText("0170 5555")
    dialog.confirm.click()
    qtbot.waitUntil(lambda: not isValid(dialog), timeout=5000)
    assert _one(workspace, "SELECT phone, email FROM borrowers WHERE name = 'Lena Langzeit'") in (
        ("0170 5555", ""),
        ("", "0170 5555"),
    )


def test_the_booking_proposes_the_devices_loan_days(qtbot, page: DevicesPage, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    short = register_device(workspace, "NAU-LKM-001", "Luftqualitätsmessgerät", "Luftmessgerät", loan_days=5)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.select_device(short)
    dialog = page.book_selected()
    assert isinstance(dialog, BookingDialog)
    qtbot.waitUntil(lambda: "geladen" not in dialog.loan_days_hint.text(), timeout=5000)
    assert dialog.loan_days_hint.text() == "Leihdauer laut Leihbedingungen: 5 Tage"
    assert dialog.period() == (TODAY, TODAY + dt.timedelta(days=4))
    dialog.start.setDate(_qdate(TODAY + dt.timedelta(days=3)))  # the proposal moves with the start
    assert dialog.period() == (TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=7))
    dialog.end.setDate(_qdate(TODAY + dt.timedelta(days=5)))  # the clerk's end stays
    dialog.start.setDate(_qdate(TODAY + dt.timedelta(days=4)))
    assert dialog.period()[1] == TODAY + dt.timedelta(days=5)
    dialog.reject()


def test_a_device_in_maintenance_cannot_be_reserved_or_handed_over(
    qtbot, page: DevicesPage, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    device = page.model.device_at(0)
    assert device is not None
    set_device_status(workspace, device.id, "wartung", "Display defekt")
    page.refresh()
    qtbot.waitUntil(lambda: _row(page, device.id)[5] == "in Wartung", timeout=5000)
    page.select_device(device.id)
    for button in (page.book_button, page.handover_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Das Gerät ist in Wartung."
    assert page.open_button.isEnabled()

    card = page.open_device(device.id)
    assert isinstance(card, DeviceDetailDialog)
    qtbot.waitUntil(lambda: card.detail is not None, timeout=5000)
    assert card.status_label.text() == "Status: in Wartung"
    for action in ("book", "handover", "return"):
        assert not card.action_buttons[action].isEnabled()
    assert card.action_buttons["book"].toolTip() == "Das Gerät ist in Wartung."
    assert card.action_buttons["calendar"].isEnabled()
    card.close()


def test_the_device_card_says_to_whom_it_is_lent_and_that_it_is_overdue(
    qtbot, page: DevicesPage, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    device = page.model.device_at(0)
    assert device is not None
    back = TODAY - dt.timedelta(days=10)
    loan = book_device(workspace, device.id, back, back + dt.timedelta(days=4), "Olaf Überzieher", today=back)
    handover_device(workspace, loan, Handover([CheckedItem("Gerät", True)], "gut", True, True), today=back)
    page.refresh()
    qtbot.waitUntil(lambda: _row(page, device.id)[5] == "verliehen", timeout=5000)
    page.select_device(device.id)
    assert page.return_button.isEnabled() and not page.handover_button.isEnabled()
    town = page.selected_device().lent.town  # type: ignore[union-attr]

    card = page.open_device(device.id)
    assert isinstance(card, DeviceDetailDialog)
    qtbot.waitUntil(lambda: card.detail is not None, timeout=5000)
    due = format_date(back + dt.timedelta(days=4))
    assert card.status_label.text() == f"Status: verliehen an {town} bis {due} – überfällig"
    assert card.action_buttons["return"].isEnabled()  # taking it back stays possible
    assert not card.action_buttons["handover"].isEnabled()
    terms = {
        card.register_form.itemAt(row, card.register_form.ItemRole.LabelRole).widget().text(): (
            card.register_form.itemAt(row, card.register_form.ItemRole.FieldRole).widget().text()
        )
        for row in range(card.register_form.rowCount())
    }
    assert terms["Leihdauer:"] == "7 Tage, höchstens einmal verlängerbar"
    assert terms["Kaution:"] == "keine Kaution"
    card.close()


def test_a_scan_into_the_borrower_search_opens_the_device(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    register_device(workspace, "KGG-WBK-03", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN3")
    section.devices.refresh()
    qtbot.waitUntil(lambda: section.devices.model.rowCount() == 1, timeout=5000)
    borrowers = section.borrowers
    section.setCurrentWidget(borrowers)
    borrowers.search.setFocus()
    qtbot.waitUntil(borrowers.search.hasFocus, timeout=2000)
    qtbot.keyClicks(borrowers.search, "KD-GERAET:KGG-WBK-03")
    qtbot.keyClick(borrowers.search, Qt.Key.Key_Return)
    assert borrowers.search.text() == ""
    assert section.currentWidget() is section.devices
    qtbot.waitUntil(lambda: isinstance(section.devices.last_dialog, DeviceDetailDialog), timeout=5000)
    assert section.devices.selected_device().inventory_number == "KGG-WBK-03"  # type: ignore[union-attr]
    section.devices.last_dialog.close()


def test_the_borrowers_are_listed_by_family_name(
    qtbot, section: GeraeteverleihSection, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    for name in ("Anna Zimmermann", "Zoe Becker", "Max Müller"):
        create_borrower(workspace, Borrower("", "buerger", name))
    borrowers = section.borrowers
    section.setCurrentWidget(borrowers)
    borrowers.refresh()
    qtbot.waitUntil(lambda: borrowers.table.rowCount() == 3, timeout=5000)
    names = [borrowers.table.item(row, 0).text() for row in range(3)]
    assert names == ["Zoe Becker", "Max Müller", "Anna Zimmermann"]
