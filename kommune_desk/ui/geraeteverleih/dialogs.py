"""Dialogs of the Geräteverleih: a new device, a reservation, the handover and the return.

Each hands what the clerk entered to a service in a worker; a refusal is shown inside the dialog,
which stays open with the input so the clerk can correct it. Handover and return then show what
happened and offer the document (Leihvertrag, Rückgabeprotokoll) for preview and print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain import pool_rights
from kommune_desk.domain.formatting import count_noun, format_amount, format_date
from kommune_desk.domain.pool import CheckedItem, borrower_refusal, checklist_items, period_text
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services import borrowers as borrower_service
from kommune_desk.services import pool as pool_service
from kommune_desk.services import pool_loans
from kommune_desk.services.borrowers import Borrower
from kommune_desk.services.pool import DeviceDetail, DeviceListing, LoanListing
from kommune_desk.services.workspace import Workspace

from ..errors import problem_label
from ..pdf_document_dialog import PdfDocumentDialog
from ..run import explain_failure
from ..workers import start_task
from ..working_dialog import WorkingDialog

DEFAULT_LOAN_DAYS = 7  # until the device's own loan days are read
MAX_TAKEN_LINES = 8  # the dialog stays on screen; the list shows the rest
SUGGESTION_LINES = 5  # the place kept under the name for suggestions or what is known of the person
SEARCH_DELAY_MS = 250  # search-as-you-type waits for a pause in typing
MAX_MATCHES = 30
_GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)
_HINT_STYLE = "color: #555;"


# -- small builders ---------------------------------------------------------------------------------
def line(placeholder: str, name: str, max_length: int = 200) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(max_length)
    edit.setObjectName(name)
    return edit


def date_edit(value: dt.date, name: str) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setLocale(_GERMAN)
    edit.setObjectName(name)
    return edit


def to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def amount_edit(cents: int, name: str) -> QDoubleSpinBox:
    """A euro amount typed the German way (``50,00``)."""
    spin = QDoubleSpinBox()
    spin.setLocale(_GERMAN)
    spin.setRange(0, 100_000)
    spin.setDecimals(2)
    spin.setSuffix(" €")
    spin.setGroupSeparatorShown(True)
    spin.setValue(cents / 100)
    spin.setObjectName(name)
    return spin


def cents_of(spin: QDoubleSpinBox) -> int:
    return round(spin.value() * 100)


def hint(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(_HINT_STYLE)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


# -- the base ---------------------------------------------------------------------------------------
class ServiceDialog(WorkingDialog):
    """A form whose confirm button runs ``_call()`` in a worker; ``done_with(result)`` on success.

    A ValidationError (the services' German refusal) is shown in red above the buttons and the
    dialog keeps the input; anything else is explained by ``explain_failure``.
    """

    done_with = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, confirm_text: str) -> None:
        super().__init__(parent, confirm_text)
        self.setWindowTitle(title)
        self.setMinimumWidth(540)
        self.body = QWidget()
        # A taller dialog keeps its rows together; the spare room is below them.
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.problems = problem_label("poolProblems")
        self.problems.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Abbrechen")
        self.confirm = self.buttons.addButton(confirm_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setDefault(True)
        self.buttons.accepted.connect(self.check_and_accept)
        self.buttons.rejected.connect(self.reject)
        self.main_layout = QVBoxLayout(self)
        self.main_layout.addWidget(self.body)
        self.main_layout.addWidget(self.problems)
        self.main_layout.addStretch(1)  # room a taller dialog has is below the form, not between its rows
        self.main_layout.addWidget(self.buttons)

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        raise NotImplementedError

    def check_and_accept(self) -> None:
        if self._working or not self.confirm.isEnabled():
            return
        fn, args, kwargs = self._call()
        self._busy(True)
        self.problems.hide()

        def run(*a: Any) -> Any:
            return fn(*a, **kwargs)

        start_task(run, *args, on_done=self._done, on_error=self._failed, owner=self)

    def _done(self, result: object) -> None:
        self._busy(False)
        self.done_with.emit(result)
        self._succeeded(result)

    def _succeeded(self, _result: object) -> None:
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError):
            self.show_problem("\n".join(exc.messages))
        else:
            explain_failure(self, exc)

    def show_problem(self, text: str) -> None:
        self.problems.setText(text)
        self.problems.show()
        # Room for the message at the dialog's width; the other rows keep their height.
        self.main_layout.activate()
        width = self.width()
        needed = self.heightForWidth(width) if self.main_layout.hasHeightForWidth() else -1
        needed = max(needed, self.minimumSizeHint().height())
        if needed > self.height():
            self.resize(width, needed)

    def show_outcome(self, lines: list[str], document_text: str, open_document: Callable[[], None]) -> None:
        """Replace the form by what happened and a button for the document; "Schließen" ends."""
        self.body.hide()
        self.problems.hide()
        self.buttons.hide()
        outcome = QLabel("\n".join(lines))
        outcome.setObjectName("outcome")
        outcome.setTextFormat(Qt.TextFormat.PlainText)
        outcome.setWordWrap(True)
        outcome.setStyleSheet("font-size: 11pt;")
        self.outcome = outcome
        self.document_button = QPushButton(document_text)
        self.document_button.setObjectName("openDocument")
        self.document_button.clicked.connect(open_document)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        close.rejected.connect(self.accept)
        close.addButton(self.document_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.document_button.setDefault(True)
        self.main_layout.addWidget(outcome)
        self.main_layout.addWidget(close)
        # The word-wrapped label gets the height its lines need at this width, then the dialog
        # shrinks to what is left (no tall, mostly empty window after the form is gone).
        margins = self.main_layout.contentsMargins()
        width = max(self.width() - margins.left() - margins.right(), 300)
        outcome.setMinimumHeight(outcome.heightForWidth(width))
        self.main_layout.activate()
        self.adjustSize()


# -- a new device ----------------------------------------------------------------------------------
class NewDeviceDialog(ServiceDialog):
    """A new device of this town for the pool; ``done_with(device_id)``."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent, "Neues Gerät", "Gerät anlegen")
        self.workspace = workspace
        self.inventory_number = line("z. B. KGG-KS-025", "deviceNumber", 60)
        self.name = line("z. B. Wärmebildkamera FLIR E8 Pro", "deviceName")
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.setObjectName("deviceCategory")
        self.category.lineEdit().setPlaceholderText("z. B. Wärmebildkamera")
        self.make = line("z. B. FLIR", "deviceMake")
        self.model = line("z. B. E8 Pro", "deviceModel")
        self.serial_number = line("freiwillig", "deviceSerial")
        self.accessories = line(
            "durch Komma getrennt, z. B. Ladegerät, Tasche, Speicherkarte", "deviceAccessories"
        )
        self.replacement_value = amount_edit(0, "deviceValue")
        self.condition = line("z. B. neuwertig", "deviceCondition")
        self.form.addRow("Inventarnummer:", self.inventory_number)
        self.form.addRow("Bezeichnung:", self.name)
        self.form.addRow("Geräteart:", self.category)
        self.form.addRow("Hersteller:", self.make)
        self.form.addRow("Modell:", self.model)
        self.form.addRow("Seriennummer:", self.serial_number)
        self.form.addRow("Zubehör:", self.accessories)
        self.form.addRow("Wiederbeschaffungswert:", self.replacement_value)
        self.form.addRow("Zustand:", self.condition)
        self.form.addRow("Eigentümer:", QLabel(f"{workspace.municipality.name} (Ihre Kommune)"))
        start_task(pool_service.categories, workspace, on_done=self._categories, owner=self)

    def _categories(self, names: list[str]) -> None:
        typed = self.category.currentText()
        self.category.addItems(names)
        self.category.setCurrentText(typed)

    def accessory_list(self) -> list[str]:
        return [a.strip() for a in self.accessories.text().split(",") if a.strip()]

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        args = (
            self.workspace,
            self.inventory_number.text(),
            self.name.text(),
            self.category.currentText(),
            self.serial_number.text(),
        )
        details = {
            "make": self.make.text().strip(),
            "model": self.model.text().strip(),
            "accessories": self.accessory_list(),
            "replacement_value_cents": cents_of(self.replacement_value),
            "condition": self.condition.text().strip(),
        }
        return pool_service.register_device, args, details


# -- a reservation ---------------------------------------------------------------------------------
class BookingDialog(ServiceDialog):
    """Reserve ``device`` for a borrower of this town; ``done_with(loan_id)``.

    The borrower is searched as the clerk types among the town's borrowers (a blocked one shows
    why); a name nobody has yet is added with its contact when the reservation is saved. The
    suggestions and what is known of the chosen person share one place of fixed height, so the
    fields below do not move while the clerk types.
    """

    def __init__(
        self,
        workspace: Workspace,
        device: DeviceListing,
        parent: QWidget | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent, "Gerät reservieren", "Reservieren")
        self.workspace = workspace
        self.device = device
        self.today = today or dt.date.today()
        self.loan_days = DEFAULT_LOAN_DAYS
        self._borrower: Borrower | None = None
        self._search_generation = 0
        self._proposing = False
        self._end_chosen = False  # the clerk (or the calendar) set the end: the policy leaves it
        title = QLabel(f"<b>{_esc(device.inventory_number)}</b> · {_esc(device.name)}")
        title.setTextFormat(Qt.TextFormat.RichText)
        self.taken = QLabel("Belegte Zeiträume werden geladen …")
        self.taken.setObjectName("bookingTaken")
        self.taken.setStyleSheet(_HINT_STYLE)
        self.taken.setTextFormat(Qt.TextFormat.PlainText)  # one period a line: no wrapping to misjudge
        self.start = date_edit(self.today, "bookingStart")
        self.end = date_edit(self.today, "bookingEnd")
        self._propose_end()
        self.start.dateChanged.connect(self._start_moved)
        self.end.dateChanged.connect(self._end_moved)
        self.start.setMinimumDate(QDate(self.today.year, self.today.month, self.today.day))
        period = QHBoxLayout()
        period.addWidget(self.start)
        period.addWidget(QLabel("bis"))
        period.addWidget(self.end)
        period.addStretch(1)
        self.loan_days_hint = QLabel("Leihdauer laut Leihbedingungen wird geladen …")
        self.loan_days_hint.setObjectName("bookingLoanDays")
        self.loan_days_hint.setStyleSheet(_HINT_STYLE)

        self.borrower = line("Namen eingeben: bekannte Personen werden vorgeschlagen", "bookingBorrower")
        self.borrower.textEdited.connect(self._borrower_typed)
        self.matches = QListWidget()
        self.matches.setObjectName("borrowerMatches")
        self.matches.setWordWrap(True)  # an address and a contact in full, on a second line if need be
        self.matches.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.matches.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.matches.itemClicked.connect(self._match_chosen)
        self.matches.itemActivated.connect(self._match_chosen)
        self.borrower_info = QLabel()
        self.borrower_info.setObjectName("borrowerInfo")
        self.borrower_info.setWordWrap(True)
        self.borrower_info.setTextFormat(Qt.TextFormat.PlainText)
        self.borrower_info.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.borrower_area = QStackedWidget()
        self.borrower_area.setObjectName("borrowerArea")
        self.borrower_area.addWidget(self.borrower_info)
        self.borrower_area.addWidget(self.matches)
        self.borrower_area.setFixedHeight(self.fontMetrics().lineSpacing() * SUGGESTION_LINES + 8)
        self.contact = line("Telefon oder E-Mail (für eine neue Person)", "bookingContact")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search)

        self.form.addRow("Gerät:", title)
        self.form.addRow("Belegt:", self.taken)
        self.form.addRow("Zeitraum:", period)
        self.form.addRow("", self.loan_days_hint)
        both_days = hint("Die Tage »von« und »bis« gehören beide zur Ausleihe.")
        both_days.setWordWrap(False)  # one short line: a wrapping label gets a second, empty one
        self.form.addRow("", both_days)
        self.form.addRow("Ausleihende Person:", self.borrower)
        self.form.addRow("", self.borrower_area)
        self.form.addRow("Kontakt:", self.contact)

        self.override_note: QLineEdit | None = None
        if device.lent is not None and device.lent.end < self.today:
            since = format_date(device.lent.end + dt.timedelta(days=1))
            warning = problem_label("overdueWarning")
            warning.setText(f"Das Gerät ist seit dem {since} überfällig ({device.lent.town}).")
            self.form.addRow("Achtung:", warning)
            actor = pool_service.pool_actor_or_guest(workspace)
            if pool_rights.may_override_overdue(actor):
                self.override_note = line("Begründung, warum trotzdem reserviert wird", "overrideNote")
                self.form.addRow("Begründung:", self.override_note)
            else:
                self.form.addRow("", hint(pool_rights.OVERRIDE_REFUSAL))
        start_task(
            _booking_context,
            workspace,
            device.id,
            on_done=self._context_loaded,
            on_error=self._taken_failed,
            owner=self,
        )

    # -- the period ------------------------------------------------------------------------------
    def _propose_end(self) -> None:
        """The end the device's loan days give from the start (both days count)."""
        end = to_date(self.start.date()) + dt.timedelta(days=self.loan_days - 1)
        self._proposing = True
        try:
            self.end.setDate(QDate(end.year, end.month, end.day))
        finally:
            self._proposing = False

    def _start_moved(self, start: QDate) -> None:
        if not self._end_chosen:
            self._propose_end()
        elif self.end.date() < start:  # keep the period the right way round while the clerk types
            self.end.setDate(start)

    def _end_moved(self, _end: QDate) -> None:
        if not self._proposing:
            self._end_chosen = True

    def _context_loaded(self, context: tuple[list[Any], int | None]) -> None:
        bookings, loan_days = context
        self._show_taken(bookings)
        if loan_days:
            self.loan_days = loan_days
            if not self._end_chosen:
                self._propose_end()
            self.loan_days_hint.setText(
                f"Leihdauer laut Leihbedingungen: {count_noun(loan_days, 'Tag', 'Tage')}"
            )
        else:
            self.loan_days_hint.setText("")

    def _show_taken(self, bookings: list[Any]) -> None:
        periods = [
            f"{period_text(b.start, b.end)} ({'ausgeliehen' if b.status == 'ausgegeben' else 'reserviert'})"
            for b in bookings
            if b.end >= self.today
        ]
        if len(periods) > MAX_TAKEN_LINES:
            periods = [*periods[: MAX_TAKEN_LINES - 1], f"… und {len(periods) - MAX_TAKEN_LINES + 1} weitere"]
        self.taken.setText("\n".join(periods) if periods else "Zurzeit ist nichts reserviert.")

    def _taken_failed(self, _exc: BaseException) -> None:
        self.taken.setText("Die belegten Zeiträume konnten nicht gelesen werden.")
        self.loan_days_hint.setText("")

    # -- the borrower ----------------------------------------------------------------------------
    def _borrower_typed(self, text: str) -> None:
        if self._borrower is not None and text != self._borrower.name:
            self._drop_borrower()
        self._search_timer.start()

    def _drop_borrower(self) -> None:
        """The name was changed after a suggestion was picked: that person, the contact that came
        with them and a refusal about them no longer apply."""
        picked = self._borrower
        self._set_borrower(None)
        if picked is not None and self.contact.text() == picked.contact:
            self.contact.clear()
        self.problems.hide()

    def _search(self) -> None:
        text = self.borrower.text().strip()
        self._search_generation += 1
        generation = self._search_generation
        if len(text) < 2 or self._borrower is not None:
            self.matches.clear()
            if self._borrower is None:
                self._info("", error=False)
            return
        start_task(
            borrower_service.search_borrowers,
            self.workspace,
            text,
            MAX_MATCHES,
            on_done=lambda rows: self._matches_found(generation, rows),
            owner=self,
        )

    def _matches_found(self, generation: int, rows: list[Borrower]) -> None:
        if generation != self._search_generation or self._borrower is not None:
            return
        self.matches.clear()
        for borrower in rows:
            details = " · ".join(v for v in (borrower.address, borrower.contact) if v)
            text = f"{borrower.name} – {details}" if details else borrower.name
            if borrower.blocked_reason:
                text += "  (gesperrt)"
            item = QListWidgetItem(text)
            item.setToolTip(text)
            item.setData(Qt.ItemDataRole.UserRole, borrower)
            if borrower.blocked_reason:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.matches.addItem(item)
        if rows:
            self.borrower_area.setCurrentWidget(self.matches)
        else:
            self._info("Noch nicht bekannt: die Person wird mit dem Kontakt neu angelegt.", error=False)

    def choose_borrower(self, borrower: Borrower) -> None:
        self._search_timer.stop()
        self._search_generation += 1  # a search still on its way must not bring the list back
        self._set_borrower(borrower)
        self.borrower.setText(borrower.name)
        self.matches.clear()

    def _match_chosen(self, item: QListWidgetItem) -> None:
        self.choose_borrower(item.data(Qt.ItemDataRole.UserRole))

    def _set_borrower(self, borrower: Borrower | None) -> None:
        self._borrower = borrower
        self.contact.setEnabled(borrower is None)
        if borrower is None:
            self._info("", error=False)
            return
        refusal = borrower_refusal(borrower.blocked_reason)
        if refusal:
            self._info(refusal, error=True)
        else:
            self._info(_known(borrower), error=False)
        self.contact.setText(borrower.contact)

    def _info(self, text: str, error: bool) -> None:
        self.borrower_info.setText(text)
        self.borrower_info.setStyleSheet("color: #a40000;" if error else _HINT_STYLE)
        self.borrower_area.setCurrentWidget(self.borrower_info)

    def show_problem(self, text: str) -> None:
        """The service's refusal; said once: the same words beside the name give way to it."""
        info = self.borrower_info.text()
        if info and info in text:
            self._info(_known(self._borrower) if self._borrower else "", error=False)
        super().show_problem(text)

    @property
    def chosen_borrower(self) -> Borrower | None:
        return self._borrower

    def period(self) -> tuple[dt.date, dt.date]:
        return to_date(self.start.date()), to_date(self.end.date())

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        start, end = self.period()
        kwargs: dict[str, Any] = {"borrower_id": self._borrower.id if self._borrower else None}
        if self.override_note is not None:
            kwargs["override_note"] = self.override_note.text()
        args = (
            self.workspace,
            self.device.id,
            start,
            end,
            self.borrower.text(),
            self.contact.text(),
            self.today,
        )
        return pool_service.book_device, args, kwargs


def _known(borrower: Borrower) -> str:
    known = " · ".join(v for v in (borrower.address, borrower.contact) if v)
    return f"Bekannte Person{': ' + known if known else ''}"


def _booking_context(ws: Workspace, device_id: str) -> tuple[list[Any], int | None]:
    """In a worker: the device's bookings and its loan days (None if the device is gone)."""
    detail = pool_service.device_detail(ws, device_id)
    return pool_service.device_bookings(ws, device_id), detail.policy.loan_days if detail else None


# -- handover and return ----------------------------------------------------------------------------
class _ChecklistDialog(ServiceDialog):
    """Loads the device (accessories, condition, policy) before the form can be confirmed."""

    def __init__(
        self,
        workspace: Workspace,
        loan: LoanListing,
        parent: QWidget | None,
        title: str,
        confirm: str,
        today: dt.date | None = None,
    ):
        super().__init__(parent, title, confirm)
        self.workspace = workspace
        self.loan = loan
        self.today = today or dt.date.today()
        self.detail: DeviceDetail | None = None
        self.checks: list[QCheckBox] = []
        heading = QLabel(
            f"<b>{_esc(loan.inventory_number)}</b> · {_esc(loan.device_name)}<br>"
            f"{_esc(loan.borrower or loan.town)} · {period_text(loan.start, loan.end)}"
        )
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.form.addRow("Ausleihe:", heading)
        self.checklist_box = QGroupBox("Checkliste")
        self.checklist_layout = QVBoxLayout(self.checklist_box)
        self.loading = hint("Gerätedaten werden geladen …")
        self.checklist_layout.addWidget(self.loading)
        self.all_button = QPushButton("Alles vorhanden")
        self.all_button.setObjectName("checkAll")
        self.all_button.setToolTip(
            "Hakt alle Punkte ab; nehmen Sie danach die Haken bei fehlenden Teilen weg."
        )
        self.all_button.clicked.connect(self.check_all)
        self.all_button.hide()
        self.form.addRow(self.checklist_box)
        self.confirm.setEnabled(False)
        start_task(
            pool_service.device_detail,
            workspace,
            loan.device_id,
            on_done=self._loaded,
            on_error=self._load_failed,
            owner=self,
        )

    def _loaded(self, detail: DeviceDetail | None) -> None:
        if detail is None:
            self.loading.setText("Dieses Gerät gibt es im Pool nicht (mehr).")
            return
        self.detail = detail
        self.loading.hide()
        for item in checklist_items(detail.device.accessories):
            box = QCheckBox(item)
            box.setObjectName("checkItem")
            self.checklist_layout.addWidget(box)
            self.checks.append(box)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.all_button)
        self.checklist_layout.addLayout(row)
        self.all_button.show()
        self._device_loaded(detail)
        self.confirm.setEnabled(True)
        self.adjustSize()

    def _device_loaded(self, detail: DeviceDetail) -> None:
        pass

    def _load_failed(self, exc: BaseException) -> None:
        self.loading.setText(
            "Die Gerätedaten konnten nicht gelesen werden. Bitte schließen und erneut öffnen."
        )
        explain_failure(self, exc)

    def check(self, item: str, ok: bool = True) -> None:
        """Tick (or untick) the checklist line ``item``."""
        for box in self.checks:
            if box.text() == item:
                box.setChecked(ok)
                return
        raise KeyError(item)

    def check_all(self) -> None:
        for box in self.checks:
            box.setChecked(True)

    def checklist(self) -> list[CheckedItem]:
        return [CheckedItem(box.text(), box.isChecked()) for box in self.checks]

    def _open_document(self, title: str, kind: str, file_name: str) -> None:
        dialog = DocumentDialog(self.workspace, title, kind, self.loan.loan_id, file_name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.document_dialog = dialog


class HandoverDialog(_ChecklistDialog):
    """Hand a reserved device over: checklist, condition, ID, briefing, deposit, due date."""

    def __init__(
        self,
        workspace: Workspace,
        loan: LoanListing,
        parent: QWidget | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(workspace, loan, parent, "Gerät ausgeben", "Ausgeben", today)
        self.condition = line("z. B. gut, leichte Kratzer am Gehäuse", "handoverCondition")
        self.id_seen = QCheckBox("Ausweis gesehen")
        self.id_seen.setObjectName("idSeen")
        self.briefing = QCheckBox("Einweisung gegeben")
        self.briefing.setObjectName("briefingGiven")
        confirmations = QHBoxLayout()
        confirmations.addWidget(self.id_seen)
        confirmations.addWidget(self.briefing)
        confirmations.addStretch(1)
        self.deposit = amount_edit(0, "depositAmount")
        self.method = QComboBox()
        self.method.setObjectName("depositMethod")
        self.method.addItems(pool_loans.DEPOSIT_METHODS)
        deposit = QHBoxLayout()
        deposit.addWidget(self.deposit)
        deposit.addWidget(QLabel("gezahlt per"))
        deposit.addWidget(self.method)
        deposit.addStretch(1)
        self.due = date_edit(loan.end, "handoverDue")
        self.form.addRow("Zustand:", self.condition)
        self.form.addRow("Bestätigt:", confirmations)
        self.form.addRow("Kaution:", deposit)
        self.deposit_hint = hint("", "depositHint")
        self.deposit_hint.hide()
        self.form.addRow("", self.deposit_hint)
        self.form.addRow("Rückgabe bis:", self.due)

    def _device_loaded(self, detail: DeviceDetail) -> None:
        if not self.condition.text():
            self.condition.setText(detail.device.condition)
        required = detail.policy.deposit_cents
        if required:
            self.deposit.setValue(required / 100)
            self.deposit_hint.setText(f"Vorgesehene Kaution für dieses Gerät: {format_amount(required)}")
            self.deposit_hint.show()

    def handover(self) -> pool_loans.Handover:
        cents = cents_of(self.deposit)
        return pool_loans.Handover(
            checklist=self.checklist(),
            condition=self.condition.text(),
            id_seen=self.id_seen.isChecked(),
            briefing_given=self.briefing.isChecked(),
            deposit_cents=cents,
            deposit_method=self.method.currentText() if cents else None,
            due=to_date(self.due.date()),
        )

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        return (
            pool_loans.handover_device,
            (self.workspace, self.loan.loan_id, self.handover(), self.today),
            {},
        )

    def _succeeded(self, _result: object) -> None:
        h = self.handover()
        due = format_date(h.due or self.loan.end)
        lines = [f"{self.loan.inventory_number} ist ausgegeben, Rückgabe bis {due}."]
        if h.deposit_cents:
            lines.append(f"Kaution {format_amount(h.deposit_cents)} erhalten ({h.deposit_method}).")
        missing = [i.item for i in h.checklist if not i.ok]
        if missing:
            lines.append("Nicht abgehakt: " + ", ".join(missing) + ".")
        lines.append("Bitte lassen Sie den Leihvertrag unterschreiben.")
        self.show_outcome(
            lines,
            "Leihvertrag anzeigen und drucken …",
            lambda: self._open_document(
                "Leihvertrag", "agreement", f"Leihvertrag {self.loan.inventory_number}"
            ),
        )


class ReturnDialog(_ChecklistDialog):
    """Take a device back: checklist, condition, damage, deposit; then shows the outcome."""

    def __init__(
        self,
        workspace: Workspace,
        loan: LoanListing,
        parent: QWidget | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(workspace, loan, parent, "Gerät zurücknehmen", "Rücknahme erfassen", today)
        self.result: pool_loans.ReturnOutcome | None = None
        self.condition = line("z. B. gut", "returnCondition")
        self.damage = line("nur bei Schaden: was ist beschädigt?", "returnDamage", 500)
        self.full_deposit = QCheckBox("Kaution vollständig zurückgezahlt")
        self.full_deposit.setObjectName("fullDeposit")
        self.full_deposit.setChecked(True)
        self.returned = amount_edit(0, "depositReturned")
        self.deposit_note = line("Grund, warum ein Teil einbehalten wird", "depositNote", 300)
        partly = QHBoxLayout()
        partly.addWidget(QLabel("Zurückgezahlt:"))
        partly.addWidget(self.returned)
        partly.addWidget(self.deposit_note, 1)
        self.full_deposit.toggled.connect(self._deposit_mode)
        self._deposit_mode(True)
        # Under the checklist, in a place of its own: ticking a box does not move the fields below.
        self.missing_hint = problem_label("missingHint")
        self.missing_hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.missing_hint.setMinimumHeight(self.missing_hint.fontMetrics().lineSpacing() * 2)
        self.form.addRow("Zustand:", self.condition)
        self.form.addRow("Schaden:", self.damage)
        self.form.addRow("Kaution:", self.full_deposit)
        self.form.addRow("", partly)

    def _device_loaded_deposit(self) -> None:
        start_task(_deposit_of, self.workspace, self.loan.loan_id, on_done=self._deposit_known, owner=self)

    def _deposit_known(self, cents: int | None) -> None:
        """The deposit taken at the handover: the default to pay back, and the most."""
        if cents is None:
            return  # unknown (no documents module): the service checks the amount
        if cents == 0:
            self.full_deposit.setText("Keine Kaution hinterlegt")
            self.full_deposit.setEnabled(False)
            return
        self.full_deposit.setText(f"Kaution vollständig zurückgezahlt ({format_amount(cents)})")
        self.returned.setMaximum(cents / 100)
        if self.full_deposit.isChecked():
            self.returned.setValue(cents / 100)

    def _deposit_mode(self, full: bool) -> None:
        self.returned.setEnabled(not full)
        self.deposit_note.setEnabled(not full)

    def _device_loaded(self, _detail: DeviceDetail) -> None:
        self.checklist_layout.addWidget(self.missing_hint)  # below the boxes
        self._device_loaded_deposit()
        for box in self.checks:
            box.toggled.connect(lambda _on: self._show_missing())

    def _show_missing(self) -> None:
        missing = [box.text() for box in self.checks if not box.isChecked()]
        self.missing_hint.setText("Nicht abgehakt: " + ", ".join(missing) if missing else "")

    def retain(self, returned_cents: int, reason: str) -> None:
        """Enter a partial return of the deposit (the rest is retained for ``reason``)."""
        self.full_deposit.setChecked(False)
        self.returned.setValue(returned_cents / 100)
        self.deposit_note.setText(reason)

    def return_data(self) -> pool_loans.Return:
        full = self.full_deposit.isChecked()
        return pool_loans.Return(
            checklist=self.checklist(),
            condition=self.condition.text(),
            damage=self.damage.text(),
            deposit_returned_cents=None if full else cents_of(self.returned),
            deposit_note="" if full else self.deposit_note.text(),
        )

    def _call(self) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        return (
            pool_loans.return_device,
            (self.workspace, self.loan.loan_id, self.return_data(), self.today),
            {},
        )

    def _succeeded(self, result: object) -> None:
        assert isinstance(result, pool_loans.ReturnOutcome)
        self.result = result
        lines = [f"Die Rückgabe von {self.loan.inventory_number} ist erfasst."]
        if result.to_maintenance:
            lines.append("Gerät in Wartung gesetzt (fehlende Teile oder Schaden); eine Wartung ist vermerkt.")
        if result.late_days:
            lines.append(
                f"Die Rückgabe war {result.late_days} {'Tag' if result.late_days == 1 else 'Tage'} zu spät."
            )
        if result.deposit_retained_cents:
            lines.append(f"Kaution {format_amount(result.deposit_retained_cents)} einbehalten.")
        if result.offered:
            lines.append("Das Gerät wurde der nächsten Person auf der Warteliste angeboten.")
        self.show_outcome(
            lines,
            "Rückgabeprotokoll anzeigen und drucken …",
            lambda: self._open_document(
                "Rückgabeprotokoll", "return", f"Rückgabeprotokoll {self.loan.inventory_number}"
            ),
        )


# -- documents --------------------------------------------------------------------------------------
def _deposit_of(ws: Workspace, loan_id: str) -> int | None:
    from kommune_desk.services import pool_documents

    return pool_documents.deposit_cents(ws, loan_id)


def _make_document(ws: Workspace, kind: str, key: str) -> bytes:
    """In a worker: the Leihvertrag, the Rückgabeprotokoll (of loan ``key``) or the asset tag
    (of device ``key``); reportlab is imported only here."""
    from kommune_desk.services import pool_documents

    if kind == "agreement":
        return pool_documents.agreement_pdf(ws, key)
    if kind == "labels":
        return pool_documents.labels_pdf(ws, [key])
    return pool_documents.return_protocol_pdf(ws, key)


class DocumentDialog(PdfDocumentDialog):
    """A loan document or label in the preview, with "Drucken …" and "Als PDF speichern …"."""

    def __init__(
        self,
        workspace: Workspace,
        title: str,
        kind: str,
        loan_id: str,
        file_name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, _make_document, (workspace, kind, loan_id), file_name, parent)


def _esc(text: str) -> str:
    import html

    return html.escape(text)
