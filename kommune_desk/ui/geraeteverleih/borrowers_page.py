"""The Entleiher tab: the town's borrowers; search, edit, block with a reason, their loans.

A borrower is the town's own personal data (never an ID number). Every read and write runs in a
worker through ``services.borrowers``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.pool import LOAN_STATUS_LABELS, period_text
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services import borrowers as borrower_service
from kommune_desk.services.borrowers import KINDS, Borrower
from kommune_desk.services.pool import LoanListing
from kommune_desk.services.workspace import Workspace

from ..errors import problem_label
from ..run import explain_failure
from ..workers import start_task
from .dialogs import date_edit, line, to_date
from .lazy_page import LazyPage

SEARCH_DELAY_MS = 250
LIST_LIMIT = 200


class BorrowersPage(LazyPage):
    """Search on the left, the chosen person's data, block and history on the right."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.borrowers: list[Borrower] = []
        self.current: Borrower | None = None
        self._select_after: str | None = None

        self.search = QLineEdit()
        self.search.setObjectName("borrowerSearch")
        self.search.setPlaceholderText("Name, Straße, Telefon oder E-Mail suchen")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.new_button = QPushButton("Neue Person …")
        self.new_button.setObjectName("newBorrower")
        self.new_button.clicked.connect(self.new_borrower)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("borrowerTable")
        self.table.setHorizontalHeaderLabels(["Name", "Art", "Gesperrt"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, 110)
        header.resizeSection(2, 140)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.count = QLabel("Personen werden geladen …")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        left_layout.addLayout(top)
        left_layout.addWidget(self.count)
        left_layout.addWidget(self.table, 1)

        self.kind = QComboBox()
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.name = line("Vor- und Nachname oder Verein", "borrowerName")
        self.street = line("Straße und Hausnummer", "borrowerStreet")
        self.postal_code = line("PLZ", "borrowerPostal", 10)
        self.postal_code.setMaximumWidth(80)
        self.city = line("Ort", "borrowerCity")
        place = QHBoxLayout()
        place.addWidget(self.postal_code)
        place.addWidget(self.city, 1)
        self.phone = line("Telefon", "borrowerPhone")
        self.email = line("E-Mail", "borrowerEmail")
        self.privacy = QCheckBox("Datenschutzhinweis ausgehändigt am")
        self.privacy_on = date_edit(dt.date.today(), "privacyOn")
        self.privacy.toggled.connect(self.privacy_on.setEnabled)
        self.blocked = QLabel()
        self.blocked.setObjectName("borrowerBlocked")
        self.blocked.setWordWrap(True)
        self.blocked.setTextFormat(Qt.TextFormat.PlainText)
        self.blocked.setStyleSheet("color: #a40000; font-weight: 600;")
        self.problems = problem_label("borrowerProblems")
        self.problems.hide()
        self.save_button = QPushButton("Speichern")
        self.save_button.setObjectName("saveBorrower")
        self.save_button.clicked.connect(self.save)
        self.block_button = QPushButton("Sperren …")
        self.block_button.setObjectName("blockBorrower")
        self.block_button.clicked.connect(self.toggle_block)
        form_box = QGroupBox("Person")
        form = QFormLayout(form_box)
        form.addRow("Art:", self.kind)
        form.addRow("Name:", self.name)
        form.addRow("Straße:", self.street)
        form.addRow("PLZ, Ort:", place)
        form.addRow("Telefon:", self.phone)
        form.addRow("E-Mail:", self.email)
        form.addRow(self.privacy, self.privacy_on)
        form.addRow(self.blocked)
        form.addRow(self.problems)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.block_button)
        actions.addWidget(self.save_button)
        form.addRow(actions)
        self.history = QTableWidget(0, 4)
        self.history.setObjectName("borrowerHistory")
        self.history.setHorizontalHeaderLabels(["Zeitraum", "Gerät", "Inventarnummer", "Status"])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().setVisible(False)
        self.history.setWordWrap(False)
        self.history.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.history.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        history_box = QGroupBox("Ausleihen dieser Person")
        QVBoxLayout(history_box).addWidget(self.history)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(form_box)
        right_layout.addWidget(history_box, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self._show_person(None)

    # -- list ----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        generation = self.next_generation()
        start_task(
            borrower_service.search_borrowers,
            self.workspace,
            self.search.text(),
            LIST_LIMIT,
            on_done=lambda rows: self._listed(generation, rows),
            on_error=lambda e: explain_failure(self, e),
            owner=self,
        )

    def _listed(self, generation: int, rows: list[Borrower]) -> None:
        if not self.is_current(generation):
            return
        keep = self._select_after or (self.current.id if self.current else None)
        self._select_after = None
        rows = sorted(rows, key=_family_name_key)
        self.borrowers = rows
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, b in enumerate(rows):
            for c, text in enumerate((b.name, KINDS.get(b.kind, b.kind), b.blocked_reason or "")):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if b.blocked_reason:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        more = " (die ersten 200; bitte genauer suchen)" if len(rows) >= LIST_LIMIT else ""
        self.count.setText(f"{len(rows)} {'Person' if len(rows) == 1 else 'Personen'}{more}")
        row = next((i for i, b in enumerate(rows) if b.id == keep), None)
        if row is not None:
            self.table.selectRow(row)
            self._chosen()
        else:
            self.table.clearSelection()
            self._show_person(None)

    def select_borrower(self, borrower_id: str) -> None:
        row = next((i for i, b in enumerate(self.borrowers) if b.id == borrower_id), None)
        if row is not None:
            self.table.selectRow(row)

    def _chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        person = self.borrowers[rows[0].row()] if rows else None
        self._show_person(person)

    def _show_person(self, b: Borrower | None) -> None:
        self.current = b
        self.problems.hide()
        for widget in (
            self.kind,
            self.name,
            self.street,
            self.postal_code,
            self.city,
            self.phone,
            self.email,
            self.privacy,
            self.save_button,
            self.block_button,
        ):
            widget.setEnabled(b is not None)
        self.kind.setCurrentIndex(max(0, self.kind.findData(b.kind if b else "buerger")))
        for edit, value in (
            (self.name, b.name if b else ""),
            (self.street, b.street if b else ""),
            (self.postal_code, b.postal_code if b else ""),
            (self.city, b.city if b else ""),
            (self.phone, b.phone if b else ""),
            (self.email, b.email if b else ""),
        ):
            edit.setText(value)
        ack = b.privacy_ack_on if b else None
        self.privacy.setChecked(ack is not None)
        self.privacy_on.setEnabled(ack is not None)
        if ack is not None:
            self.privacy_on.setDate(QDate(ack.year, ack.month, ack.day))
        blocked = b.blocked_reason if b else None
        self.blocked.setText(f"Gesperrt: {blocked}" if blocked else "")
        self.blocked.setVisible(bool(blocked))
        self.block_button.setText("Sperre aufheben" if blocked else "Sperren …")
        self.history.setRowCount(0)
        if b is not None:
            start_task(
                borrower_service.borrower_history,
                self.workspace,
                b.id,
                on_done=lambda loans: self._history(b.id, loans),
                owner=self,
            )

    def _history(self, borrower_id: str, loans: list[LoanListing]) -> None:
        if self.current is None or self.current.id != borrower_id:
            return
        self.history.setRowCount(len(loans))
        for r, loan in enumerate(loans):
            values = (
                period_text(loan.start, loan.end),
                loan.device_name,
                loan.inventory_number,
                LOAN_STATUS_LABELS.get(loan.status, loan.status),
            )
            for c, text in enumerate(values):
                self.history.setItem(r, c, QTableWidgetItem(text))

    # -- changes ---------------------------------------------------------------------------------------
    def entered(self) -> Borrower | None:
        if self.current is None:
            return None
        return dataclasses.replace(
            self.current,
            kind=self.kind.currentData(),
            name=self.name.text(),
            street=self.street.text(),
            postal_code=self.postal_code.text(),
            city=self.city.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            privacy_ack_on=to_date(self.privacy_on.date()) if self.privacy.isChecked() else None,
        )

    def save(self) -> None:
        person = self.entered()
        if person is None:
            return
        self._run(borrower_service.update_borrower, person, select=person.id)

    def new_borrower(self) -> None:
        name, ok = QInputDialog.getText(self, "Neue Person", "Name der Person oder des Vereins:")
        if not ok or not name.strip():
            return
        self._run(borrower_service.create_borrower, Borrower("", "buerger", name), select=None, created=True)

    def toggle_block(self) -> None:
        person = self.current
        if person is None:
            return
        if person.blocked_reason:
            self._run(borrower_service.block_borrower, person.id, None, select=person.id)
            return
        reason, ok = QInputDialog.getText(
            self, "Person sperren", f"Warum wird {person.name} für den Geräteverleih gesperrt?"
        )
        if ok and reason.strip():
            self._run(borrower_service.block_borrower, person.id, reason, select=person.id)

    def _run(self, fn: object, *args: object, select: str | None, created: bool = False) -> None:
        self.problems.hide()

        def done(result: object) -> None:
            self._select_after = str(result) if created else select
            self.refresh()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                self.problems.setText("\n".join(exc.messages))
                self.problems.show()
            else:
                explain_failure(self, exc)

        start_task(fn, self.workspace, *args, on_done=done, on_error=failed, owner=self)  # type: ignore[arg-type]


def _family_name_key(borrower: Borrower) -> tuple[str, str]:
    """Sort by family name (the last word of the name), then the whole name: only how the list reads."""
    words = borrower.name.split()
    return ((words[-1] if words else "").casefold(), borrower.name.casefold())
