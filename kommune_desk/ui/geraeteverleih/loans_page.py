"""All reservations and loans of the pool, with filters; cancel and renew the own town's ones.

The list is small (hundreds of rows at most), so the model holds what ``list_loans`` returned;
it is read in a worker when the page is first shown, on ``refresh()`` and when a filter that the
service applies (Gemeinde, Status) changes. The text filter only narrows what is already shown.
Borrower names are the own town's only: the service leaves other towns' names out (None), shown "—".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_date
from kommune_desk.domain.pool import LOAN_STATUS_LABELS, Booking, cancel_refusal, is_overdue
from kommune_desk.services.pool import LoanListing, cancel_loan, list_loans, renew_loan, towns
from kommune_desk.services.workspace import Workspace

from ..run import explain_failure
from ..workers import start_task
from .lazy_page import LazyPage
from .widgets import (
    LATE,
    MUTED,
    NO_NAME,
    RowsModel,
    action_button,
    ask,
    date_edit,
    load_failed,
    page_head,
    rows_table,
    select_row,
    selected_row,
    summary_label,
    to_date,
)

COLUMNS = ("Gerät", "Art", "Gemeinde", "Entleiher/in", "Von", "Bis", "Status", "Mahnstufe")
OPEN = ("reserviert", "ausgegeben")
STATUS_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("offen (reserviert oder ausgegeben)", OPEN),
    ("reserviert", ("reserviert",)),
    ("ausgegeben", ("ausgegeben",)),
    ("zurückgegeben", ("zurueckgegeben",)),
    ("storniert", ("storniert",)),
    ("alle", ()),
)
PROVISIONAL = "vorläufig"
PROVISIONAL_TIP = (
    "Vorläufig: noch nicht vom Server bestätigt. Nach dem nächsten Abgleich steht fest, ob es gilt."
)


def _booking(loan: LoanListing) -> Booking:
    return Booking(loan.loan_id, loan.device_id, loan.start, loan.end, loan.status, loan.municipality_id)


def status_text(loan: LoanListing, today: dt.date) -> str:
    """``reserviert``, ``ausgegeben, überfällig``, ``reserviert · vorläufig``."""
    text = LOAN_STATUS_LABELS.get(loan.status, loan.status)
    if is_overdue(_booking(loan), today):
        text += ", überfällig"
    return f"{text} · {PROVISIONAL}" if loan.provisional else text


def reminder_text(level: int) -> str:
    return f"{level}. Mahnung" if level else "—"


class LoansPage(LazyPage):
    """Reservations and loans of all partners; "Stornieren …" and "Verlängern …" for the own ones."""

    changed = Signal()  # a loan was cancelled or renewed (the section may refresh its other pages)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._towns_loaded = False
        self._today = dt.date.today()
        self._note = ""
        self._all: list[LoanListing] = []
        self.model: RowsModel[LoanListing] = RowsModel(
            COLUMNS, self._cell, self, tooltip=self._tip, foreground=self._colour
        )

        self.town_filter = QComboBox()
        self.town_filter.setObjectName("loansTown")
        self.town_filter.addItem("Alle Gemeinden", None)
        self.town_filter.setMinimumContentsLength(18)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("loansStatus")
        for label, statuses in STATUS_FILTERS:
            self.status_filter.addItem(label, statuses)
        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("loansText")
        self.text_filter.setPlaceholderText("Gerät, Inventarnummer oder Person …")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(lambda _text: self._apply_text_filter())
        self.town_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Gemeinde:"))
        filters.addWidget(self.town_filter)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Status:"))
        filters.addWidget(self.status_filter)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Suche:"))
        filters.addWidget(self.text_filter, 1)

        self.cancel_button = action_button("Stornieren …", "cancelLoan", self.cancel_selected)
        self.renew_button = action_button("Verlängern …", "renewLoan", self.renew_selected)
        top = page_head("Reservierungen und Ausleihen", self.renew_button, self.cancel_button)
        self.summary = summary_label("Reservierungen werden geladen …", "loansSummary")
        self.table = rows_table(
            self.model,
            "loansTable",
            "Reservierungen und Ausleihen im Pool",
            {  # typical values; the device (inventory number and name) takes the rest of the width
                1: "Wärmebildkamera",
                2: "Rüsselsheim am Main",
                3: "Maximilian Fischer",
                4: "00.00.0000",
                5: "00.00.0000",
                6: "ausgegeben, überfällig",
                7: "2. Mahnung",
            },
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    # -- cells -------------------------------------------------------------------------------------
    def _cell(self, loan: LoanListing, column: int) -> str:
        if column == 0:
            return f"{loan.inventory_number} · {loan.device_name}"
        if column == 1:
            return loan.category
        if column == 2:
            return loan.town
        if column == 3:
            return loan.borrower if loan.borrower is not None else NO_NAME
        if column == 4:
            return format_date(loan.start)
        if column == 5:
            return format_date(loan.end)
        if column == 6:
            return status_text(loan, self._today)
        return reminder_text(loan.reminders)

    def _tip(self, loan: LoanListing, column: int) -> str | None:
        if column == 3 and loan.borrower is None:
            return "Die Person kennt nur die Gemeinde, die verliehen hat."
        if column == 6 and loan.provisional:
            return PROVISIONAL_TIP
        return None

    def _colour(self, loan: LoanListing, column: int) -> QBrush | None:
        if column == 6 and is_overdue(_booking(loan), self._today):
            return LATE
        if loan.status in ("storniert", "zurueckgegeben") or (column == 3 and loan.borrower is None):
            return MUTED
        return None

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the loans again (with the service's filters) in a worker."""
        generation = self.next_generation()
        today = dt.date.today()
        statuses = self.status_filter.currentData() or ()
        town = self.town_filter.currentData()
        with_towns = not self._towns_loaded
        start_task(
            _read,
            self.workspace,
            tuple(statuses),
            town,
            with_towns,
            on_done=lambda result: self._loaded(generation, result, today),
            on_error=self._failed,
            owner=self,
        )

    def _loaded(
        self, generation: int, result: tuple[list[LoanListing], list[Any] | None], today: dt.date
    ) -> None:
        if not self.is_current(generation):
            return
        rows, partners = result
        if partners is not None and not self._towns_loaded:
            self._towns_loaded = True
            self.town_filter.blockSignals(True)
            for partner in partners:
                self.town_filter.addItem(partner.name, partner.id)
            self.town_filter.blockSignals(False)
        self._today = today
        self._all = rows
        self._apply_text_filter()

    def _apply_text_filter(self) -> None:
        selected = self.selected_loan()
        words = self.text_filter.text().casefold().split()
        rows = [r for r in self._all if all(w in _haystack(r) for w in words)]
        if tuple(self.status_filter.currentData() or ()) == OPEN:
            rows.sort(key=lambda r: (r.start, r.inventory_number))  # what is due next first
        self.model.set_rows(rows)
        if not self._all:
            text = "Keine Reservierungen oder Ausleihen mit diesen Filtern."
        elif len(rows) == len(self._all):
            text = count_noun(len(rows), "Eintrag", "Einträge")
        else:
            text = f"{len(rows)} von {count_noun(len(self._all), 'Eintrag', 'Einträgen')} passen zur Suche."
        self.summary.setText(f"{text} · {self._note}" if self._note else text)
        self._note = ""
        if selected is not None:
            self.select_loan(selected.loan_id)
        self._selection_changed()

    def _failed(self, _exc: BaseException) -> None:
        self.summary.setText(load_failed("Die Reservierungen konnten"))

    # -- selection and actions ---------------------------------------------------------------------
    def selected_loan(self) -> LoanListing | None:
        return selected_row(self.table, self.model)

    def select_loan(self, loan_id: str) -> None:
        select_row(self.table, self.model, lambda loan: loan.loan_id == loan_id)

    def _selection_changed(self) -> None:
        loan = self.selected_loan()
        if loan is None:
            why = "Bitte wählen Sie zuerst eine Reservierung in der Liste."
            for button in (self.cancel_button, self.renew_button):
                button.setEnabled(False)
                button.setToolTip(why)
            return
        refusal = cancel_refusal(_booking(loan), self.workspace.municipality.id)
        if loan.status == "storniert":
            refusal = "Diese Reservierung ist bereits storniert."
        self.cancel_button.setEnabled(refusal is None)
        self.cancel_button.setToolTip(refusal or "Die Reservierung stornieren; die Tage werden wieder frei.")
        open_ = loan.status in OPEN
        self.renew_button.setEnabled(open_)
        self.renew_button.setToolTip(
            "Das Ende der Reservierung oder Ausleihe verschieben."
            if open_
            else "Verlängern lassen sich nur Reservierungen und laufende Ausleihen."
        )

    def cancel_selected(self, confirm: bool = True) -> None:
        loan = self.selected_loan()
        if loan is None:
            return
        question = (
            f"Die Reservierung von {loan.inventory_number} ({loan.device_name}) für "
            f"{format_date(loan.start)} bis {format_date(loan.end)} stornieren?\n\n"
            "Die Tage werden wieder frei; wartet jemand auf diese Geräteart, wird ihm das Gerät angeboten."
        )
        if confirm and not ask(self, "Reservierung stornieren", question, "Stornieren"):
            return
        self._run(
            cancel_loan, loan.loan_id, dt.date.today(), note=f"{loan.inventory_number} wurde storniert."
        )

    def renew_selected(self, new_end: dt.date | None = None) -> QDialog | None:
        """Ask for the new last day (or take ``new_end``) and renew in a worker."""
        loan = self.selected_loan()
        if loan is None:
            return None
        if new_end is not None:
            self._renew(loan, new_end)
            return None
        dialog = RenewDialog(loan, self)
        dialog.chosen.connect(lambda day: self._renew(loan, day))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _renew(self, loan: LoanListing, new_end: dt.date) -> None:
        note = f"{loan.inventory_number} ist jetzt bis {format_date(new_end)} gebucht."
        self._run(renew_loan, loan.loan_id, new_end, dt.date.today(), note=note)

    def _run(self, fn: Callable[..., Any], *args: Any, note: str) -> None:
        self.cancel_button.setEnabled(False)
        self.renew_button.setEnabled(False)

        def done(_result: object) -> None:
            self._note = note
            self.changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._selection_changed()
            explain_failure(self, exc)

        start_task(fn, self.workspace, *args, on_done=done, on_error=failed, owner=self)


def _read(
    ws: Workspace, statuses: tuple[str, ...], town: str | None, with_towns: bool
) -> tuple[list, list | None]:
    rows = list_loans(ws, statuses=statuses, municipality_id=town)
    return rows, (towns(ws) if with_towns else None)


def _haystack(loan: LoanListing) -> str:
    return " ".join((loan.inventory_number, loan.device_name, loan.category, loan.borrower or "")).casefold()


class RenewDialog(QDialog):
    """The new last day of a reservation or loan; ``chosen(date)`` on "Verlängern"."""

    chosen = Signal(object)

    def __init__(self, loan: LoanListing, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Verlängern")
        self.setMinimumWidth(420)
        self.end = date_edit(loan.end + dt.timedelta(days=7), "renewEnd")
        self.end.setMinimumDate(QDate(loan.end.year, loan.end.month, loan.end.day).addDays(1))
        form = QFormLayout()
        form.addRow("Gerät:", QLabel(f"{loan.inventory_number} · {loan.device_name}"))
        form.addRow("Bisher bis:", QLabel(format_date(loan.end)))
        form.addRow("Neu bis:", self.end)
        hint = QLabel(
            "Ob verlängert werden kann (Leihbedingungen, folgende Reservierungen, Warteliste), "
            "prüft der Pool."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        confirm = buttons.addButton("Verlängern", QDialogButtonBox.ButtonRole.AcceptRole)
        confirm.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.chosen.emit(to_date(self.end.date()))
        super().accept()
