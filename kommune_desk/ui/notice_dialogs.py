"""Dialogs of the notices panel: the details of a letter, the posting date, a cancellation reason.

The details dialog checks what the clerk entered by handing it to a service in a worker
(``submit``); a refusal is listed inside the dialog, which stays open so the clerk can fix it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.documents.model import LetterKind, SignatureMode
from kommune_desk.domain.corrections import asks_for_correction
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.notices import NoticeDetails

from .errors import make_room, problem_label
from .run import explain_failure
from .workers import start_task
from .working_dialog import WorkingDialog

SIGNATURE_LABELS = {
    SignatureMode.MASCHINELL: "Maschinell erstellt (ohne Unterschrift gültig)",
    SignatureMode.GEZEICHNET: "»gez.« mit Ihrem Namen",
}
DOCUMENTS_DUE_DAYS = 14  # a usual period for handing in missing documents
# Which inputs a kind of letter uses (the others stay hidden so the form stays short).
_FIELDS: dict[LetterKind, frozenset[str]] = {
    LetterKind.ANFORDERUNG_UNTERLAGEN: frozenset({"missing", "due"}),
    LetterKind.BEWILLIGUNG: frozenset({"reasons", "conditions"}),
    LetterKind.ABLEHNUNG: frozenset({"reasons"}),
    LetterKind.GEBUEHRENBESCHEID: frozenset({"reasons"}),
}
_REASONS_HINT = {
    LetterKind.BEWILLIGUNG: "Nur nötig bei teilweiser Bewilligung oder mit Nebenbestimmungen.",
    LetterKind.ABLEHNUNG: "Pflicht: Warum wird der Antrag abgelehnt? (§ 39 HVwVfG)",
    LetterKind.GEBUEHRENBESCHEID: "Freiwillig: ergänzt die Begründung der Gebühr.",
}
Submit = Callable[[LetterKind, NoticeDetails], Any]


def to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def date_edit(value: dt.date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd.MM.yyyy")
    return edit


def _lines(edit: QPlainTextEdit) -> tuple[str, ...]:
    return tuple(line.strip() for line in edit.toPlainText().splitlines() if line.strip())


def _text_edit(placeholder: str, height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(height)
    return edit


class NoticeDetailsDialog(WorkingDialog):
    """Kind and details of a letter. ``submit(kind, details)`` runs in a worker when the clerk
    confirms; its result is kept in ``result_value`` and the dialog closes."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        kinds: Sequence[LetterKind],
        submit: Submit,
        confirm_text: str,
        details: NoticeDetails | None = None,
        on_correct: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent, confirm_text)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self._submit = submit
        self.result_value: Any = None
        details = details or NoticeDetails()
        today = dt.date.today()

        self.kind = QComboBox()
        self.kind.setObjectName("noticeKind")
        for kind in kinds:
            self.kind.addItem(kind.label, kind.value)  # Qt would turn the StrEnum into a str
        self.kind.setEnabled(len(kinds) > 1)
        self.missing = _text_edit("Eine Unterlage je Zeile, z. B. »Lageplan mit Standort des Baums«", 90)
        self.missing.setPlainText("\n".join(details.missing_documents))
        self.due = date_edit(details.documents_due or today + dt.timedelta(days=DOCUMENTS_DUE_DAYS))
        self.reasons = _text_edit("Begründung in Ihren Worten", 110)
        self.reasons.setPlainText(details.reasons)
        self.reasons_hint = QLabel()
        self.reasons_hint.setStyleSheet("color: #555;")
        self.conditions = _text_edit("Eine Nebenbestimmung je Zeile (Auflagen, Bedingungen, Fristen)", 80)
        self.conditions.setPlainText("\n".join(details.conditions))
        self.signature = QComboBox()
        for mode, label in SIGNATURE_LABELS.items():
            self.signature.addItem(label, mode.value)
        self.signature.setCurrentIndex(self.signature.findData(details.signature.value))
        self.letter_date = date_edit(details.letter_date or today)

        self.form = QFormLayout()
        self.form.addRow("Art des Schreibens:", self.kind)
        self.form.addRow("Fehlende Unterlagen:", self.missing)
        self.form.addRow("Nachreichen bis:", self.due)
        self.form.addRow("Begründung:", self.reasons)
        self.form.addRow("", self.reasons_hint)
        self.form.addRow("Nebenbestimmungen:", self.conditions)
        self.form.addRow("Unterschrift:", self.signature)
        self.form.addRow("Datum des Schreibens:", self.letter_date)

        self.problems = problem_label("noticeProblems")
        self.problems.hide()
        # A missing address is fixed in the case, not here: offer the way there.
        self.correct_button = QPushButton("Angaben berichtigen …")
        self.correct_button.setObjectName("correctFromNotice")
        self.correct_button.hide()
        self._on_correct = on_correct
        self.correct_button.clicked.connect(self._correct)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.addButton(confirm_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setDefault(True)
        self.buttons.accepted.connect(self.check_and_accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problems)
        layout.addWidget(self.correct_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(lambda _index: self._show_fields())
        self._show_fields()

    def chosen_kind(self) -> LetterKind:
        return LetterKind(self.kind.currentData())

    def details(self) -> NoticeDetails:
        fields = _FIELDS.get(self.chosen_kind(), frozenset())
        return NoticeDetails(
            missing_documents=_lines(self.missing) if "missing" in fields else (),
            documents_due=to_date(self.due.date()) if "due" in fields else None,
            reasons=self.reasons.toPlainText().strip() if "reasons" in fields else "",
            conditions=_lines(self.conditions) if "conditions" in fields else (),
            signature=SignatureMode(self.signature.currentData()),
            letter_date=to_date(self.letter_date.date()),
        )

    def _show_fields(self) -> None:
        kind = self.chosen_kind()
        fields = _FIELDS.get(kind, frozenset())
        for name, widget in (
            ("missing", self.missing),
            ("due", self.due),
            ("reasons", self.reasons),
            ("conditions", self.conditions),
        ):
            self.form.setRowVisible(widget, name in fields)
        self.reasons_hint.setText(_REASONS_HINT.get(kind, ""))
        self.form.setRowVisible(self.reasons_hint, "reasons" in fields)
        self.problems.hide()
        self.adjustSize()

    def check_and_accept(self) -> None:
        """Hand the entries to ``submit`` in a worker; close on success, list problems otherwise."""
        self._busy(True)
        start_task(
            self._submit, self.chosen_kind(), self.details(), on_done=self._done, on_error=self._failed
        )

    def _done(self, result: object) -> None:
        self._busy(False)
        self.result_value = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError):
            self.show_problems(exc.messages)
        else:
            explain_failure(self, exc)

    def show_problems(self, messages: Sequence[str]) -> None:
        text = "\n".join(f"• {message}" for message in messages)
        self.problems.setText("Bitte prüfen Sie:\n" + text)
        self.problems.show()
        self.correct_button.setVisible(self._on_correct is not None and asks_for_correction(list(messages)))
        make_room(self)

    def _correct(self) -> None:
        """Close this letter and open "Angaben berichtigen" of the case."""
        self.reject()
        if self._on_correct is not None:
            self._on_correct()


class PostingDateDialog(QDialog):
    """When the letter(s) went to the post (default today)."""

    def __init__(self, parent: QWidget | None, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Als versandt vermerken")
        self.setMinimumWidth(420)
        self.date = date_edit(dt.date.today())  # the service refuses impossible dates, in German
        intro = QLabel(
            f"{text}\nDaraus ergeben sich der Tag der Bekanntgabe und das Ende der Rechtsbehelfsfrist."
        )
        intro.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow("Zur Post gegeben am:", self.date)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("Als versandt vermerken", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> dt.date:
        return to_date(self.date.date())
