"""Dialogs of the Geräteverleih: a new device, a reservation.

Each hands what the clerk entered to a service in a worker; a refusal is shown inside the dialog,
which stays open with the input so the clerk can correct it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.pool import period_text
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.pool import DeviceListing, book_device, device_bookings, register_device
from kommune_desk.services.workspace import Workspace

from .errors import problem_label
from .run import explain_failure
from .workers import start_task

DEFAULT_LOAN_DAYS = 7  # a week: the usual length of a thermography round
MAX_TAKEN_LINES = 8  # the dialog stays on screen; the list shows the rest


class _ServiceDialog(QDialog):
    """A form whose confirm button runs ``_submit()`` in a worker; ``done_with(result)`` on success."""

    done_with = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, confirm_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._confirm_text = confirm_text
        self._working = False
        self.form = QFormLayout()
        self.problems = problem_label("poolProblems")
        self.problems.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.addButton(confirm_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setDefault(True)
        self.buttons.accepted.connect(self.check_and_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        raise NotImplementedError

    def check_and_accept(self) -> None:
        fn, args = self._call()
        self._busy(True)
        start_task(fn, *args, on_done=self._done, on_error=self._failed)

    def _done(self, result: object) -> None:
        self._busy(False)
        self.done_with.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError):
            self.problems.setText("\n".join(exc.messages))
            self.problems.show()
            self.adjustSize()  # room for the message; the other rows keep their height
        else:
            explain_failure(self, exc)

    def reject(self) -> None:
        if self._working:
            return  # the service is already at work; its answer must reach an open dialog
        super().reject()

    def _busy(self, busy: bool) -> None:
        self._working = busy
        self.buttons.setEnabled(not busy)
        self.confirm.setText("Bitte warten …" if busy else self._confirm_text)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)


def _line(placeholder: str, name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(200)
    edit.setObjectName(name)
    return edit


class DeviceDialog(_ServiceDialog):
    """A new device of this town for the pool; ``done_with(device_id)``."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Gerät anlegen", "Gerät anlegen")
        self.workspace = workspace
        self.inventory_number = _line("z. B. KGG-KS-025", "deviceNumber")
        self.name = _line("z. B. Wärmebildkamera FLIR E8 Pro", "deviceName")
        self.category = _line("z. B. Wärmebildkamera", "deviceCategory")
        self.serial_number = _line("freiwillig", "deviceSerial")
        home = QLabel(f"{workspace.municipality.name} (Ihre Gemeinde)")
        self.form.addRow("Inventarnummer:", self.inventory_number)
        self.form.addRow("Bezeichnung:", self.name)
        self.form.addRow("Kategorie:", self.category)
        self.form.addRow("Seriennummer:", self.serial_number)
        self.form.addRow("Heimatort:", home)

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        values = (
            self.inventory_number.text(),
            self.name.text(),
            self.category.text(),
            self.serial_number.text(),
        )
        return register_device, (self.workspace, *values)


class BookingDialog(_ServiceDialog):
    """Reserve ``device`` for this town; ``done_with(loan_id)``. Shows the days already taken."""

    def __init__(self, workspace: Workspace, device: DeviceListing, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Gerät reservieren", "Reservieren")
        self.workspace = workspace
        self.device = device
        today = dt.date.today()
        title = QLabel(f"<b>{device.inventory_number}</b> · {device.name}")
        title.setTextFormat(Qt.TextFormat.RichText)
        self.taken = QLabel("Belegte Zeiträume werden geladen …")
        self.taken.setObjectName("bookingTaken")
        self.taken.setTextFormat(Qt.TextFormat.PlainText)
        self.taken.setStyleSheet("color: #555;")
        self.start = _date_edit(today, "bookingStart")
        self.end = _date_edit(today + dt.timedelta(days=DEFAULT_LOAN_DAYS - 1), "bookingEnd")
        self.start.dateChanged.connect(self._start_moved)
        self.borrower = _line("Name der ausleihenden Person", "bookingBorrower")
        self.contact = _line("Telefon oder E-Mail (freiwillig)", "bookingContact")
        period = QLabel("Die Tage »von« und »bis« gehören beide zur Ausleihe.")
        period.setStyleSheet("color: #555;")
        self.form.addRow("Gerät:", title)
        self.form.addRow("Belegt:", self.taken)
        self.form.addRow("Von:", self.start)
        self.form.addRow("Bis:", self.end)
        self.form.addRow("", period)
        self.form.addRow("Ausleihende Person:", self.borrower)
        self.form.addRow("Kontakt:", self.contact)
        start_task(
            device_bookings, workspace, device.id, on_done=self._show_taken, on_error=self._taken_failed
        )

    def _start_moved(self, start: QDate) -> None:
        if self.end.date() < start:  # keep the period the right way round while the clerk types
            self.end.setDate(start)

    def _show_taken(self, bookings: list[Any]) -> None:
        today = dt.date.today()
        periods = [period_text(b.start, b.end) for b in bookings if b.end >= today]
        if len(periods) > MAX_TAKEN_LINES:
            periods = [*periods[: MAX_TAKEN_LINES - 1], f"… und {len(periods) - MAX_TAKEN_LINES + 1} weitere"]
        self.taken.setText("\n".join(periods) if periods else "Zurzeit ist nichts reserviert.")
        self.adjustSize()

    def _taken_failed(self, _exc: BaseException) -> None:
        self.taken.setText("Die belegten Zeiträume konnten nicht gelesen werden.")

    def period(self) -> tuple[dt.date, dt.date]:
        return _to_date(self.start.date()), _to_date(self.end.date())

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        start, end = self.period()
        args = (self.workspace, self.device.id, start, end, self.borrower.text(), self.contact.text())
        return book_device, args


def _date_edit(value: dt.date, name: str) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setObjectName(name)
    return edit


def _to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())
