"""The Geräte tab: the register of the shared pool, a scan field, and the counter's actions.

The pool is small (dozens of devices), so the model holds all rows; they are read in a worker
when the tab is first shown and on ``refresh()`` (after a booking, a handover, a sync).
A USB barcode scanner types like a keyboard and ends with Enter: the scan field (Strg+F, or
simply typing while the table has the focus) finds the device by inventory number or by the
QR payload of its tag and opens it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain import pool as pool_rules
from kommune_desk.domain.formatting import count_noun, format_date
from kommune_desk.domain.pool import (
    display_status,
    is_past_due,
    maintenance_is_due,
    period_text,
)
from kommune_desk.services import pool as pool_service
from kommune_desk.services.pool import DeviceListing, LoanListing
from kommune_desk.services.workspace import Workspace

from ..action_bar import ActionBar
from ..run import explain_failure
from ..workers import start_task
from .lazy_page import LazyPage

COLUMNS = (
    "Inventarnummer",
    "Gerät",
    "Art",
    "Eigentümer",
    "Standort",
    "Status",
    "Rückgabe / Nächste Reservierung",
    "Wartung fällig",
)
STATUS_COLUMN, DATES_COLUMN, MAINTENANCE_COLUMN = 5, 6, 7
OVERDUE_BRUSH = QBrush(QColor("#f9d6d5"))  # light red: the whole row of an overdue loan
MAINTENANCE_BRUSH = QBrush(QColor("#ffe4a8"))  # light orange: maintenance due
OVERDUE_STYLE = "color: #a40000; font-weight: 600;"
SCAN_PLACEHOLDER = "Inventarnummer scannen oder eingeben"
_ModelIndex = QModelIndex | QPersistentModelIndex


class DevicesModel(QAbstractTableModel):
    """All devices of the pool, as read by ``list_devices``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DeviceListing] = []
        self._today = dt.date.today()

    def set_rows(self, rows: list[DeviceListing], today: dt.date) -> None:
        self.beginResetModel()
        self._rows = rows
        self._today = today
        self.endResetModel()

    def device_at(self, row: int) -> DeviceListing | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, device_id: str) -> int | None:
        return next((i for i, d in enumerate(self._rows) if d.id == device_id), None)

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        device = self.device_at(index.row())
        if device is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(device, column, self._today)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(device, column, self._today)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == MAINTENANCE_COLUMN and maintenance_due(device, self._today):
                return MAINTENANCE_BRUSH
            if is_overdue(device, self._today):
                return OVERDUE_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and (
            is_overdue(device, self._today)
            or (column == MAINTENANCE_COLUMN and maintenance_due(device, self._today))
        ):
            return QBrush(QColor("#222222"))  # readable on the light colours in a dark theme too
        if role == Qt.ItemDataRole.UserRole:  # sort key: dates in date order
            return _sort_key(device, column, self._today)
        return None


def is_overdue(device: DeviceListing, today: dt.date) -> bool:
    return device.lent is not None and is_past_due(device.lent.end, today)


def maintenance_due(device: DeviceListing, today: dt.date) -> bool:
    return maintenance_is_due(device.maintenance_due, today)


def status_text(device: DeviceListing, today: dt.date) -> str:
    reserved_today = device.next is not None and device.next.start <= today
    return display_status(device.status, device.lent is not None, reserved_today)


def unavailable_reason(device: DeviceListing) -> str | None:
    """Why the device cannot be reserved or handed over now (in Wartung, vermisst, ausgemustert)."""
    return pool_rules.unavailable_reason(device.status)


def device_state_text(device: DeviceListing, today: dt.date) -> str:
    """The status with the running loan or the next reservation, as the device card heads it:
    ``verliehen an Raunheim bis 25.11.2026 – überfällig``."""
    status = status_text(device, today)
    if device.lent is not None:
        lent = f"verliehen an {device.lent.town} bis {format_date(device.lent.end)}"
        text = lent if status == "verliehen" else f"{status}, {lent}"
        return text + (" – überfällig" if is_overdue(device, today) else "")
    if device.next is not None:
        period = period_text(device.next.start, device.next.end)
        if status == "reserviert":
            return f"reserviert für {device.next.town} ({period})"
        return f"{status} · nächste Reservierung {period} ({device.next.town})"
    return status


def cell_text(device: DeviceListing, column: int, today: dt.date) -> str:
    if column == 0:
        return device.inventory_number
    if column == 1:
        return device.name
    if column == 2:
        return device.category
    if column == 3:
        return device.home_name
    if column == 4:
        return device.location_name
    if column == STATUS_COLUMN:
        return status_text(device, today)
    if column == DATES_COLUMN:
        if device.lent is not None:
            if device.lent.end < today:
                since = format_date(device.lent.end + dt.timedelta(days=1))
                return f"überfällig seit {since} · {device.lent.town}"
            return f"bis {format_date(device.lent.end)} · {device.lent.town}"
        if device.next is not None:
            return f"{period_text(device.next.start, device.next.end)} · {device.next.town}"
        return ""
    if device.maintenance_due is None:
        return ""
    due = format_date(device.maintenance_due)
    return f"⚠ {due}" if maintenance_due(device, today) else due


def tooltip_text(device: DeviceListing, column: int, today: dt.date) -> str:
    if column == MAINTENANCE_COLUMN and device.maintenance_due is not None:
        due = format_date(device.maintenance_due)
        return f"Wartung fällig seit {due}" if maintenance_due(device, today) else f"Wartung fällig am {due}"
    if column == DATES_COLUMN and device.lent is not None:
        return f"Ausgeliehen {period_text(device.lent.start, device.lent.end)} an {device.lent.town}"
    if column == DATES_COLUMN and device.next is not None:
        return f"Nächste Reservierung {period_text(device.next.start, device.next.end)} · {device.next.town}"
    return cell_text(device, column, today)  # clipped cells show their full text


def _sort_key(device: DeviceListing, column: int, today: dt.date) -> str:
    if column == DATES_COLUMN:
        period = device.lent or device.next
        return (
            period.end.isoformat()
            if device.lent and period
            else (period.start.isoformat() if period else "9")
        )
    if column == MAINTENANCE_COLUMN:
        return device.maintenance_due.isoformat() if device.maintenance_due else "9"
    return cell_text(device, column, today).casefold()


class DevicesPage(LazyPage):
    """Register table with the scan field and "Reservieren …", "Ausgeben …", "Zurücknehmen …"."""

    changed = Signal()  # a device, booking, handover or return was written (the section refreshes)
    calendar_requested = Signal(str)  # device_id: show this device's calendar

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._select_after_load: str | None = None
        self._open_after_load: str | None = None
        self._note = ""  # what the last action did, shown once beside the count
        self.last_dialog: QDialog | None = None
        self.model = DevicesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)

        self.scan = QLineEdit()
        self.scan.setObjectName("scanField")
        self.scan.setPlaceholderText(SCAN_PLACEHOLDER + " (Strg+F)")
        self.scan.setToolTip("Scanner oder Tastatur: Enter öffnet das Gerät. Tippen filtert die Liste.")
        self.scan.setAccessibleName(SCAN_PLACEHOLDER)
        self.scan.setClearButtonEnabled(True)
        self.scan.setMaxLength(200)
        self.scan.setMinimumWidth(250)
        self.scan.textChanged.connect(self.proxy.setFilterFixedString)
        self.scan.returnPressed.connect(lambda: self.open_scanned(self.scan.text()))

        self.book_button = self._button("Reservieren …", "bookDevice", self.book_selected)
        self.handover_button = self._button("Ausgeben …", "handOver", self.hand_over_selected)
        self.return_button = self._button("Zurücknehmen …", "takeBack", self.take_back_selected)
        self.open_button = self._button("Details …", "openDevice", self.open_selected)
        self.label_button = self._button("Etikett drucken …", "printLabel", self.print_label)
        self.add_button = self._button("Neues Gerät …", "addDevice", self.add_device)
        # The counter's actions stay in the row longest; on a narrow screen the rarer ones go into
        # "Weitere" (the scan field keeps its minimum width).
        self.actions_bar = ActionBar(name="poolActions")
        for button, priority in (
            (self.book_button, 3), (self.handover_button, 3), (self.return_button, 3), (self.open_button, 2),
        ):  # fmt: skip
            self.actions_bar.add_button(button, priority=priority)
        self.actions_bar.add_gap(12)
        self.actions_bar.add_button(self.label_button, priority=0)
        self.actions_bar.add_button(self.add_button, priority=1)
        toolbar = QHBoxLayout()
        toolbar.addWidget(self.scan, 1)
        toolbar.addWidget(self.actions_bar)

        self.summary = QLabel("Geräte werden geladen …")
        self.summary.setObjectName("poolSummary")
        self.message = QLabel()
        self.message.setObjectName("poolMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("color: #a40000;")
        self.message.hide()
        self.table = self._build_table()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(lambda: slot())
        return button

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("poolTable")
        table.setAccessibleName("Geräte im Pool")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        for column, sample in (  # room for a typical value or the header, whichever is wider
            (0, "KGG-WBK-000"),
            (2, "Wärmebildkamer"),
            (3, "Kreis Groß-Gerau"),
            (4, "Kreis Groß-Gerau"),
            (5, "ausgemustert"),
            (6, "überfällig seit 00.00.0000 · Bütte"),
            (7, "⚠ 00.00.0000"),
        ):
            wide = max(
                self.fontMetrics().horizontalAdvance(sample),
                header.fontMetrics().horizontalAdvance(COLUMNS[column]) if column not in (2, 6) else 0,
            )
            header.resizeSection(column, wide + 16)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        table.activated.connect(lambda _index: self.open_selected())  # double click or Enter
        return table

    def focus_scan(self, select: bool = True) -> None:
        self.scan.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if select:
            self.scan.selectAll()

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the devices again in a worker (after a booking, after a sync)."""
        generation = self.next_generation()
        today = dt.date.today()
        start_task(
            pool_service.list_devices,
            self.workspace,
            today,
            on_done=lambda rows: self._loaded(generation, rows, today),
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, generation: int, rows: list[DeviceListing], today: dt.date) -> None:
        if not self.is_current(generation):
            return  # a newer refresh is on its way
        selected = self.selected_device()
        keep = self._select_after_load or (selected.id if selected else None)
        self._select_after_load = None
        self.model.set_rows(rows, today)
        if rows:
            text = count_noun(len(rows), "Gerät", "Geräte") + " im gemeinsamen Pool"
            late = sum(is_overdue(d, today) for d in rows)
            if late:
                text += f" · {count_noun(late, 'Ausleihe', 'Ausleihen')} überfällig (rot)"
            self.summary.setText(f"{text} · {self._note}" if self._note else text)
        else:
            self.summary.setText("Im Pool ist noch kein Gerät. Legen Sie das erste mit »Neues Gerät …« an.")
        self._note = ""
        if keep is not None:
            self.select_device(keep)
        self._selection_changed()
        if self._open_after_load:
            device_id, self._open_after_load = self._open_after_load, None
            self.open_device(device_id)

    def _failed(self, _exc: BaseException) -> None:
        self.summary.setText(
            "Die Geräte konnten nicht gelesen werden. Bitte versuchen Sie es mit F5 erneut; "
            "Details stehen in der Protokolldatei."
        )

    # -- scanning ----------------------------------------------------------------------------------
    def open_scanned(self, text: str) -> None:
        """Find the device a scan or typed text names (in a worker), select it and open it."""
        if not text.strip():
            return
        start_task(
            pool_service.find_device,
            self.workspace,
            text,
            on_done=lambda device: self._scanned(text, device),
            on_error=lambda exc: explain_failure(self, exc),
            owner=self,
        )

    def _scanned(self, text: str, device: Any) -> None:
        if device is None:
            if self.proxy.rowCount() == 1:  # the typed text matched exactly one device's line
                listing = self.model.device_at(self.proxy.mapToSource(self.proxy.index(0, 0)).row())
                if listing is not None:
                    device_id = listing.id
                    self.scan.clear()
                    self.select_device(device_id)
                    self.open_device(device_id)
                    return
            self.show_message(
                f"Kein Gerät mit der Nummer »{text.strip()}« gefunden. Bitte prüfen Sie die Nummer "
                "oder wählen Sie das Gerät in der Liste."
            )
            self.scan.selectAll()
            return
        self.scan.clear()
        self.show_message("")
        if self.model.row_of(device.id) is None:  # new since the last read (another workstation)
            self._select_after_load = device.id
            self._open_after_load = device.id
            self.refresh()
            return
        self.select_device(device.id)
        self.open_device(device.id)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- selection ---------------------------------------------------------------------------------
    def selected_device(self) -> DeviceListing | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.device_at(self.proxy.mapToSource(rows[0]).row())

    def select_device(self, device_id: str) -> None:
        row = self.model.row_of(device_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # hidden by the filter
            self.scan.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        self.table.scrollTo(index)

    def _selection_changed(self) -> None:
        device = self.selected_device()
        for button in (
            self.book_button,
            self.handover_button,
            self.return_button,
            self.open_button,
            self.label_button,
        ):
            button.setEnabled(device is not None)
            button.setToolTip("" if device else "Bitte wählen Sie zuerst ein Gerät in der Liste.")
        if device is not None:
            unavailable = unavailable_reason(device)
            self.return_button.setEnabled(device.lent is not None)
            self.return_button.setToolTip("" if device.lent else "Das Gerät ist zurzeit nicht verliehen.")
            self.book_button.setEnabled(unavailable is None)
            self.book_button.setToolTip(unavailable or "")
            self.handover_button.setEnabled(unavailable is None and device.lent is None)
            self.handover_button.setToolTip(
                unavailable or ("Das Gerät ist zurzeit verliehen." if device.lent else "")
            )

    # -- actions -----------------------------------------------------------------------------------
    def _show(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.last_dialog = dialog
        return dialog

    def open_selected(self) -> QDialog | None:
        device = self.selected_device()
        return self.open_device(device.id) if device else None

    def open_device(self, device_id: str) -> QDialog:
        from .device_dialog import DeviceDetailDialog

        dialog = DeviceDetailDialog(self.workspace, device_id, self)
        dialog.changed.connect(lambda: self._changed(device_id, ""))
        dialog.action_requested.connect(lambda action: self._detail_action(dialog, device_id, action))
        return self._show(dialog)

    def _detail_action(self, dialog: QDialog, device_id: str, action: str) -> None:
        dialog.close()
        self.select_device(device_id)
        if action == "calendar":
            self.calendar_requested.emit(device_id)
            return
        {"book": self.book_selected, "handover": self.hand_over_selected, "return": self.take_back_selected}[
            action
        ]()

    def print_label(self) -> QDialog | None:
        """The asset tag (QR code and inventory number) of the selected device, to preview and print."""
        device = self.selected_device()
        if device is None:
            return None
        from .dialogs import DocumentDialog

        name = f"Etikett {device.inventory_number}"
        return self._show(DocumentDialog(self.workspace, "Etikett", "labels", device.id, name, self))

    def add_device(self) -> QDialog:
        from .dialogs import NewDeviceDialog

        dialog = NewDeviceDialog(self.workspace, self)
        dialog.done_with.connect(lambda device_id: self._changed(str(device_id), "Das Gerät wurde angelegt."))
        return self._show(dialog)

    def book_selected(self) -> QDialog | None:
        device = self.selected_device()
        if device is None:
            return None
        if (why := unavailable_reason(device)) is not None:
            self.show_message(f"{device.inventory_number} kann nicht reserviert werden: {why}")
            return None
        from .dialogs import BookingDialog

        dialog = BookingDialog(self.workspace, device, self)
        dialog.done_with.connect(
            lambda _loan_id: self._changed(device.id, f"{device.inventory_number} wurde reserviert.")
        )
        return self._show(dialog)

    def hand_over_selected(self) -> None:
        """Find this town's reservation of the selected device (worker), then the handover dialog."""
        device = self.selected_device()
        if device is None:
            return
        if (why := unavailable_reason(device)) is not None:
            self.show_message(f"{device.inventory_number} kann nicht ausgegeben werden: {why}")
            return
        start_task(
            self._own_loans,
            device.id,
            ("reserviert",),
            on_done=lambda loans: self._hand_over(device, loans),
            on_error=lambda e: explain_failure(self, e),
            owner=self,
        )

    def _own_loans(self, device_id: str, statuses: tuple[str, ...]) -> list[LoanListing]:
        loans = pool_service.list_loans(self.workspace, statuses=statuses, device_id=device_id)
        return sorted(loans, key=lambda loan: loan.start)

    def _hand_over(self, device: DeviceListing, loans: list[LoanListing]) -> None:
        from .dialogs import HandoverDialog

        today = dt.date.today()
        own = [loan for loan in loans if loan.municipality_id == self.workspace.municipality.id]
        current = [loan for loan in own if loan.start <= today <= loan.end]
        if not current:
            later = [loan for loan in own if loan.start > today]
            text = (
                f"Die Reservierung Ihrer Kommune für {device.inventory_number} beginnt erst am "
                f"{format_date(later[0].start)}."
                if later
                else f"Für {device.inventory_number} gibt es heute keine Reservierung Ihrer Kommune. "
                "Bitte reservieren Sie zuerst (»Reservieren …«)."
            )
            self.show_message(text)
            return
        self.show_message("")
        dialog = HandoverDialog(self.workspace, current[0], self)
        dialog.done_with.connect(
            lambda _r: self._changed(device.id, f"{device.inventory_number} wurde ausgegeben.")
        )
        self._show(dialog)

    def take_back_selected(self) -> None:
        device = self.selected_device()
        if device is None:
            return
        start_task(
            self._own_loans,
            device.id,
            ("ausgegeben",),
            on_done=lambda loans: self._take_back(device, loans),
            on_error=lambda e: explain_failure(self, e),
            owner=self,
        )

    def _take_back(self, device: DeviceListing, loans: list[LoanListing]) -> None:
        from .dialogs import ReturnDialog

        if not loans:
            self.show_message(f"Für {device.inventory_number} ist keine laufende Ausleihe erfasst.")
            return
        self.show_message("")
        dialog = ReturnDialog(self.workspace, loans[0], self)
        dialog.done_with.connect(
            lambda _r: self._changed(device.id, f"Die Rückgabe von {device.inventory_number} ist erfasst.")
        )
        self._show(dialog)

    def _changed(self, device_id: str, note: str) -> None:
        self._select_after_load = device_id
        self._note = note
        self.refresh()
        self.changed.emit()
