"""Small questions the case view asks before it calls a service (choices, dates, amounts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QWidget,
)

from kommune_desk.domain.formatting import format_amount
from kommune_desk.domain.payments import COUNTER_METHODS, PaymentMethod

T = TypeVar("T")


def choose(parent: QWidget, title: str, label: str, options: Sequence[tuple[str, T]]) -> T | None:
    """One of ``options`` (label, value), or None when the clerk cancels."""
    labels = [text for text, _ in options]
    text, ok = QInputDialog.getItem(parent, title, label, labels, 0, False)
    if not ok or text not in labels:
        return None
    return options[labels.index(text)][1]


def ask_text(parent: QWidget, title: str, label: str) -> str | None:
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return text if ok else None


def _date_edit(value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd.MM.yyyy")
    return edit


def _to_date(edit: QDateEdit) -> dt.date:
    value = edit.date()
    return dt.date(value.year(), value.month(), value.day())


class FollowUpDialog(QDialog):
    """Wiedervorlage: a date and a note; "Entfernen" clears it."""

    def __init__(self, parent: QWidget, on: dt.date | None, note: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Wiedervorlage")
        self.removed = False
        self.date_edit = _date_edit(on or dt.date.today() + dt.timedelta(days=7))
        self.note_edit = QLineEdit(note)
        self.note_edit.setMaxLength(500)
        self.note_edit.setPlaceholderText("z. B. Rückruf Antragstellerin, Unterlagen prüfen")
        form = QFormLayout(self)
        form.addRow("Wiedervorlage am:", self.date_edit)
        form.addRow("Notiz:", self.note_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        remove = buttons.addButton("Wiedervorlage entfernen", QDialogButtonBox.ButtonRole.DestructiveRole)
        remove.setEnabled(on is not None)
        remove.clicked.connect(self._remove)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _remove(self) -> None:
        self.removed = True
        self.accept()

    def chosen(self) -> tuple[dt.date | None, str]:
        return (None, "") if self.removed else (_to_date(self.date_edit), self.note_edit.text())


class PaymentDialog(QDialog):
    """A payment at the counter or a transfer that arrived."""

    def __init__(self, parent: QWidget, fee_cents: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("Zahlung erfassen")
        self.method = QComboBox()
        for method in COUNTER_METHODS:
            self.method.addItem(method.label, method.value)  # Qt would turn the StrEnum into a str
        self.amount = QDoubleSpinBox()
        self.amount.setLocale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        self.amount.setRange(0, 100_000)
        self.amount.setDecimals(2)
        self.amount.setSuffix(" €")
        self.amount.setValue(fee_cents / 100)
        self.paid_on = _date_edit(dt.date.today())
        form = QFormLayout(self)
        form.addRow("Zahlart:", self.method)
        form.addRow("Betrag:", self.amount)
        form.addRow("Bezahlt am:", self.paid_on)
        if fee_cents:
            self.amount.setToolTip(f"Festgesetzte Gebühr: {format_amount(fee_cents)}")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> tuple[PaymentMethod, int, dt.date]:
        return (
            PaymentMethod(self.method.currentData()),
            round(self.amount.value() * 100),
            _to_date(self.paid_on),
        )
