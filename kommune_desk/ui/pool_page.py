"""The Geräteverleih page: the devices of the shared pool with their next reservation.

The pool is small (dozens of devices), so the model holds all rows; they are read in a worker
when the page is first shown and on ``refresh()`` (after a booking, later after a sync).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun
from kommune_desk.domain.pool import device_state, period_text
from kommune_desk.services.pool import DeviceListing, TownPeriod, list_devices
from kommune_desk.services.workspace import Workspace

from .workers import start_task

COLUMNS = ("Inventarnummer", "Gerät", "Kategorie", "Heimatort", "Status", "Nächste Reservierung")
_ModelIndex = QModelIndex | QPersistentModelIndex


class PoolModel(QAbstractTableModel):
    """All devices of the pool, as read by ``list_devices``."""

    def __init__(self, parent: QWidget | None = None) -> None:
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
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(device, index.column(), self._today)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(device, index.column(), self._today)
        return None


def _display(device: DeviceListing, column: int, today: dt.date) -> str:
    if column == 0:
        return device.inventory_number
    if column == 1:
        return device.name
    if column == 2:
        return device.category
    if column == 3:
        return device.home_name
    if column == 4:
        return device_state(device.status, device.lent.end if device.lent else None, today)
    return _period(device.next) if device.next else ""


def _tooltip(device: DeviceListing, column: int, today: dt.date) -> str:
    if column == 4 and device.lent:
        return f"Ausgeliehen: {_period(device.lent)}"
    return _display(device, column, today)  # clipped cells show their full text


def _period(period: TownPeriod) -> str:
    """``03.12.–10.12.2026 · Trebur``."""
    text = period_text(period.start, period.end)
    return f"{text} · {period.town}" if period.town else text


class PoolPage(QWidget):
    """Device list with "Gerät anlegen …" and "Reservieren …"; loads when first shown."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._generation = 0
        self._loaded_once = False
        self._select_after_load: str | None = None
        self._note = ""  # what the last action did, shown once beside the count
        self.model = PoolModel(self)

        heading = QLabel("Geräteverleih")
        heading.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.summary = QLabel("Geräte werden geladen …")
        self.summary.setObjectName("poolSummary")
        self.add_button = QPushButton("Gerät anlegen …")
        self.add_button.setObjectName("addDevice")
        self.add_button.clicked.connect(self.add_device)
        self.book_button = QPushButton("Reservieren …")
        self.book_button.setObjectName("bookDevice")
        self.book_button.setEnabled(False)  # until a device is selected
        self.book_button.clicked.connect(self.book_selected)
        toolbar = QHBoxLayout()
        toolbar.addWidget(heading)
        toolbar.addStretch(1)
        toolbar.addWidget(self.add_button)
        toolbar.addWidget(self.book_button)

        self.table = self._build_table()
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("poolTable")
        table.setAccessibleName("Geräte im Pool")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        for column, sample in (  # room for the header or a typical value, whichever is wider
            (0, "KGG-KS-000"),
            (2, "Wärmebildkamera"),
            (3, "Ginsheim-Gustavsburg"),
            (4, "in Wartung, ausgeliehen bis 00.00.0000"),
            (5, "28.12.2026–04.01.2027 · Ginsheim-Gustavsburg"),
        ):
            wide = max(
                self.fontMetrics().horizontalAdvance(sample),
                header.fontMetrics().horizontalAdvance(COLUMNS[column]),
            )
            header.resizeSection(column, wide + 24)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        table.activated.connect(lambda _index: self.book_selected())  # double click or Enter
        return table

    # -- loading -----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        """Read the devices again in a worker (after a booking, later after a sync)."""
        self._generation += 1
        generation = self._generation
        today = dt.date.today()
        start_task(
            list_devices,
            self.workspace,
            today,
            on_done=lambda rows: self._loaded(generation, rows, today),
            on_error=self._failed,
        )

    def _loaded(self, generation: int, rows: list[DeviceListing], today: dt.date) -> None:
        if generation != self._generation:
            return  # a newer refresh is on its way
        selected = self.selected_device()
        keep = self._select_after_load or (selected.id if selected else None)
        self._select_after_load = None
        self.model.set_rows(rows, today)
        if rows:
            text = count_noun(len(rows), "Gerät", "Geräte") + " im gemeinsamen Pool"
            self.summary.setText(f"{text} · {self._note}" if self._note else text)
        else:
            self.summary.setText("Im Pool ist noch kein Gerät. Legen Sie das erste mit »Gerät anlegen …« an.")
        self._note = ""
        if keep is not None:
            self.select_device(keep)
        self._selection_changed()

    def _failed(self, _exc: BaseException) -> None:
        self.summary.setText(
            "Die Geräte konnten nicht gelesen werden. Bitte versuchen Sie es mit F5 erneut; "
            "Details stehen in der Protokolldatei."
        )

    # -- selection and actions ---------------------------------------------------------------------
    def selected_device(self) -> DeviceListing | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.device_at(rows[0].row()) if rows else None

    def select_device(self, device_id: str) -> None:
        row = self.model.row_of(device_id)
        if row is not None:
            self.table.selectRow(row)

    def _selection_changed(self) -> None:
        device = self.selected_device()
        self.book_button.setEnabled(device is not None)
        self.book_button.setToolTip("" if device else "Bitte wählen Sie zuerst ein Gerät in der Liste.")

    def add_device(self) -> QDialog:
        from .pool_dialogs import DeviceDialog

        dialog = DeviceDialog(self.workspace, self)
        dialog.done_with.connect(self._device_added)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def book_selected(self) -> QDialog | None:
        device = self.selected_device()
        if device is None:
            return None
        from .pool_dialogs import BookingDialog

        dialog = BookingDialog(self.workspace, device, self)
        dialog.done_with.connect(lambda _loan_id: self._booked(device))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _device_added(self, device_id: object) -> None:
        self._select_after_load = str(device_id)
        self._note = "Das Gerät wurde angelegt."
        self.refresh()

    def _booked(self, device: DeviceListing) -> None:
        self._select_after_load = device.id
        self._note = f"{device.inventory_number} wurde reserviert."
        self.refresh()
