"""One device of the pool: register data, loan policy, loans, maintenance log and moves.

Read in a worker (``device_detail``); the changes (status, maintenance, location) are services
run by small dialogs. Who may change the device is the service's answer (``may_change``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_amount, format_date
from kommune_desk.domain.pool import DEVICE_STATUS_LABELS, LOAN_STATUS_LABELS, period_text
from kommune_desk.domain.pool_policy import LoanPolicy
from kommune_desk.services import pool as pool_service
from kommune_desk.services.pool import DeviceDetail, DeviceListing, Town, TownPeriod
from kommune_desk.services.workspace import Workspace

from ..run import explain_failure
from ..workers import start_task
from .devices_page import OVERDUE_STYLE, device_state_text, is_overdue, unavailable_reason
from .dialogs import ServiceDialog, amount_edit, cents_of, date_edit, hint, line, to_date


def _table(headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(r, c, item)


class DeviceDetailDialog(QDialog):
    """The device card. ``changed`` after a write; ``action_requested`` asks the register to
    "book", "handover", "return" or show the device's "calendar"."""

    changed = Signal()
    action_requested = Signal(str)

    def __init__(self, workspace: Workspace, device_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.device_id = device_id
        self.detail: DeviceDetail | None = None
        self.setWindowTitle("Gerät")
        self.resize(860, 560)  # fits 1280×720 with the title bar and the task bar
        self.heading = QLabel("Gerät wird geladen …")
        self.heading.setObjectName("deviceHeading")
        self.heading.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label = QLabel()
        self.status_label.setObjectName("deviceStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)

        self.tabs = QTabWidget()
        self.register_form = QFormLayout()
        register = QWidget()
        register.setLayout(self.register_form)
        self.loans = _table(("Zeitraum", "Kommune", "Entleiher", "Status"), "deviceLoans")
        self.maintenance = _table(
            ("Datum", "Was", "Kosten", "Nächste Fälligkeit", "Kommune"), "deviceMaintenance"
        )
        self.transfers = _table(("Datum", "Von", "Nach", "Grund"), "deviceTransfers")
        self.maintenance_button = QPushButton("Wartung erfassen …")
        self.maintenance_button.setObjectName("addMaintenance")
        self.maintenance_button.clicked.connect(self.add_maintenance)
        self.transfer_button = QPushButton("Standort ändern …")
        self.transfer_button.setObjectName("transferDevice")
        self.transfer_button.clicked.connect(self.transfer)
        self.tabs.addTab(register, "Stammdaten")
        self.tabs.addTab(self.loans, "Ausleihen")
        self.tabs.addTab(_with_button(self.maintenance, self.maintenance_button), "Wartung")
        self.tabs.addTab(_with_button(self.transfers, self.transfer_button), "Standort")

        self.status_button = QPushButton("Status ändern …")
        self.status_button.setObjectName("changeStatus")
        self.status_button.clicked.connect(self.change_status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        buttons.rejected.connect(self.reject)
        self.action_buttons: dict[str, QPushButton] = {}
        for action, text in (
            ("book", "Reservieren …"),
            ("handover", "Ausgeben …"),
            ("return", "Zurücknehmen …"),
            ("calendar", "Im Kalender"),
        ):
            button = QPushButton(text)
            button.setObjectName(f"detail_{action}")
            button.clicked.connect(lambda _=False, a=action: self.action_requested.emit(a))
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            self.action_buttons[action] = button
        buttons.addButton(self.status_button, QDialogButtonBox.ButtonRole.ActionRole)
        for button in (*self.action_buttons.values(), self.status_button):
            button.setEnabled(False)
        self.action_buttons["calendar"].setEnabled(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status_label)  # a line of its own: a town and a date need the room
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        start_task(
            pool_service.device_detail,
            self.workspace,
            self.device_id,
            on_done=self._loaded,
            on_error=lambda exc: explain_failure(self, exc),
            owner=self,
        )

    def _loaded(self, detail: DeviceDetail | None) -> None:
        if detail is None:
            self.heading.setText("Dieses Gerät gibt es im Pool nicht (mehr).")
            return
        self.detail = detail
        d, policy = detail.device, detail.policy
        self.setWindowTitle(f"Gerät {d.inventory_number}")
        self.heading.setText(f"{d.inventory_number} · {d.name}")
        today = dt.date.today()
        listing = listing_of(detail, today)
        self.status_label.setText(f"Status: {device_state_text(listing, today)}")
        self.status_label.setStyleSheet(OVERDUE_STYLE if is_overdue(listing, today) else "")
        while self.register_form.rowCount():
            self.register_form.removeRow(0)
        rows = (
            ("Geräteart", d.category),
            ("Hersteller / Modell", " ".join(v for v in (d.make, d.model) if v)),
            ("Seriennummer", d.serial_number),
            ("Zubehör", ", ".join(d.accessories) or "keines"),
            ("Zustand", d.condition),
            (
                "Wiederbeschaffungswert",
                format_amount(d.replacement_value_cents) if d.replacement_value_cents else "",
            ),
            ("Eigentümer", d.home_name),
            ("Heimatstandort", d.base_name),
            ("Standort jetzt", d.location_name),
            ("Leihdauer", loan_terms_text(policy)),
            ("Kaution", format_amount(policy.deposit_cents) if policy.deposit_cents else "keine Kaution"),
            ("Abholfrist", count_noun(policy.pickup_days, "Tag", "Tage")),
            ("Notizen", d.notes),
        )
        for label, value in rows:
            text = QLabel(value or "–")
            text.setTextFormat(Qt.TextFormat.PlainText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.register_form.addRow(f"{label}:", text)
        _fill(
            self.loans,
            [
                (
                    period_text(x.start, x.end),
                    x.town,
                    x.borrower or "–",
                    LOAN_STATUS_LABELS.get(x.status, x.status),
                )
                for x in detail.loans
            ],
        )
        _fill(
            self.maintenance,
            [
                (
                    format_date(m.done_on),
                    m.what,
                    format_amount(m.cost_cents) if m.cost_cents else "",
                    format_date(m.next_due) if m.next_due else "",
                    m.town,
                )
                for m in detail.maintenance
            ],
        )
        _fill(
            self.transfers,
            [(format_date(t.moved_on), t.from_town, t.to_town, t.reason) for t in detail.transfers],
        )
        refusal = "" if detail.may_change else "Ändern können nur die Eigentümerin und die Poolverwaltung."
        for button in (self.status_button, self.maintenance_button):
            button.setEnabled(detail.may_change)
            button.setToolTip(refusal)
        self.transfer_button.setEnabled(True)  # the service also lets the town where it stands move it
        unavailable = unavailable_reason(listing)
        for action in ("book", "handover"):
            self.action_buttons[action].setEnabled(unavailable is None)
            self.action_buttons[action].setToolTip(unavailable or "")
        if unavailable is None and listing.lent is not None:
            self.action_buttons["handover"].setEnabled(False)
            self.action_buttons["handover"].setToolTip("Das Gerät ist zurzeit verliehen.")
        self.action_buttons["return"].setEnabled(listing.lent is not None)
        self.action_buttons["return"].setToolTip(
            "" if listing.lent else "Das Gerät ist zurzeit nicht verliehen."
        )
        self.action_buttons["calendar"].setEnabled(True)

    # -- changes ---------------------------------------------------------------------------------
    def _sub(self, dialog: ServiceDialog) -> ServiceDialog:
        dialog.done_with.connect(lambda _r: (self.changed.emit(), self.reload()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.sub_dialog = dialog
        return dialog

    def add_maintenance(self) -> ServiceDialog:
        return self._sub(MaintenanceDialog(self.workspace, self.device_id, self))

    def transfer(self) -> ServiceDialog:
        current = self.detail.device.location_municipality_id if self.detail else ""
        return self._sub(TransferDialog(self.workspace, self.device_id, current, self))

    def change_status(self) -> ServiceDialog:
        current = self.detail.device.status if self.detail else "verfuegbar"
        return self._sub(StatusDialog(self.workspace, self.device_id, current, self))


def listing_of(detail: DeviceDetail, today: dt.date) -> DeviceListing:
    """The device as a line of the register (running loan, next reservation), so the card says
    what the list says."""
    d = detail.device
    lent = next((x for x in detail.loans if x.status == "ausgegeben"), None)
    upcoming = sorted(
        (x for x in detail.loans if x.status == "reserviert" and x.end >= today), key=lambda x: x.start
    )
    return DeviceListing(
        id=d.id,
        inventory_number=d.inventory_number,
        name=d.name,
        category=d.category,
        serial_number=d.serial_number,
        status=d.status,
        home_name=d.home_name,
        lent=TownPeriod(lent.start, lent.end, lent.town) if lent else None,
        next=TownPeriod(upcoming[0].start, upcoming[0].end, upcoming[0].town) if upcoming else None,
        location_name=d.location_name,
        home_municipality_id=d.home_municipality_id,
    )


def loan_terms_text(policy: LoanPolicy) -> str:
    """``7 Tage, höchstens einmal verlängerbar``; ``1 Tag, nicht verlängerbar``."""
    days = count_noun(policy.loan_days, "Tag", "Tage")
    if policy.max_renewals <= 0:
        return f"{days}, nicht verlängerbar"
    times = "einmal" if policy.max_renewals == 1 else f"{policy.max_renewals}-mal"
    return f"{days}, höchstens {times} verlängerbar"


def _with_button(table: QTableWidget, button: QPushButton) -> QWidget:
    widget = QWidget()
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 6, 0, 0)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    layout.addWidget(table, 1)
    layout.addLayout(row)
    return widget


class MaintenanceDialog(ServiceDialog):
    """Log a calibration, repair or check with its cost and the next due date."""

    def __init__(self, workspace: Workspace, device_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Wartung erfassen", "Wartung erfassen")
        self.workspace = workspace
        self.device_id = device_id
        today = dt.date.today()
        self.what = line("z. B. Kalibrierung, Akku getauscht", "maintenanceWhat", 300)
        self.done_on = date_edit(today, "maintenanceDone")
        self.cost = amount_edit(0, "maintenanceCost")
        self.has_next = QCheckBox("Nächste Fälligkeit:")
        self.next_due = date_edit(
            today.replace(year=today.year + 1)
            if (today.month, today.day) != (2, 29)
            else today + dt.timedelta(days=365),
            "maintenanceNext",
        )
        self.next_due.setEnabled(False)
        self.has_next.toggled.connect(self.next_due.setEnabled)
        self.form.addRow("Was wurde gemacht:", self.what)
        self.form.addRow("Am:", self.done_on)
        self.form.addRow("Kosten:", self.cost)
        self.form.addRow(self.has_next, self.next_due)

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        next_due = to_date(self.next_due.date()) if self.has_next.isChecked() else None
        args = (
            self.workspace,
            self.device_id,
            self.what.text(),
            to_date(self.done_on.date()),
            cents_of(self.cost),
            next_due,
        )
        return pool_service.add_maintenance, args, {}


class TransferDialog(ServiceDialog):
    """Move the device to another partner's Rathaus."""

    def __init__(
        self, workspace: Workspace, device_id: str, current: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, "Standort ändern", "Standort ändern")
        self.workspace = workspace
        self.device_id = device_id
        self.current = current
        self.town = QComboBox()
        self.town.setObjectName("transferTown")
        self.town.addItem("Kommunen werden geladen …", None)
        self.reason = line("z. B. für die Thermografie-Aktion im Januar", "transferReason", 300)
        self.form.addRow("Neuer Standort:", self.town)
        self.form.addRow("Grund:", self.reason)
        self.confirm.setEnabled(False)
        start_task(pool_service.towns, workspace, on_done=self._towns, owner=self)

    def _towns(self, towns: list[Town]) -> None:
        self.town.clear()
        for town in towns:
            if town.id != self.current:
                self.town.addItem(town.name, town.id)
        self.confirm.setEnabled(self.town.count() > 0)

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        return (
            pool_service.transfer_device,
            (self.workspace, self.device_id, self.town.currentData(), self.reason.text()),
            {},
        )


class StatusDialog(ServiceDialog):
    """Wartung, vermisst, ausgemustert, or available again, with a reason for the log."""

    def __init__(
        self, workspace: Workspace, device_id: str, current: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, "Status ändern", "Status ändern")
        self.workspace = workspace
        self.device_id = device_id
        self.status = QComboBox()
        self.status.setObjectName("newStatus")
        for value, label in DEVICE_STATUS_LABELS.items():
            self.status.addItem(label, value)
        self.status.setCurrentIndex(max(0, self.status.findData(current)))
        self.reason = line("z. B. Display defekt, zur Reparatur beim Hersteller", "statusReason", 300)
        self.form.addRow("Neuer Status:", self.status)
        self.form.addRow("Grund:", self.reason)
        self.form.addRow(
            "", hint("Ein Gerät in Wartung, vermisst oder ausgemustert kann nicht reserviert werden.")
        )

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        return (
            pool_service.set_device_status,
            (self.workspace, self.device_id, self.status.currentData(), self.reason.text()),
            {},
        )
