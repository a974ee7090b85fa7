"""The waiting list of the pool: who waits for which type of device, and the offers made.

Entries are listed first come first (as ``waitlist`` returns them); names only for the own
town's entries. Every action is a service call in a worker; refusals are explained in German.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_date
from kommune_desk.domain.pool import period_text
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.waitlist import OFFERED, OPEN_STATUSES, STATUS_LABELS
from kommune_desk.services.pool import categories
from kommune_desk.services.waitlist import (
    WaitListing,
    accept_offer,
    add_to_waitlist,
    cancel_waiting,
    decline_offer,
    process_offers,
    waitlist,
)
from kommune_desk.services.workspace import Workspace

from ..action_bar import ActionBar
from ..errors import problem_label
from ..run import explain_failure
from ..workers import start_task
from .lazy_page import LazyPage
from .widgets import (
    MUTED,
    NO_NAME,
    RowsModel,
    ask,
    date_edit,
    heading,
    load_failed,
    rows_table,
    select_row,
    selected_row,
    summary_label,
    to_date,
)

COLUMNS = ("Nr.", "Geräteart", "Zeitraum", "Gemeinde", "Person", "Status")
OFFER = QBrush(Qt.GlobalColor.darkGreen)


def status_text(item: WaitListing) -> str:
    """``wartet``; ``Gerät angeboten: KGG-WBK-02, abholen bis 09.12.2026``."""
    entry = item.entry
    label = STATUS_LABELS.get(entry.status, entry.status)
    if entry.status != OFFERED:
        return label
    parts = [label + (f": {item.offered_inventory_number}" if item.offered_inventory_number else "")]
    if entry.offer_until is not None:
        parts.append(f"abholen bis {format_date(entry.offer_until)}")
    return ", ".join(parts)


class WaitlistPage(LazyPage):
    """The waiting list with "Auf Warteliste setzen …", offers to take up or decline, "Angebote prüfen"."""

    changed = Signal()  # an entry was added, booked, declined or removed

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._note = ""
        self._numbers: dict[str, int] = {}
        self.model: RowsModel[WaitListing] = RowsModel(COLUMNS, self._cell, self, foreground=self._colour)

        self.add_button = QPushButton("Auf Warteliste setzen …")
        self.add_button.setObjectName("addWaiting")
        self.add_button.clicked.connect(lambda: self.add_entry())
        self.check_button = QPushButton("Angebote prüfen")
        self.check_button.setObjectName("processOffers")
        self.check_button.setToolTip(
            "Abgelaufene Angebote beenden und freie Geräte den Nächsten auf der Liste anbieten."
        )
        self.check_button.clicked.connect(lambda: self.process())
        top = QHBoxLayout()
        top.addWidget(heading("Warteliste"))
        top.addStretch(1)
        head_actions = ActionBar(name="waitlistActions")
        head_actions.add_button(self.check_button)
        head_actions.add_button(self.add_button, priority=1)
        top.addWidget(head_actions)

        self.accept_button = QPushButton("Angebot annehmen")
        self.accept_button.setObjectName("acceptOffer")
        self.accept_button.clicked.connect(lambda: self.accept_selected())
        self.decline_button = QPushButton("Angebot ablehnen")
        self.decline_button.setObjectName("declineOffer")
        self.decline_button.clicked.connect(lambda: self.decline_selected())
        self.remove_button = QPushButton("Eintrag entfernen …")
        self.remove_button.setObjectName("removeWaiting")
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.show_closed = QCheckBox("Erledigte und abgelaufene anzeigen")
        self.show_closed.setObjectName("showClosed")
        self.show_closed.toggled.connect(lambda _on: self.refresh())
        self.entry_actions = ActionBar(align_right=False, name="waitlistEntryActions")
        for button in (self.accept_button, self.decline_button, self.remove_button):
            self.entry_actions.add_button(button)
        actions = QHBoxLayout()
        actions.addWidget(self.entry_actions)
        actions.addStretch(1)
        actions.addWidget(self.show_closed)

        self.summary = summary_label("Die Warteliste wird geladen …", "waitlistSummary")
        self.table = rows_table(
            self.model,
            "waitlistTable",
            "Warteliste des Gerätepools",
            {
                0: "000",
                1: "Wärmebildkamera",
                2: "28.12.2026–04.01.2027",
                3: "Ginsheim-Gustavsburg",
                4: "Annemarie Mustermann",
            },
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self._selection_changed()

    def _cell(self, item: WaitListing, column: int) -> str:
        entry = item.entry
        if column == 0:
            number = self._numbers.get(entry.id)
            return str(number) if number else ""
        if column == 1:
            return entry.category
        if column == 2:
            return period_text(entry.start, entry.end)
        if column == 3:
            return item.town
        if column == 4:
            return item.borrower if item.borrower is not None else NO_NAME
        return status_text(item)

    def _colour(self, item: WaitListing, column: int) -> QBrush | None:
        if item.entry.status not in OPEN_STATUSES or (column == 4 and item.borrower is None):
            return MUTED
        if column == 5 and item.entry.status == OFFERED:
            return OFFER
        return None

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        generation = self.next_generation()
        start_task(
            waitlist,
            self.workspace,
            self.show_closed.isChecked(),
            on_done=lambda rows: self._loaded(generation, rows),
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, generation: int, rows: list[WaitListing]) -> None:
        if not self.is_current(generation):
            return
        selected = self.selected_entry()
        # Nr.: the place in line of the open entries, in the order the service gives.
        open_ids = [r.entry.id for r in rows if r.entry.status in OPEN_STATUSES]
        self._numbers = {entry_id: i for i, entry_id in enumerate(open_ids, start=1)}
        self.model.set_rows(rows)
        offers = sum(1 for r in rows if r.entry.status == OFFERED)
        if not rows:
            text = "Niemand wartet auf ein Gerät."
        else:
            text = count_noun(len(open_ids), "offener Eintrag", "offene Einträge")
            if offers:
                text += f", davon {count_noun(offers, 'Angebot', 'Angebote')}"
        self.summary.setText(f"{text} · {self._note}" if self._note else text)
        self._note = ""
        if selected is not None:
            self.select_entry(selected.entry.id)
        self._selection_changed()

    def _failed(self, _exc: BaseException) -> None:
        self.summary.setText(load_failed("Die Warteliste konnte"))

    # -- selection ---------------------------------------------------------------------------------
    def selected_entry(self) -> WaitListing | None:
        return selected_row(self.table, self.model)

    def select_entry(self, entry_id: str) -> None:
        select_row(self.table, self.model, lambda item: item.entry.id == entry_id)

    def _selection_changed(self) -> None:
        item = self.selected_entry()
        own = item is not None and item.entry.municipality_id == self.workspace.municipality.id
        offered = own and item is not None and item.entry.status == OFFERED
        open_ = own and item is not None and item.entry.status in OPEN_STATUSES
        if item is None:
            why = "Bitte wählen Sie zuerst einen Eintrag in der Liste."
        elif not own:
            why = "Diesen Eintrag hat eine andere Gemeinde angelegt; nur sie kann ihn ändern."
        else:
            why = ""
        for button, enabled, own_tip in (
            (self.accept_button, offered, "Für diesen Eintrag liegt kein Angebot vor."),
            (self.decline_button, offered, "Für diesen Eintrag liegt kein Angebot vor."),
            (self.remove_button, open_, "Der Eintrag ist bereits abgeschlossen."),
        ):
            button.setEnabled(enabled)
            button.setToolTip("" if enabled else (why or own_tip))

    # -- actions -----------------------------------------------------------------------------------
    def add_entry(self) -> QDialog:
        dialog = WaitingDialog(self.workspace, self)
        dialog.done_with.connect(lambda entry_id: self._added(entry_id, dialog.listing))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _added(self, entry_id: object, listing: WaitListing | None = None) -> None:
        self._note = added_text(listing)
        self.changed.emit()
        self.refresh()
        self._select_later(str(entry_id))

    def _select_later(self, entry_id: str) -> None:
        generation = self._generation

        def select() -> None:
            if self.is_current(generation):
                self.select_entry(entry_id)

        self.model.modelReset.connect(select, Qt.ConnectionType.SingleShotConnection)

    def accept_selected(self) -> None:
        item = self.selected_entry()
        if item is None or item.entry.status != OFFERED:
            return
        number = item.offered_inventory_number or "das Gerät"
        note = f"{number} ist für {period_text(item.entry.start, item.entry.end)} reserviert."
        self._run(accept_offer, item.entry.id, note=note)

    def decline_selected(self) -> None:
        item = self.selected_entry()
        if item is None or item.entry.status != OFFERED:
            return
        self._run(decline_offer, item.entry.id, note="Angebot abgelehnt; der Eintrag wartet weiter.")

    def remove_selected(self, confirm: bool = True) -> None:
        item = self.selected_entry()
        if item is None:
            return
        who = item.borrower or "diese Person"
        question = (
            f"{who} von der Warteliste für {item.entry.category} "
            f"({period_text(item.entry.start, item.entry.end)}) nehmen?"
        )
        if confirm and not ask(self, "Eintrag entfernen", question, "Entfernen"):
            return
        self._run(cancel_waiting, item.entry.id, note="Der Eintrag wurde entfernt.")

    def process(self) -> None:
        self.check_button.setEnabled(False)

        def done(round_: Any) -> None:
            self.check_button.setEnabled(True)
            self._note = round_.message()
            self.changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.check_button.setEnabled(True)
            explain_failure(self, exc)

        start_task(process_offers, self.workspace, dt.date.today(), on_done=done, on_error=failed, owner=self)

    def _run(self, fn: Callable[..., Any], entry_id: str, *, note: str) -> None:
        for button in (self.accept_button, self.decline_button, self.remove_button):
            button.setEnabled(False)

        def done(_result: object) -> None:
            self._note = note
            self.changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._selection_changed()
            explain_failure(self, exc)
            self.refresh()  # the entry may have changed meanwhile (an offer ran out)

        start_task(fn, self.workspace, entry_id, dt.date.today(), on_done=done, on_error=failed, owner=self)


class WaitingDialog(QDialog):
    """A borrower of this town waits for a type of device; ``done_with(entry_id)``."""

    done_with = Signal(object)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._working = False
        self.listing: WaitListing | None = None  # the new entry as listed after adding
        self.setWindowTitle("Auf Warteliste setzen")
        self.setMinimumWidth(500)
        today = dt.date.today()
        self.category = QComboBox()
        self.category.setObjectName("waitingCategory")
        self.category.setPlaceholderText("Gerätearten werden geladen …")
        self.start = date_edit(today, "waitingStart")
        self.end = date_edit(today + dt.timedelta(days=6), "waitingEnd")
        self.start.dateChanged.connect(lambda day: self.end.setDate(day) if self.end.date() < day else None)
        self.borrower = QLineEdit()
        self.borrower.setObjectName("waitingBorrower")
        self.borrower.setPlaceholderText("Name der Person, die wartet")
        self.borrower.setMaxLength(200)
        self.contact = QLineEdit()
        self.contact.setObjectName("waitingContact")
        self.contact.setPlaceholderText("Telefon oder E-Mail, für das Angebot")
        self.contact.setMaxLength(200)
        form = QFormLayout()
        form.addRow("Geräteart:", self.category)
        form.addRow("Von:", self.start)
        form.addRow("Bis:", self.end)
        form.addRow("Person:", self.borrower)
        form.addRow("Kontakt:", self.contact)
        hint = QLabel(
            "Wird ein Gerät dieser Art frei, wird es dem ersten Eintrag auf der Liste angeboten. "
            "Ist schon jetzt eines frei, kommt das Angebot sofort."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.problems = problem_label("waitingProblems")
        self.problems.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        self.confirm = self.buttons.addButton("Auf Warteliste setzen", QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setDefault(True)
        self.confirm.setEnabled(False)  # until the types are there
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        start_task(categories, workspace, on_done=self._types, on_error=self._types_failed, owner=self)

    def _types(self, names: list[str]) -> None:
        self.category.setPlaceholderText("Bitte wählen")
        self.category.addItems(names)
        self.confirm.setEnabled(bool(names))
        if not names:
            self._show("Im Pool gibt es noch keine Geräte, auf die man warten könnte.")

    def _types_failed(self, _exc: BaseException) -> None:
        self._show("Die Gerätearten konnten nicht gelesen werden. Bitte schließen und erneut öffnen.")

    def _show(self, text: str) -> None:
        self.problems.setText(text)
        self.problems.show()

    def submit(self) -> None:
        if self._working:
            return
        args = (
            self.workspace,
            self.category.currentText(),
            to_date(self.start.date()),
            to_date(self.end.date()),
            self.borrower.text(),
            self.contact.text(),
        )
        self._busy(True)
        start_task(_add, *args, on_done=self._done, on_error=self._failed, owner=self)

    def _done(self, result: tuple[str, WaitListing | None]) -> None:
        entry_id, self.listing = result
        self._busy(False)
        self.done_with.emit(entry_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError):
            self._show("\n".join(exc.messages))
        else:
            explain_failure(self, exc)

    def reject(self) -> None:
        if not self._working:
            super().reject()

    def _busy(self, busy: bool) -> None:
        self._working = busy
        self.buttons.setEnabled(not busy)
        self.confirm.setText("Bitte warten …" if busy else "Auf Warteliste setzen")


def _add(
    ws: Workspace, category: str, start: dt.date, end: dt.date, name: str, contact: str
) -> tuple[str, WaitListing | None]:
    """In a worker: the new entry's id and its line as the list reads it now (offered at once?)."""
    entry_id = add_to_waitlist(ws, category, start, end, name, contact, today=dt.date.today())
    return entry_id, next((item for item in waitlist(ws) if item.entry.id == entry_id), None)


def added_text(listing: WaitListing | None) -> str:
    """What the clerk is told after adding: a device that was free at once is already offered."""
    if listing is None or listing.entry.status != OFFERED:
        return "Der Eintrag steht auf der Warteliste."
    entry = listing.entry
    text = (
        f"Ein Gerät ist sofort frei: {listing.offered_inventory_number or 'ein Gerät'} ist für "
        f"{period_text(entry.start, entry.end)} angeboten"
    )
    if entry.offer_until is not None:
        text += f", abholen bis {format_date(entry.offer_until)}"
    return text + "."
