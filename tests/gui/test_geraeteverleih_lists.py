"""The Geräteverleih's list pages and calendar page on a real database: the waiting-list offer
flow, the loans list with its filters, overdue loans and reminders, the calendar and the search."""

from __future__ import annotations

import datetime as dt
import importlib.util

import pytest
from PySide6.QtCore import QDate, QUrl, QUrlQuery
from shiboken6 import isValid

from kommune_desk.domain.formatting import format_date
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import CheckedItem, period_text
from kommune_desk.domain.pool_calendar import month_range, week_range
from kommune_desk.domain.records import Address, Municipality, MunicipalityKind
from kommune_desk.services.borrowers import Borrower, create_borrower
from kommune_desk.services.pool import book_device, cancel_loan, register_device
from kommune_desk.services.pool_loans import Handover, handover_device
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.capture import capture_suppressed
from kommune_desk.storage.reference import insert_municipality
from kommune_desk.ui.geraeteverleih.calendar_page import AvailabilityDialog, CalendarPage
from kommune_desk.ui.geraeteverleih.loans_page import LoansPage
from kommune_desk.ui.geraeteverleih.overdue_page import (
    OverduePage,
    ReminderLetterDialog,
    ReminderMailDialog,
    mailto_url,
)
from kommune_desk.ui.geraeteverleih.waitlist_page import WaitingDialog, WaitlistPage, added_text

from .conftest import answered_dialogs

TODAY = dt.date.today()  # the pages work with the real date
CAMERA = "Wärmebildkamera"
HAS_DOCUMENTS = importlib.util.find_spec("kommune_desk.services.pool_documents") is not None


def _day(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _camera(ws: Workspace, number: str) -> str:
    return register_device(ws, number, f"Wärmebildkamera FLIR E8 ({number})", CAMERA)


def _trebur(ws: Workspace) -> str:
    """The partner town Trebur, as the sync would bring it."""
    trebur = Municipality(
        uuid7(), "06433014", "Trebur", MunicipalityKind.GEMEINDE, Address("Herrngasse 3", "65468", "Trebur")
    )
    with ws.db.write() as conn, capture_suppressed(conn):
        insert_municipality(conn, trebur, "2026-11-20T08:00:00+00:00")
    return trebur.id


def _pulled_loan(
    ws: Workspace, town_id: str, device_id: str, start: dt.date, end: dt.date, status: str
) -> str:
    """A partner town's loan as the sync would apply it: a loans row, no borrower."""
    loan_id = uuid7()
    with ws.db.write() as conn, capture_suppressed(conn):
        conn.execute(
            "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date, end_date, status,"
            " created_at, updated_at) VALUES (?, 'kreis-gross-gerau', ?, ?, ?, ?, ?, 'x', 'x')",
            (loan_id, device_id, town_id, start.isoformat(), end.isoformat(), status),
        )
    return loan_id


def _scalar(ws: Workspace, sql: str, *args: object) -> object:
    conn = ws.db.reader()
    try:
        row = conn.execute(sql, args).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def _texts(page, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [page.model.text(row, c) for c in range(len(page.model.columns))]


def _select(page, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    for row in range(page.model.rowCount()):
        if text in page.model.text(row, column):
            page.table.selectRow(row)
            return
    raise AssertionError(f"no row with {text!r}")


# --- the waiting list: offer and take-up through the pages --------------------------------------------
def test_a_cancelled_booking_is_offered_to_the_waiting_borrower_who_takes_it(
    qtbot, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    first, second = _camera(workspace, "NAU-WBK-001"), _camera(workspace, "NAU-WBK-002")
    start, end = _day(3), _day(9)
    book_device(workspace, first, start, end, "Anna Erste")
    book_device(workspace, second, start, end, "Bernd Zweiter")

    waiting = WaitlistPage(workspace)
    qtbot.addWidget(waiting)
    waiting.resize(1280, 720)
    waiting.show()
    qtbot.waitUntil(lambda: "Niemand wartet" in waiting.summary.text(), timeout=5000)
    dialog = waiting.add_entry()
    assert isinstance(dialog, WaitingDialog)
    qtbot.waitUntil(lambda: dialog.category.count() == 1, timeout=5000)
    dialog.category.setCurrentText(CAMERA)
    dialog.start.setDate(_qdate(start))
    dialog.end.setDate(_qdate(end))
    dialog.borrower.setText("Erika Wartend")
    dialog.contact.setText("06152 4711")
    dialog.confirm.click()
    qtbot.waitUntil(lambda: not isValid(dialog), timeout=5000)
    qtbot.waitUntil(lambda: waiting.model.rowCount() == 1, timeout=5000)
    assert _texts(waiting, 0) == [
        "1",
        CAMERA,
        period_text(start, end),
        "Gemeinde Nauheim",
        "Erika Wartend",
        "wartet",
    ]
    assert not waiting.accept_button.isEnabled()

    loans = LoansPage(workspace)
    qtbot.addWidget(loans)
    loans.show()
    qtbot.waitUntil(lambda: loans.model.rowCount() == 2, timeout=5000)
    _select(loans, 0, "NAU-WBK-001")
    assert loans.cancel_button.isEnabled()
    with answered_dialogs() as seen:
        loans.cancel_button.click()
    assert seen and seen[0][0] == "Reservierung stornieren"
    qtbot.waitUntil(
        lambda: _scalar(workspace, "SELECT status FROM loans WHERE device_id = ?", first) == "storniert",
        timeout=5000,
    )
    qtbot.waitUntil(lambda: "storniert" in loans.summary.text(), timeout=5000)

    waiting.refresh()
    qtbot.waitUntil(lambda: waiting.model.text(0, 5).startswith("Gerät angeboten"), timeout=5000)
    assert waiting.model.text(0, 5).startswith("Gerät angeboten: NAU-WBK-001, abholen bis ")
    waiting.table.selectRow(0)
    assert waiting.accept_button.isEnabled() and waiting.decline_button.isEnabled()
    waiting.accept_button.click()
    qtbot.waitUntil(
        lambda: _scalar(workspace, "SELECT status FROM waitlist") == "erledigt",
        timeout=5000,
    )
    booked = _scalar(
        workspace,
        "SELECT l.status FROM loans l JOIN loan_borrowers lb ON lb.id = l.id"
        " WHERE lb.name = 'Erika Wartend' AND l.device_id = ?",
        first,
    )
    assert booked == "reserviert"
    qtbot.waitUntil(lambda: "reserviert" in waiting.summary.text(), timeout=5000)


# --- the loans list -----------------------------------------------------------------------------------
def test_the_loans_list_filters_by_status_and_town_and_hides_other_towns_names(
    qtbot, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    device = _camera(workspace, "NAU-WBK-001")
    trebur = _trebur(workspace)
    own = book_device(workspace, device, _day(2), _day(4), "Zoë Ağaoğlu")
    cancelled = book_device(workspace, device, _day(20), _day(22), "Carla Storno")
    _pulled_loan(workspace, trebur, device, _day(10), _day(12), "reserviert")
    cancel_loan(workspace, cancelled)

    page = LoansPage(workspace)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)  # open ones by default
    rows = {page.model.text(r, 2): _texts(page, r) for r in range(2)}
    assert rows["Gemeinde Nauheim"][3] == "Zoë Ağaoğlu"
    assert rows["Trebur"][3] == "—"
    assert rows["Gemeinde Nauheim"][4:8] == [
        format_date(_day(2)),
        format_date(_day(4)),
        "reserviert",  # not "vorläufig": this office has no sync set up
        "—",
    ]
    assert rows["Trebur"][6] == "reserviert"  # confirmed by the server

    _select(page, 2, "Trebur")
    assert not page.cancel_button.isEnabled()
    assert "andere Gemeinde" in page.cancel_button.toolTip()
    _select(page, 2, "Nauheim")
    assert page.cancel_button.isEnabled() and page.renew_button.isEnabled()
    assert page.selected_loan().loan_id == own  # type: ignore[union-attr]

    page.status_filter.setCurrentText("storniert")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert _texts(page, 0)[3] == "Carla Storno" and _texts(page, 0)[6].startswith("storniert")

    page.status_filter.setCurrentText("alle")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.town_filter.setCurrentText("Trebur")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert _texts(page, 0)[2:4] == ["Trebur", "—"]

    page.town_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.text_filter.setText("carla")
    assert page.model.rowCount() == 1 and "1 von 3" in page.summary.text()


def test_renewing_through_the_page_moves_the_end(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    device = _camera(workspace, "NAU-WBK-001")
    loan = book_device(workspace, device, _day(2), _day(4), "Zoë Ağaoğlu")
    page = LoansPage(workspace)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    dialog = page.renew_selected()
    assert dialog is not None
    dialog.end.setDate(_qdate(_day(6)))
    dialog.accept()
    qtbot.waitUntil(
        lambda: _scalar(workspace, "SELECT end_date FROM loans WHERE id = ?", loan) == _day(6).isoformat(),
        timeout=5000,
    )
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and page.model.text(0, 5) == format_date(_day(6)), timeout=5000
    )


# --- overdue loans and reminders ------------------------------------------------------------------------
def _overdue_setup(ws: Workspace) -> tuple[str, str]:
    own_device, other_device = _camera(ws, "NAU-WBK-001"), _camera(ws, "NAU-WBK-002")
    back = TODAY - dt.timedelta(days=10)
    olaf = create_borrower(
        ws,
        Borrower(
            "", "buerger", "Olaf Überzieher", "Am Weiher 3", "64569", "Nauheim", email="olaf@example.org"
        ),
    )
    loan = book_device(ws, own_device, back, back + dt.timedelta(days=5), today=back, borrower_id=olaf)
    handover_device(ws, loan, Handover([CheckedItem("Gerät", True)], "gut", True, True), today=back)
    trebur = _trebur(ws)
    other = _pulled_loan(ws, trebur, other_device, back, TODAY - dt.timedelta(days=2), "ausgegeben")
    return loan, other


def test_overdue_loans_are_listed_and_a_reminder_is_logged(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    loan, _other = _overdue_setup(workspace)
    page = OverduePage(workspace)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    with qtbot.waitSignal(page.count_changed, timeout=5000) as counted:
        page.show()
    assert counted.args == [2]
    assert _texts(page, 0)[1:] == [
        "Gemeinde Nauheim",
        "Olaf Überzieher",
        format_date(_day(-5)),
        "5 Tage",
        "—",
    ]
    assert _texts(page, 1)[1:5] == ["Trebur", "—", format_date(_day(-2)), "2 Tage"]

    _select(page, 1, "Trebur")
    assert not page.letter_button.isEnabled() and not page.mail_button.isEnabled()
    assert "Trebur" in page.letter_button.toolTip()
    _select(page, 1, "Nauheim")
    assert page.letter_button.isEnabled() and page.mail_button.isEnabled()

    letter = page.letter_for_selected()
    assert isinstance(letter, ReminderLetterDialog)
    if HAS_DOCUMENTS:
        qtbot.waitUntil(lambda: letter.preview.is_showing_pdf(), timeout=15000)
        assert letter.print_button.isEnabled()
    else:
        qtbot.waitUntil(lambda: letter.message.isVisible(), timeout=5000)
    letter.record_button.click()
    qtbot.waitUntil(
        lambda: _scalar(workspace, "SELECT count(*) FROM loan_reminders WHERE loan_id = ?", loan) == 1,
        timeout=5000,
    )
    assert _scalar(workspace, "SELECT level || channel FROM loan_reminders") == "1brief"
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 2 and page.model.text(0, 5) == "1. Mahnung", timeout=5000
    )
    assert "1. Mahnung für NAU-WBK-001 (Brief) vermerkt" in page.summary.text()


@pytest.mark.skipif(not HAS_DOCUMENTS, reason="services.pool_documents is not there yet")
def test_the_reminder_mail_dialog_has_the_ready_text(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    _overdue_setup(workspace)
    page = OverduePage(workspace)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    _select(page, 1, "Nauheim")
    dialog = page.mail_for_selected()
    assert isinstance(dialog, ReminderMailDialog)
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10000)
    assert "NAU-WBK-001" in dialog.body.toPlainText() + dialog.subject.text()
    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert dialog.body.toPlainText() in QGuiApplication.clipboard().text()


def test_the_mailto_url_is_percent_encoded() -> None:
    url = mailto_url(
        "olaf@example.org", "1. Mahnung: Gerät & Zubehör", "Guten Tag,\nbitte zurück.\n100 % sicher?"
    )
    encoded = bytes(url.toEncoded()).decode("ascii")
    assert encoded.startswith(
        "mailto:olaf@example.org?subject=1.%20Mahnung%3A%20Ger%C3%A4t%20%26%20Zubeh%C3%B6r&body="
    )
    assert "Guten%20Tag%2C%0D%0Abitte%20zur%C3%BCck.%0D%0A100%20%25%20sicher%3F" in encoded
    assert url.isValid() and url.scheme() == "mailto"
    query = QUrlQuery(url)
    assert query.queryItemValue("subject", QUrl.ComponentFormattingOption.FullyDecoded) == (
        "1. Mahnung: Gerät & Zubehör"
    )
    body = query.queryItemValue("body", QUrl.ComponentFormattingOption.FullyDecoded)
    assert body == "Guten Tag,\r\nbitte zurück.\r\n100 % sicher?"


# --- the calendar page and the availability search -------------------------------------------------------
@pytest.fixture
def calendar_setup(workspace: Workspace) -> dict[str, str]:
    away = _camera(workspace, "NAU-WBK-001")  # lower inventory number, but in Trebur
    home = _camera(workspace, "NAU-WBK-002")
    trebur = _trebur(workspace)
    with workspace.db.write() as conn, capture_suppressed(conn):
        conn.execute("UPDATE devices SET location_municipality_id = ? WHERE id = ?", (trebur, away))
    return {"away": away, "home": home}


def test_the_calendar_page_shows_the_devices_and_switches_between_month_and_week(
    qtbot, workspace, calendar_setup
) -> None:  # type: ignore[no-untyped-def]
    page = CalendarPage(workspace)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    qtbot.waitUntil(lambda: len(page.calendar.rows) == 2, timeout=5000)
    assert [r.inventory_number for r in page.calendar.rows] == ["NAU-WBK-001", "NAU-WBK-002"]
    assert (page.calendar.first, page.calendar.last) == month_range(TODAY.year, TODAY.month)
    assert page.category.count() == 2  # "Alle Gerätearten" and the one type

    page.week_button.click()
    monday, sunday = week_range(TODAY)
    qtbot.waitUntil(lambda: page.calendar.first == monday, timeout=5000)
    assert page.calendar.last == sunday and page.title.text().startswith("KW ")
    page.next_button.click()
    qtbot.waitUntil(lambda: page.calendar.first == monday + dt.timedelta(days=7), timeout=5000)
    page.today_button.click()
    qtbot.waitUntil(lambda: page.calendar.first == monday, timeout=5000)
    page.month_button.click()
    qtbot.waitUntil(lambda: page.calendar.first == month_range(TODAY.year, TODAY.month)[0], timeout=5000)
    page.previous_button.click()
    qtbot.waitUntil(
        lambda: page.calendar.last == month_range(TODAY.year, TODAY.month)[0] - dt.timedelta(days=1),
        timeout=5000,
    )

    with qtbot.waitSignal(page.reserve_requested, timeout=1000) as asked:
        page.calendar.days_selected.emit(calendar_setup["home"], _day(3), _day(5))
    assert asked.args == [calendar_setup["home"], _day(3), _day(5)]


def _search(qtbot, page: CalendarPage, start: dt.date, end: dt.date) -> AvailabilityDialog:  # type: ignore[no-untyped-def]
    dialog = page.open_search()
    qtbot.waitUntil(lambda: dialog.search_button.isEnabled(), timeout=5000)
    assert dialog.near.currentText() == "Gemeinde Nauheim (Ihre Gemeinde)"
    dialog.category.setCurrentText(CAMERA)
    dialog.start.setDate(_qdate(start))
    dialog.end.setDate(_qdate(end))
    dialog.search_button.click()
    qtbot.waitUntil(lambda: "gesucht" not in dialog.result.text(), timeout=5000)
    return dialog


def test_the_availability_search_lists_the_nearest_free_device_first(
    qtbot, workspace, calendar_setup
) -> None:  # type: ignore[no-untyped-def]
    page = CalendarPage(workspace)
    qtbot.addWidget(page)
    page.show()
    dialog = _search(qtbot, page, _day(3), _day(9))
    rows = dialog.offer_rows()
    assert [r[0].split(" · ")[0] for r in rows] == ["NAU-WBK-002", "NAU-WBK-001"]
    assert rows[0][1:] == ("Gemeinde Nauheim", "vor Ort")
    assert rows[1][1] == "Trebur" and rows[1][2].endswith(" km") and "," in rows[1][2]
    assert "2 Geräte frei" in dialog.result.text()
    with qtbot.waitSignal(page.reserve_requested, timeout=1000) as asked:
        dialog.reserve_button.click()  # the first (nearest) is selected
    assert asked.args == [calendar_setup["home"], _day(3), _day(9)]


def test_the_search_offers_the_earliest_period_when_nothing_is_free(qtbot, workspace, calendar_setup) -> None:  # type: ignore[no-untyped-def]
    book_device(workspace, calendar_setup["home"], _day(3), _day(9), "Anna Erste")
    # Two loans back to back: a loan runs at most 7 days.
    book_device(workspace, calendar_setup["away"], _day(2), _day(8), "Bernd Zweiter")
    book_device(workspace, calendar_setup["away"], _day(9), _day(12), "Carla Dritte")
    page = CalendarPage(workspace)
    qtbot.addWidget(page)
    page.show()
    dialog = _search(qtbot, page, _day(4), _day(6))
    assert dialog.offer_rows() == []
    assert dialog.result.text() == f"Kein Gerät frei – frühestens ab {format_date(_day(10))} (NAU-WBK-002)"
    assert dialog.take_period.isVisibleTo(dialog)
    dialog.take_period.click()
    qtbot.waitUntil(lambda: len(dialog.offer_rows()) == 1, timeout=5000)
    assert dialog.period() == (_day(10), _day(12))
    assert dialog.offer_rows()[0][0].startswith("NAU-WBK-002")


def test_selected_days_open_the_booking_dialog_when_nobody_listens(qtbot, workspace, calendar_setup) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("kommune_desk.ui.geraeteverleih.dialogs")
    page = CalendarPage(workspace)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: len(page.calendar.rows) == 2, timeout=5000)
    page.calendar.days_selected.emit(calendar_setup["home"], _day(3), _day(5))
    qtbot.waitUntil(lambda: page.booking_dialog is not None, timeout=5000)
    dialog = page.booking_dialog
    assert dialog.device.id == calendar_setup["home"]  # type: ignore[union-attr]
    assert (dialog.start.date(), dialog.end.date()) == (_qdate(_day(3)), _qdate(_day(5)))  # type: ignore[union-attr]
    dialog.reject()  # type: ignore[union-attr]


def test_adding_to_the_waiting_list_says_when_a_device_is_offered_at_once(
    qtbot, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    _camera(workspace, "KGG-WBK-04")
    page = WaitlistPage(workspace)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: "geladen" not in page.summary.text(), timeout=5000)
    dialog = page.add_entry()
    assert isinstance(dialog, WaitingDialog)
    qtbot.waitUntil(lambda: dialog.category.count() > 0, timeout=5000)
    dialog.category.setCurrentText(CAMERA)
    dialog.start.setDate(_qdate(_day(1)))
    dialog.end.setDate(_qdate(_day(3)))
    dialog.borrower.setText("Wilma Wartend")
    dialog.contact.setText("06152 1")
    dialog.submit()
    qtbot.waitUntil(
        lambda: "Warteliste wird geladen" not in page.summary.text() and "·" in page.summary.text()
    )
    assert "Ein Gerät ist sofort frei: KGG-WBK-04 ist für " in page.summary.text()
    assert f"{period_text(_day(1), _day(3))} angeboten, abholen bis " in page.summary.text()
    assert added_text(None) == "Der Eintrag steht auf der Warteliste."
