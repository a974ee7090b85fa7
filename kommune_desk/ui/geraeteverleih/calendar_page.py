"""The pool calendar page: a month or a week of all devices (of a type), and a search for free ones.

The rows for the shown days are read in a worker (``calendar_rows``) whenever the range or the
type changes; only the newest answer is shown. Selecting free days of a device asks for a
reservation: ``reserve_requested(device_id, start, end)``; if nobody listens to that signal,
the page opens the section's booking dialog itself (when it exists).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QMetaMethod, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_date
from kommune_desk.domain.pool import period_text
from kommune_desk.domain.pool_calendar import CalendarRow, month_range, month_title, week_range, week_title
from kommune_desk.domain.pool_towns import format_km
from kommune_desk.services.pool import DeviceListing, categories, list_devices, towns
from kommune_desk.services.pool_search import Availability, FreeOffer, calendar_rows, find_free
from kommune_desk.services.workspace import Workspace

from ..action_bar import ActionBar
from ..run import explain_failure
from ..workers import start_task
from .calendar_view import PoolCalendar
from .lazy_page import LazyPage
from .widgets import date_edit, set_date, to_date

MONTH, WEEK = "monat", "woche"
ALL_TYPES = "Alle Gerätearten"


def shift(mode: str, first: dt.date, steps: int) -> tuple[dt.date, dt.date]:
    """The month or week ``steps`` before (negative) or after the one starting at ``first``."""
    if mode == WEEK:
        return week_range(first + dt.timedelta(days=7 * steps))
    month = first.year * 12 + first.month - 1 + steps
    return month_range(month // 12, month % 12 + 1)


def shown_range(mode: str, day: dt.date) -> tuple[dt.date, dt.date]:
    return week_range(day) if mode == WEEK else month_range(day.year, day.month)


def no_device_text(found: Availability) -> str:
    """``Kein Gerät frei – frühestens ab 17.12.2026 (KGG-WBK-03)``."""
    if found.next_start is None:
        return "Kein Gerät dieser Art frei – auch im kommenden Jahr findet sich kein gleich langer Zeitraum."
    return f"Kein Gerät frei – frühestens ab {format_date(found.next_start)} ({found.next_device})"


class CalendarPage(LazyPage):
    """Toolbar (Monat/Woche, ◀ Heute ▶, Geräteart, title, "Verfügbarkeit suchen …") over the calendar."""

    reserve_requested = Signal(str, object, object)  # device_id, first day, last day (dt.date)
    loan_activated = Signal(str)  # a click on a bar: loan_id
    changed = Signal()  # a reservation was made here (the section refreshes its other tabs)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.mode = MONTH
        self.today = dt.date.today()
        self.first, self.last = shown_range(self.mode, self.today)
        self._types_loaded = False
        self.rows: list[CalendarRow] = []
        self.booking_dialog: QDialog | None = None  # the last one opened (tests look at it)
        self._note = ""

        self.month_button = self._toggle("Monat", "calendarMonth")
        self.week_button = self._toggle("Woche", "calendarWeek")
        self.month_button.setChecked(True)
        modes = QButtonGroup(self)
        modes.setExclusive(True)
        modes.addButton(self.month_button)
        modes.addButton(self.week_button)
        self.month_button.clicked.connect(lambda: self.set_mode(MONTH))
        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        self.previous_button = QToolButton()
        self.previous_button.setText("◀")
        self.previous_button.setObjectName("calendarPrevious")
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.today_button = QPushButton("Heute")
        self.today_button.setObjectName("calendarToday")
        self.today_button.clicked.connect(self.go_today)
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setObjectName("calendarNext")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.title = QLabel()
        self.title.setObjectName("calendarTitle")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.title.setMinimumWidth(
            self.title.fontMetrics().horizontalAdvance("KW 52 · 28.12.–03.01.2027") * 11 // 10
        )
        self.category = QComboBox()
        self.category.setObjectName("calendarCategory")
        self.category.addItem(ALL_TYPES, None)
        self.category.setMinimumContentsLength(12)
        self.category.setAccessibleName("Geräteart")
        self.category.currentIndexChanged.connect(lambda _i: self.refresh())
        self.device_filter: str | None = None  # one device's calendar (from its device card)
        self.all_devices_button = QPushButton("Alle Geräte zeigen")
        self.all_devices_button.setObjectName("calendarAllDevices")
        self.all_devices_button.clicked.connect(lambda: self.show_device(None))
        self.all_devices_button.hide()
        self.search_button = QPushButton("Verfügbarkeit suchen …")
        self.search_button.setObjectName("searchAvailability")
        self.search_button.clicked.connect(lambda: self.open_search())
        self._update_tooltips()

        # The tab already says "Kalender": the bar keeps to what a 1280 px laptop has room for.
        bar = QHBoxLayout()
        bar.addWidget(self.month_button)
        bar.addWidget(self.week_button)
        bar.addSpacing(12)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.today_button)
        bar.addWidget(self.next_button)
        bar.addSpacing(12)
        bar.addWidget(self.title)
        bar.addStretch(1)
        bar.addWidget(QLabel("Geräteart:"))
        bar.addWidget(self.category)
        self.actions_bar = ActionBar(name="calendarActions")
        self.actions_bar.add_button(self.all_devices_button, priority=1)  # only while one device is shown
        self.actions_bar.add_button(self.search_button)
        bar.addWidget(self.actions_bar)

        self.summary = QLabel("Der Kalender wird geladen …")
        self.summary.setObjectName("calendarSummary")
        self.summary.setStyleSheet("color: #555;")
        self.calendar = PoolCalendar(self)
        self.calendar.days_selected.connect(self._days_selected)
        self.calendar.bar_activated.connect(self.loan_activated)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.calendar, 1)
        self._show_title()

    @staticmethod
    def _toggle(text: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(name)
        button.setCheckable(True)
        button.setAutoRaise(False)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setMinimumWidth(64)
        return button

    # -- the range ---------------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Monat or Woche; the new range contains today if it is shown, else the shown range's first day."""
        if mode == self.mode:
            return
        anchor = self.today if self.first <= self.today <= self.last else self.first
        self.mode = mode
        self.month_button.setChecked(mode == MONTH)
        self.week_button.setChecked(mode == WEEK)
        self.first, self.last = shown_range(mode, anchor)
        self._update_tooltips()
        self._range_changed()

    def step(self, steps: int) -> None:
        self.first, self.last = shift(self.mode, self.first, steps)
        self._range_changed()

    def go_today(self) -> None:
        self.today = dt.date.today()
        self.first, self.last = shown_range(self.mode, self.today)
        self._range_changed()

    def _update_tooltips(self) -> None:
        unit = "Woche" if self.mode == WEEK else "Monat"
        self.previous_button.setToolTip(f"Vorherige{'r' if unit == 'Monat' else ''} {unit}")
        self.next_button.setToolTip(f"Nächste{'r' if unit == 'Monat' else ''} {unit}")
        self.today_button.setToolTip(f"Zu{'r' if unit == 'Woche' else 'm'} aktuellen {unit}")

    def _range_changed(self) -> None:
        self._show_title()
        self.refresh()

    def _show_title(self) -> None:
        self.title.setText(week_title(self.first) if self.mode == WEEK else month_title(self.first))

    def show_device(self, device_id: str | None) -> None:
        """The calendar of one device (None: the whole pool again), in the shown month or week."""
        self.device_filter = device_id
        self.refresh()

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the shown days again in a worker (after a booking or a sync, or a new range)."""
        generation = self.next_generation()
        first, last, today = self.first, self.last, dt.date.today()
        category = self.category.currentData()
        start_task(
            _read,
            self.workspace,
            first,
            last,
            category,
            self.device_filter,
            today,
            not self._types_loaded,
            on_done=lambda result: self._loaded(generation, result, first, last, today),
            on_error=lambda exc: self._failed(generation, exc),
            owner=self,
        )

    def _loaded(
        self,
        generation: int,
        result: tuple[list[CalendarRow], list[str] | None],
        first: dt.date,
        last: dt.date,
        today: dt.date,
    ) -> None:
        if not self.is_current(generation):
            return  # the clerk moved on; a newer answer is on its way
        rows, types = result
        if types is not None and not self._types_loaded:
            self._types_loaded = True
            self.category.blockSignals(True)
            for name in types:
                self.category.addItem(name, name)
            # The longest type ("Wärmebildkamera") in full, not cut to the minimum contents length.
            self.category.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            self.category.blockSignals(False)
        self.today = today
        self.rows = rows
        self.calendar.set_rows(rows, first, last, today)
        self.actions_bar.set_shown(self.all_devices_button, self.device_filter is not None)
        if self.device_filter is not None and rows:
            text = f"Nur {rows[0].inventory_number} · {rows[0].name}"
        elif not rows:
            text = "Keine Geräte dieser Art im Pool."
        else:
            text = (
                count_noun(len(rows), "Gerät", "Geräte")
                + " · Zum Reservieren freie Tage eines Geräts mit der Maus markieren."
            )
        self.summary.setText(f"{self._note} · {text}" if self._note else text)
        self._note = ""

    def _failed(self, generation: int, _exc: BaseException) -> None:
        if self.is_current(generation):
            self.summary.setText(
                "Der Kalender konnte nicht gelesen werden. Bitte versuchen Sie es mit F5 erneut; "
                "Details stehen in der Protokolldatei."
            )

    # -- reservations --------------------------------------------------------------------------------
    def _days_selected(self, device_id: str, start: dt.date, end: dt.date) -> None:
        self.request_reservation(device_id, start, end)

    def request_reservation(self, device_id: str, start: dt.date, end: dt.date) -> None:
        """Ask for a reservation of the days: by signal, or (nobody listening) by the booking dialog."""
        self.reserve_requested.emit(device_id, start, end)
        if not self.isSignalConnected(QMetaMethod.fromSignal(self.reserve_requested)):
            self._open_booking(device_id, start, end)

    def _open_booking(self, device_id: str, start: dt.date, end: dt.date) -> None:
        """The section's booking dialog for the device, with the selected days filled in."""
        from .dialogs import BookingDialog

        def found(devices: list[DeviceListing]) -> None:
            device = next((d for d in devices if d.id == device_id), None)
            if device is None:
                self.summary.setText("Dieses Gerät gibt es im Pool nicht mehr. Bitte laden Sie mit F5 neu.")
                return
            dialog = BookingDialog(self.workspace, device, self)
            set_date(dialog.start, start)
            set_date(dialog.end, end)
            dialog.done_with.connect(lambda _loan_id: self._booked(device.inventory_number))
            dialog.finished.connect(lambda _result: self.calendar.clear_selection())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.booking_dialog = dialog
            dialog.open()

        start_task(
            list_devices,
            self.workspace,
            on_done=found,
            on_error=lambda exc: explain_failure(self, exc),
            owner=self,
        )

    def _booked(self, inventory_number: str) -> None:
        self._note = f"{inventory_number} wurde reserviert."
        self.refresh()
        self.changed.emit()

    def open_search(self) -> AvailabilityDialog:
        category = self.category.currentData()
        dialog = AvailabilityDialog(self.workspace, self, category=category)
        dialog.chosen.connect(lambda device_id, start, end: self.request_reservation(device_id, start, end))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog


def _read(
    ws: Workspace,
    first: dt.date,
    last: dt.date,
    category: str | None,
    device_id: str | None,
    today: dt.date,
    with_types: bool,
) -> tuple[list[CalendarRow], list[str] | None]:
    rows = calendar_rows(ws, first, last, category, today, device_id)
    return rows, (categories(ws) if with_types else None)


def _search_choices(ws: Workspace) -> tuple[list[str], list[Any]]:
    return categories(ws), towns(ws)


OFFER_COLUMNS = ("Gerät", "Standort", "Entfernung")


class AvailabilityDialog(QDialog):
    """ "Verfügbarkeit suchen": free devices of a type for some days, nearest first; ``chosen``."""

    chosen = Signal(str, object, object)  # device_id, start, end

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, category: str | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._wanted_category = category
        self._generation = 0
        self.found: Availability | None = None
        self.setWindowTitle("Verfügbarkeit suchen")
        self.resize(640, 480)
        today = dt.date.today()
        self.category = QComboBox()
        self.category.setObjectName("searchCategory")
        self.category.setPlaceholderText("wird geladen …")
        self.start = date_edit(today, "searchStart")
        self.end = date_edit(today + dt.timedelta(days=6), "searchEnd")
        self.start.dateChanged.connect(lambda day: self.end.setDate(day) if self.end.date() < day else None)
        self.near = QComboBox()
        self.near.setObjectName("searchNear")
        self.near.setPlaceholderText("wird geladen …")
        self.search_button = QPushButton("Suchen")
        self.search_button.setObjectName("searchRun")
        self.search_button.setDefault(True)
        self.search_button.setEnabled(False)
        self.search_button.clicked.connect(self.search)
        period = QHBoxLayout()
        period.addWidget(self.start)
        period.addWidget(QLabel("bis"))
        period.addWidget(self.end)
        period.addStretch(1)
        form = QFormLayout()
        form.addRow("Geräteart:", self.category)
        form.addRow("Zeitraum:", period)
        form.addRow("In der Nähe von:", self.near)

        self.result = QLabel("Wählen Sie Geräteart und Zeitraum und klicken Sie »Suchen«.")
        self.result.setObjectName("searchResult")
        self.result.setWordWrap(True)
        self.take_period = QPushButton("Diesen Zeitraum übernehmen")
        self.take_period.setObjectName("searchTakePeriod")
        self.take_period.setToolTip("Von und Bis auf den frühesten freien Zeitraum setzen und erneut suchen")
        self.take_period.hide()
        self.take_period.clicked.connect(self.use_next_period)
        result_line = QHBoxLayout()
        result_line.addWidget(self.result, 1)
        result_line.addWidget(self.take_period)
        self.offers = QTableWidget(0, len(OFFER_COLUMNS))
        self.offers.setObjectName("searchOffers")
        self.offers.setHorizontalHeaderLabels(OFFER_COLUMNS)
        self.offers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.offers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.offers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.offers.verticalHeader().setVisible(False)
        header = self.offers.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.offers.itemSelectionChanged.connect(self._offer_selected)
        self.offers.itemActivated.connect(lambda _item: self.reserve_selected())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        self.buttons.rejected.connect(self.reject)
        self.reserve_button = self.buttons.addButton("Reservieren …", QDialogButtonBox.ButtonRole.ActionRole)
        self.reserve_button.setObjectName("searchReserve")
        self.reserve_button.setEnabled(False)
        self.reserve_button.clicked.connect(self.reserve_selected)
        search_line = QHBoxLayout()
        search_line.addStretch(1)
        search_line.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(search_line)
        layout.addLayout(result_line)
        layout.addWidget(self.offers, 1)
        layout.addWidget(self.buttons)
        start_task(
            _search_choices, workspace, on_done=self._choices, on_error=self._choices_failed, owner=self
        )

    def _choices(self, result: tuple[list[str], list[Any]]) -> None:
        types, partners = result
        self.category.setPlaceholderText("Bitte wählen")
        self.category.addItems(types)
        if self._wanted_category in types:
            self.category.setCurrentText(self._wanted_category)
        elif types:
            self.category.setCurrentIndex(0)
        self.near.setPlaceholderText("")
        own = self.workspace.municipality.id
        for partner in partners:
            self.near.addItem(partner.name + (" (Ihre Gemeinde)" if partner.id == own else ""), partner.ags)
            if partner.id == own:
                self.near.setCurrentIndex(self.near.count() - 1)
        self.search_button.setEnabled(bool(types))
        if not types:
            self.result.setText("Im Pool gibt es noch keine Geräte.")

    def _choices_failed(self, _exc: BaseException) -> None:
        self.result.setText("Gerätearten und Gemeinden konnten nicht gelesen werden. Bitte erneut öffnen.")

    def period(self) -> tuple[dt.date, dt.date]:
        return to_date(self.start.date()), to_date(self.end.date())

    def search(self) -> None:
        category = self.category.currentText()
        if not category:
            self.result.setText("Bitte wählen Sie eine Geräteart.")
            return
        start, end = self.period()
        if end < start:
            self.result.setText("»Bis« liegt vor »Von«. Bitte prüfen Sie den Zeitraum.")
            return
        self._generation += 1
        generation = self._generation
        self.result.setText("Es wird gesucht …")
        self.take_period.hide()
        self.offers.setRowCount(0)
        start_task(
            find_free,
            self.workspace,
            category,
            start,
            end,
            self.near.currentData(),
            dt.date.today(),
            on_done=lambda found: self._found(generation, found),
            on_error=lambda exc: self._failed(generation, exc),
            owner=self,
        )

    def _found(self, generation: int, found: Availability) -> None:
        if generation != self._generation:
            return
        self.found = found
        self.offers.setRowCount(len(found.free))
        for row, offer in enumerate(found.free):
            self._put(row, offer)
        if found.free:
            period = period_text(found.start, found.end)
            self.result.setText(
                f"{count_noun(len(found.free), 'Gerät', 'Geräte')} frei vom {period}, das nächste zuerst. "
                "Doppelklick oder »Reservieren …« übernimmt es."
            )
            self.offers.selectRow(0)
        else:
            self.result.setText(no_device_text(found))
            self.take_period.setVisible(found.next_start is not None)
        self._offer_selected()

    def _put(self, row: int, offer: FreeOffer) -> None:
        cells = (
            f"{offer.inventory_number} · {offer.name}",
            offer.location or "–",
            format_km(offer.distance_km),
        )
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, offer.device_id)
            if column == 2:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.offers.setItem(row, column, item)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.result.setText("Die Suche ist fehlgeschlagen.")
            explain_failure(self, exc)

    def offer_rows(self) -> list[tuple[str, str, str]]:
        """What the result table shows, row by row (Gerät, Standort, Entfernung)."""
        return [
            tuple(self.offers.item(row, column).text() for column in range(3))  # type: ignore[misc]
            for row in range(self.offers.rowCount())
        ]

    def _offer_selected(self) -> None:
        self.reserve_button.setEnabled(bool(self.offers.selectionModel().selectedRows()))

    def use_next_period(self) -> None:
        if self.found is None or self.found.next_start is None:
            return
        length = self.found.end - self.found.start
        set_date(self.start, self.found.next_start)
        set_date(self.end, self.found.next_start + length)
        self.search()

    def reserve_selected(self) -> None:
        rows = self.offers.selectionModel().selectedRows()
        if not rows or self.found is None:
            return
        device_id = self.offers.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        self.chosen.emit(device_id, self.found.start, self.found.end)
        self.accept()
