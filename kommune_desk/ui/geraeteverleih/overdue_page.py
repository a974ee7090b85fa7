"""Overdue loans of the whole pool; reminders (letter or e-mail) for the own town's borrowers.

The pool must know every overdue device (it blocks new bookings), so other towns' loans are
listed too, without names and without reminder actions: only the lending town reminds.
The reminder letter and e-mail come from ``services.pool_documents`` (read in a worker); a
reminder is logged (``record_reminder``) when the clerk says it went out.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import quote

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_date
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.pool import LoanListing
from kommune_desk.services.pool_loans import next_reminder_level, overdue_loans, record_reminder
from kommune_desk.services.workspace import Workspace

from ..run import explain_failure
from ..workers import start_task
from .lazy_page import LazyPage
from .loans_page import reminder_text
from .widgets import (
    LATE,
    MUTED,
    NO_NAME,
    RowsModel,
    action_button,
    load_failed,
    page_head,
    rows_table,
    select_row,
    selected_row,
    summary_label,
)

COLUMNS = ("Gerät", "Gemeinde", "Entleiher/in", "fällig am", "überfällig", "Mahnungen")
CHANNEL_LABELS = {"brief": "Brief", "email": "E-Mail"}


def days_text(days: int) -> str:
    return "1 Tag" if days == 1 else f"{days} Tage"


def mailto_url(to: str, subject: str, body: str) -> QUrl:
    """``mailto:`` with subject and body percent-encoded (RFC 6068: line breaks as %0D%0A)."""
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    text = (
        f"mailto:{quote(to.strip(), safe='@,')}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    )
    return QUrl.fromEncoded(text.encode("ascii"))


class OverduePage(LazyPage):
    """Overdue loans, longest first; "Mahnung (Brief) …" and "E-Mail-Text …" for the own town's."""

    count_changed = Signal(int)  # how many loans are overdue (all towns), after each load
    changed = Signal()  # a reminder was logged

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._today = dt.date.today()
        self._note = ""
        self.model: RowsModel[LoanListing] = RowsModel(
            COLUMNS, self._cell, self, tooltip=self._tip, foreground=self._colour
        )
        self.letter_button = action_button("Mahnung (Brief) …", "reminderLetter", self.letter_for_selected)
        self.mail_button = action_button("E-Mail-Text …", "reminderMail", self.mail_for_selected)
        top = page_head("Überfällige Ausleihen", self.mail_button, self.letter_button)
        self.summary = summary_label("Überfällige Ausleihen werden geladen …", "overdueSummary")
        self.table = rows_table(
            self.model,
            "overdueTable",
            "Überfällige Ausleihen im Pool",
            {
                1: "Ginsheim-Gustavsburg",
                2: "Annemarie Mustermann",
                3: "00.00.0000",
                4: "000 Tage",
                5: "2. Mahnung (Brief)",
            },
        )
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    def _own(self, loan: LoanListing) -> bool:
        return loan.municipality_id == self.workspace.municipality.id

    def _cell(self, loan: LoanListing, column: int) -> str:
        if column == 0:
            return f"{loan.inventory_number} · {loan.device_name}"
        if column == 1:
            return loan.town
        if column == 2:
            return loan.borrower if loan.borrower is not None else NO_NAME
        if column == 3:
            return format_date(loan.end)
        if column == 4:
            return days_text((self._today - loan.end).days)
        return reminder_text(loan.reminders)

    def _tip(self, loan: LoanListing, column: int) -> str | None:
        if not self._own(loan):
            return f"Mahnen kann nur {loan.town}, die das Gerät verliehen hat."
        return None

    def _colour(self, loan: LoanListing, column: int) -> QBrush | None:
        if column == 4:
            return LATE
        if not self._own(loan):
            return MUTED
        return None

    # -- loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        generation = self.next_generation()
        today = dt.date.today()
        start_task(
            overdue_loans,
            self.workspace,
            today,
            on_done=lambda rows: self._loaded(generation, rows, today),
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, generation: int, rows: list[LoanListing], today: dt.date) -> None:
        if not self.is_current(generation):
            return
        selected = self.selected_loan()
        self._today = today
        self.model.set_rows(rows)
        own = sum(1 for r in rows if self._own(r))
        if not rows:
            text = "Keine überfälligen Ausleihen – alle Geräte sind rechtzeitig zurück."
        else:
            text = count_noun(len(rows), "Ausleihe ist", "Ausleihen sind") + " überfällig"
            text += f", davon {own} aus Ihrer Gemeinde." if own != len(rows) else "."
        self.summary.setText(f"{text} · {self._note}" if self._note else text)
        self._note = ""
        if selected is not None:
            self.select_loan(selected.loan_id)
        self._selection_changed()
        self.count_changed.emit(len(rows))

    def _failed(self, _exc: BaseException) -> None:
        self.summary.setText(load_failed("Die überfälligen Ausleihen konnten"))

    # -- selection ---------------------------------------------------------------------------------
    def selected_loan(self) -> LoanListing | None:
        return selected_row(self.table, self.model)

    def select_loan(self, loan_id: str) -> None:
        select_row(self.table, self.model, lambda loan: loan.loan_id == loan_id)

    def _selection_changed(self) -> None:
        loan = self.selected_loan()
        if loan is None:
            why = "Bitte wählen Sie zuerst eine Ausleihe in der Liste."
        elif not self._own(loan):
            why = f"Diese Ausleihe hat {loan.town} verliehen; nur dort wird gemahnt."
        elif next_reminder_level(loan.reminders) is None:
            why = "Beide Mahnungen sind schon verschickt. Bitte klären Sie die Rückgabe persönlich."
        else:
            why = ""
        for button in (self.letter_button, self.mail_button):
            button.setEnabled(not why)
            button.setToolTip(why)
        if not why and loan is not None:
            level = next_reminder_level(loan.reminders)
            self.letter_button.setToolTip(f"Die {level}. Mahnung als Brief ansehen und drucken.")
            self.mail_button.setToolTip(f"Den Text der {level}. Mahnung für eine E-Mail.")

    def _reminder_target(self) -> tuple[LoanListing, int] | None:
        loan = self.selected_loan()
        if loan is None or not self._own(loan):
            return None
        level = next_reminder_level(loan.reminders)
        return (loan, level) if level is not None else None

    # -- actions -----------------------------------------------------------------------------------
    def letter_for_selected(self) -> ReminderLetterDialog | None:
        target = self._reminder_target()
        if target is None:
            return None
        loan, level = target
        dialog = ReminderLetterDialog(self, loan, level)
        dialog.open()
        return dialog

    def mail_for_selected(self) -> ReminderMailDialog | None:
        target = self._reminder_target()
        if target is None:
            return None
        loan, level = target
        dialog = ReminderMailDialog(self, loan, level)
        dialog.open()
        return dialog

    def record(self, loan: LoanListing, level: int, channel: str, after: Any = None) -> None:
        """Log that the ``level``. reminder went out by ``channel`` ('brief' or 'email'), in a worker."""

        def done(_reminder_id: object) -> None:
            self._note = f"{level}. Mahnung für {loan.inventory_number} ({CHANNEL_LABELS[channel]}) vermerkt."
            self.changed.emit()
            self.refresh()
            if after is not None:
                after()

        start_task(
            record_reminder,
            self.workspace,
            loan.loan_id,
            level,
            channel,
            dt.date.today(),
            on_done=done,
            on_error=lambda exc: explain_failure(self, exc),
            owner=self,
        )


def _letter(ws: Workspace, loan_id: str, level: int) -> bytes:
    from kommune_desk.services import pool_documents  # loads reportlab: only when a letter is made

    return pool_documents.reminder_pdf(ws, loan_id, level, dt.date.today())


def _mail(ws: Workspace, loan_id: str, level: int) -> Any:
    from kommune_desk.services import pool_documents

    return pool_documents.reminder_email(ws, loan_id, level, dt.date.today())


class _ReminderDialog(QDialog):
    def __init__(self, page: OverduePage, loan: LoanListing, level: int, channel: str, title: str) -> None:
        super().__init__(page)
        self.page, self.loan, self.level, self.channel = page, loan, level, channel
        self.setWindowTitle(f"{level}. Mahnung – {loan.inventory_number}")
        self.setMinimumWidth(560)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.info = QLabel(
            f"<b>{title}</b><br>{loan.inventory_number} · {loan.device_name}<br>"
            f"Ausgeliehen an {html.escape(loan.borrower or NO_NAME)}, fällig am {format_date(loan.end)}"
        )
        self.info.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("reminderMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        self.record_button = QPushButton("Als versandt vermerken")
        self.record_button.setObjectName("recordReminder")
        self.record_button.setToolTip(
            f"Im Pool vermerken, dass die {level}. Mahnung per {CHANNEL_LABELS[channel]} verschickt ist."
        )
        self.record_button.clicked.connect(lambda: self.mark_sent())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        self.buttons.rejected.connect(self.reject)
        self.buttons.addButton(self.record_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.info)
        self.layout_.addWidget(self.message)

    def show_message(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.message.show()

    def refused(self, exc: BaseException) -> None:
        """The document could not be made: say why in the dialog (a refusal) or report the failure.
        Without the document there is nothing to vermerken."""
        self.record_button.setEnabled(False)
        if isinstance(exc, ValidationError):
            self.message.setStyleSheet("color: #a40000;")
            self.message.setText("\n".join(exc.messages))
            self.message.show()
        else:
            self.show_message("Das Dokument konnte nicht erstellt werden.")
            explain_failure(self, exc)

    def mark_sent(self) -> None:
        self.record_button.setEnabled(False)
        self.record_button.setText("Bitte warten …")
        self.page.record(self.loan, self.level, self.channel, after=self._recorded)

    def _recorded(self) -> None:
        self.record_button.setText("Vermerkt")
        self.accept()


class ReminderLetterDialog(_ReminderDialog):
    """The reminder letter as a PDF preview; "Drucken …" and "Als versandt vermerken"."""

    def __init__(self, page: OverduePage, loan: LoanListing, level: int) -> None:
        super().__init__(page, loan, level, "brief", f"{level}. Mahnung als Brief")
        from ..pdf_preview import PdfPreview

        self.resize(760, 640)
        self.pdf: bytes | None = None
        self.preview = PdfPreview()
        self.preview.clear("Das Mahnschreiben wird erstellt …")
        self.print_button = QPushButton("Drucken …")
        self.print_button.setObjectName("printReminder")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.print_letter)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.layout_.addWidget(self.preview, 1)
        self.layout_.addWidget(self.buttons)
        start_task(
            _letter,
            page.workspace,
            loan.loan_id,
            level,
            on_done=self._shown,
            on_error=self._failed,
            owner=self,
        )

    def _shown(self, data: bytes) -> None:
        self.pdf = data
        if self.preview.show_pdf(data, f"{self.level}. Mahnung {self.loan.inventory_number}"):
            self.print_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.preview.clear("Das Mahnschreiben konnte nicht erstellt werden.")
        self.refused(exc)

    def print_letter(self) -> None:
        if self.pdf is None:
            return
        from ..pdf_printing import print_pdf

        if print_pdf(self, self.pdf, f"{self.level}. Mahnung {self.loan.inventory_number}"):
            self.show_message("Gedruckt. Bitte vermerken Sie die Mahnung als versandt, sobald sie rausgeht.")


class ReminderMailDialog(_ReminderDialog):
    """The reminder as e-mail text: "Kopieren", "Im Mailprogramm öffnen", "Als versandt vermerken"."""

    def __init__(self, page: OverduePage, loan: LoanListing, level: int) -> None:
        super().__init__(page, loan, level, "email", f"{level}. Mahnung per E-Mail")
        self.resize(640, 560)
        self.to = QLineEdit()
        self.to.setObjectName("mailTo")
        self.to.setReadOnly(True)
        self.subject = QLineEdit()
        self.subject.setObjectName("mailSubject")
        self.subject.setReadOnly(True)
        self.body = QPlainTextEdit()
        self.body.setObjectName("mailBody")
        self.body.setReadOnly(True)
        self.body.setPlainText("Der Text wird erstellt …")
        self.form = form = QFormLayout()
        form.addRow("An:", self.to)
        form.addRow("Betreff:", self.subject)
        self.copy_button = QPushButton("Kopieren")
        self.copy_button.setObjectName("copyMail")
        self.copy_button.setToolTip("Betreff und Text in die Zwischenablage kopieren")
        self.copy_button.clicked.connect(self.copy)
        self.open_button = QPushButton("Im Mailprogramm öffnen")
        self.open_button.setObjectName("openMail")
        self.open_button.clicked.connect(self.open_mail)
        for button in (self.copy_button, self.open_button):
            button.setEnabled(False)
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.body, 1)
        self.layout_.addWidget(self.buttons)
        start_task(
            _mail, page.workspace, loan.loan_id, level, on_done=self._shown, on_error=self._failed, owner=self
        )

    def _shown(self, draft: Any) -> None:
        self.to.setText(draft.to or "")
        if not draft.to:
            self.to.setPlaceholderText("keine E-Mail-Adresse hinterlegt – bitte im Mailprogramm eintragen")
        self.subject.setText(draft.subject)
        self.body.setPlainText(draft.body)
        self.copy_button.setEnabled(True)
        self.open_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        for widget in (self.to, self.subject, self.body):
            widget.hide()  # empty fields would look like a text to fill in
        self.form.labelForField(self.to).hide()
        self.form.labelForField(self.subject).hide()
        self.refused(exc)
        self.adjustSize()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(f"{self.subject.text()}\n\n{self.body.toPlainText()}")
        self.show_message("Betreff und Text sind in der Zwischenablage.")

    def open_mail(self) -> None:
        url = mailto_url(self.to.text(), self.subject.text(), self.body.toPlainText())
        if not QDesktopServices.openUrl(url):
            self.show_message(
                "Es ist kein Mailprogramm eingerichtet. Bitte kopieren Sie den Text mit »Kopieren«."
            )
