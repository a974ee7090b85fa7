""" "Schreiben und Bescheide" of one case: the case's letters with status and legal dates, the
steps of their life cycle, and a preview of the selected one beside the list.

Every read, render and write runs in a worker; results that arrive after the clerk has moved on
(another row, another case) are dropped. Which step is possible for a status is asked from
``domain.notices``; who may take it is decided by the service, whose refusal is shown in German.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.formatting import format_date, local_date
from kommune_desk.domain.notices import NoticeAction, NoticeStatus, transition_refusal
from kommune_desk.services import notices
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.notices import NoticeDetails, NoticeSummary
from kommune_desk.services.workspace import Workspace

from .notice_dialogs import NoticeDetailsDialog, PostingDateDialog
from .pdf_preview import PdfPreview
from .run import explain_failure
from .workers import start_task

COLUMNS = ("Schreiben", "Version", "Status", "Datum", "Bekanntgabe", "Rechtsbehelf bis")
# Printing or saving a draft would let a letter leave the house before its release.
_OUTPUT_STATUSES = frozenset({NoticeStatus.FREIGEGEBEN, NoticeStatus.VERSANDT, NoticeStatus.STORNIERT})
_PRINT_STATUSES = frozenset({NoticeStatus.FREIGEGEBEN, NoticeStatus.VERSANDT})
_OUTPUT_TIPS = {
    "Drucken …": "Das Schreiben drucken",
    "Als PDF speichern …": "Das Schreiben als PDF-Datei speichern",
}
_PENDING_BUTTONS = ("Ändern …", "Vorschau", "Als Entwurf speichern", "Verwerfen")
_CACHE_SIZE = 12  # archived PDFs never change, so they can be kept; a few suffice


@dataclass(frozen=True)
class PendingLetter:
    """A letter the clerk is composing: previewed, not yet archived."""

    kind: LetterKind
    details: NoticeDetails


def _date(value: dt.date | None) -> str:
    return format_date(value) if value else ""


def read_case_letters(ws: Workspace, application_id: str) -> tuple[list[NoticeSummary], list[LetterKind]]:
    """The case's notices and the kinds of letter that fit it now (one worker round trip)."""
    return notices.list_notices(ws, application_id), notices.kinds_available(ws, application_id)


class NoticesPanel(QWidget):
    """The letters of one case. ``changed`` fires after a write (the case view then re-reads the
    case: sending a decision notice moves the case on)."""

    changed = Signal()
    # A letter refused for a missing address: the case view opens "Angaben berichtigen".
    correction_requested = Signal()
    loaded = Signal()  # the list was (re-)read and is on screen
    preview_ready = Signal(object)  # bytes of the PDF now in the preview

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.application_id = ""
        self.aktenzeichen = ""
        self.notices: list[NoticeSummary] = []
        self.kinds: list[LetterKind] = []
        self.pending: PendingLetter | None = None
        self._rows: list[NoticeSummary | PendingLetter] = []
        self._pdfs: dict[str, bytes] = {}  # notice id (or "neu") → PDF bytes
        self._shown_key = ""  # whose PDF the preview shows
        self._request = 0  # the newest preview request; older answers are dropped
        self._reloads = 0  # likewise for reading the list
        self._select_next: str | None = None  # to select once the list is read (a new notice)
        self._busy = False

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("noticesTable")
        self.table.setAccessibleName("Schreiben und Bescheide des Antrags")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self._double_clicked())
        self.info = QLabel()
        self.info.setObjectName("noticeInfo")
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setStyleSheet("color: #333;")

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(6)
        layout_of_buttons: list[list[tuple[str, Callable[[], None], str]]] = [
            [
                ("Neues Schreiben …", self.new_letter, "Ein Schreiben zu diesem Antrag verfassen"),
                ("Ändern …", self.edit_pending, "Die Angaben des neuen Schreibens ändern"),
                ("Vorschau", self.preview, "Die Vorschau des neuen Schreibens neu erstellen"),
                ("Als Entwurf speichern", self.save_draft, "Das Schreiben archivieren (Status Entwurf)"),
                ("Verwerfen", self.discard_pending, "Das neue Schreiben nicht speichern"),
            ],
            [
                ("Freigeben", self.release, "Den Entwurf freigeben; danach kann er gedruckt werden"),
                ("Als versandt markieren", self.mark_sent, "Vermerken, wann das Schreiben zur Post ging"),
                ("Stornieren …", self.cancel, "Das Schreiben mit Angabe eines Grundes stornieren"),
                ("Korrigieren …", self.correct, "Eine berichtigte neue Version erstellen"),
            ],
            [
                ("Drucken …", self.print_selected, "Das Schreiben drucken"),
                ("Als PDF speichern …", self.save_selected, "Das Schreiben als PDF-Datei speichern"),
            ],
        ]
        for row, entries in enumerate(layout_of_buttons):
            for column, (text, slot, tip) in enumerate(entries):
                button = QPushButton(text)
                button.setToolTip(tip)
                button.clicked.connect(lambda _checked=False, s=slot: s())
                self.buttons[text] = button
                grid.addWidget(button, row, column)
        grid.setColumnStretch(5, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.info)
        left_layout.addLayout(grid)
        self.preview_widget = PdfPreview()
        self.preview_widget.clear("Wählen Sie links ein Schreiben aus, um es hier zu sehen.")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.preview_widget)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([500, 600])  # the same proportion from the start, whatever the contents
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------------
    def set_case(self, application_id: str, aktenzeichen: str) -> None:
        """Show the letters of a case (a different case drops an unsaved new letter)."""
        if application_id != self.application_id:
            self.pending = None
            self.notices, self.kinds = [], []
            self._fill([])
            self.preview_widget.clear("Die Schreiben werden gelesen …")
        self.application_id = application_id
        self.aktenzeichen = aktenzeichen
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Re-read the list; then select ``select`` (a notice id, "neu") or keep the selection."""
        if not self.application_id:
            return
        if select:
            self._select_next = select
        self._reloads += 1
        reload, application_id = self._reloads, self.application_id

        def show(result: tuple[list[NoticeSummary], list[LetterKind]]) -> None:
            if reload != self._reloads or application_id != self.application_id:
                return  # a newer reload is under way, or the clerk opened another case
            self.notices, self.kinds = result
            self._fill(self._select_next or self._selected_key())
            self._select_next = None
            self.loaded.emit()

        start_task(
            read_case_letters, self.workspace, application_id, on_done=show,
            on_error=lambda exc: explain_failure(self, exc, "Schreiben"), owner=self,
        )  # fmt: skip

    def _fill(self, select: str | None) -> None:
        rows: list[NoticeSummary | PendingLetter] = [self.pending] if self.pending else []
        rows += list(reversed(self.notices))  # newest first
        self._rows = rows
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, text in enumerate(self._cells(row)):
                item = QTableWidgetItem(text)
                if isinstance(row, PendingLetter):
                    item.setForeground(QColor("#1a5fb4"))
                elif row.status is NoticeStatus.STORNIERT:
                    item.setForeground(QColor("#888888"))
                    item.setToolTip(f"Storniert: {row.cancel_reason}" if row.cancel_reason else "Storniert")
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        keys = [self._key(row) for row in rows]
        self.table.clearSelection()
        self.table.blockSignals(False)
        if select in keys:
            self.table.selectRow(keys.index(select))
        elif rows:
            self.table.selectRow(0)
        else:
            self._selection_changed()

    @staticmethod
    def _cells(row: NoticeSummary | PendingLetter) -> tuple[str, ...]:
        if isinstance(row, PendingLetter):
            return (row.kind.label, "neu", "Noch nicht gespeichert", _date(row.details.letter_date), "", "")
        return (
            row.kind.label,
            str(row.version),
            row.status.label,
            _date(row.letter_date),
            _date(row.bekanntgabe_on),
            _date(row.remedy_deadline),
        )

    @staticmethod
    def _key(row: NoticeSummary | PendingLetter) -> str:
        return "neu" if isinstance(row, PendingLetter) else row.id

    # -- selection -------------------------------------------------------------------------------
    def selected(self) -> NoticeSummary | PendingLetter | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()] if rows and rows[0].row() < len(self._rows) else None

    def selected_notice(self) -> NoticeSummary | None:
        row = self.selected()
        return row if isinstance(row, NoticeSummary) else None

    def _selected_key(self) -> str | None:
        row = self.selected()
        return self._key(row) if row is not None else None

    def select_notice(self, notice_id: str) -> None:
        keys = [self._key(row) for row in self._rows]
        if notice_id in keys:
            self.table.selectRow(keys.index(notice_id))

    def _selection_changed(self) -> None:
        row = self.selected()
        self.info.setText(self._info_text(row))
        self._update_buttons()
        if row is None:
            self._request += 1
            self._shown_key = ""
            if self.notices or self.pending:
                self.preview_widget.clear("Wählen Sie links ein Schreiben aus, um es hier zu sehen.")
            else:
                self.preview_widget.clear("Zu diesem Antrag gibt es noch kein Schreiben.")
            return
        key = self._key(row)
        if key == self._shown_key and key in self._pdfs and self.preview_widget.is_showing_pdf():
            self.preview_widget.set_title(self._title(row))  # same bytes, perhaps a new status
        else:
            self._show_preview(row)

    def _info_text(self, row: NoticeSummary | PendingLetter | None) -> str:
        if row is None:
            if not self.kinds:
                return "Für den Antrag in seinem jetzigen Stand ist kein Schreiben vorgesehen."
            return "Mögliche Schreiben: " + ", ".join(kind.label for kind in self.kinds) + "."
        if isinstance(row, PendingLetter):
            return (
                f"Neues Schreiben: {row.kind.label}. Es ist noch nicht gespeichert – prüfen Sie die "
                "Vorschau und speichern Sie es als Entwurf."
            )
        lines = [
            f"{row.kind.label}, Version {row.version} – {row.status.label}",
            f"Erstellt am {format_date(local_date(row.created_at))} von {row.created_by_name}"
            + (f" · freigegeben von {row.released_by_name}" if row.released_by_name else ""),
        ]
        if row.posted_on:
            sent = f"Zur Post gegeben am {format_date(row.posted_on)}"
            if row.bekanntgabe_on:
                sent += f" · bekanntgegeben am {format_date(row.bekanntgabe_on)}"
            if row.remedy_deadline:
                sent += f" · Rechtsbehelfsfrist bis {format_date(row.remedy_deadline)}"
            lines.append(sent)
        if row.fee_due_on:
            lines.append(f"Gebühr fällig am {format_date(row.fee_due_on)}")
        if row.replaces_id:
            old = next((n for n in self.notices if n.id == row.replaces_id), None)
            lines.append(f"Berichtigt Version {old.version}" if old else "Berichtigt eine frühere Version")
        if row.status is NoticeStatus.STORNIERT and row.cancel_reason:
            lines.append(f"Storniert: {row.cancel_reason}")
        return "\n".join(lines)

    def _update_buttons(self) -> None:
        row = self.selected()
        notice = row if isinstance(row, NoticeSummary) else None
        pending = isinstance(row, PendingLetter)
        idle = not self._busy and bool(self.application_id)

        def possible(action: NoticeAction) -> bool:
            return notice is not None and transition_refusal(notice.status, action) is None

        enabled = {
            "Neues Schreiben …": idle and bool(self.kinds),
            "Ändern …": idle and pending,
            "Vorschau": idle and pending,
            "Als Entwurf speichern": idle and pending,
            "Verwerfen": idle and pending,
            "Freigeben": idle and possible(NoticeAction.FREIGEBEN) and notice.release_refusal is None,
            "Als versandt markieren": idle and possible(NoticeAction.VERSENDEN),
            "Stornieren …": idle and possible(NoticeAction.STORNIEREN),
            "Korrigieren …": idle and possible(NoticeAction.BERICHTIGEN),
            "Drucken …": idle and notice is not None and notice.status in _PRINT_STATUSES,
            "Als PDF speichern …": idle and notice is not None and notice.status in _OUTPUT_STATUSES,
        }
        for text, on in enabled.items():
            self.buttons[text].setEnabled(on)
        for text in _PENDING_BUTTONS:  # only while composing: fewer greyed-out buttons to read
            self.buttons[text].setVisible(self.pending is not None)
        new = self.buttons["Neues Schreiben …"]
        new.setToolTip(
            "Ein Schreiben zu diesem Antrag verfassen"
            if self.kinds
            else "Für den Antrag in seinem jetzigen Stand ist kein Schreiben vorgesehen "
            "(z. B. ist noch keine Leistung zugeordnet)."
        )
        draft = notice is not None and notice.status is NoticeStatus.ENTWURF
        refusal = notice.release_refusal if notice is not None and draft else None
        self.buttons["Freigeben"].setToolTip(
            refusal or "Den Entwurf freigeben; danach kann er gedruckt werden"
        )
        for text, tip in _OUTPUT_TIPS.items():
            self.buttons[text].setToolTip(
                "Ein Entwurf verlässt das Haus erst nach der Freigabe." if draft else tip
            )

    # -- preview ---------------------------------------------------------------------------------
    def _show_preview(self, row: NoticeSummary | PendingLetter) -> None:
        key = self._key(row)
        self._request += 1
        request = self._request
        self._shown_key = key
        if key in self._pdfs:
            self._put_preview(self._pdfs[key], row)
            return
        self.preview_widget.clear("Vorschau wird erstellt …")

        def done(data: bytes) -> None:
            self._remember(key, data)
            if request == self._request:
                self._put_preview(data, row)

        def failed(exc: BaseException) -> None:
            if request != self._request:
                return
            if isinstance(exc, ValidationError):
                problems = "\n".join(f"• {message}" for message in exc.messages)
                self.preview_widget.clear(f"Die Vorschau ist so nicht möglich:\n{problems}")
            else:
                self.preview_widget.clear("Die Vorschau konnte nicht erstellt werden.")
                explain_failure(self, exc, "Vorschau")

        if isinstance(row, PendingLetter):
            fn: Callable[..., bytes] = notices.preview_notice
            args: tuple[Any, ...] = (self.workspace, self.application_id, row.kind, row.details)
        else:
            fn, args = notices.notice_pdf, (self.workspace, row.id)
        start_task(fn, *args, on_done=done, on_error=failed, owner=self)

    def _put_preview(self, data: bytes, row: NoticeSummary | PendingLetter) -> None:
        if self.preview_widget.show_pdf(data, self._title(row)):
            self.preview_ready.emit(data)

    @staticmethod
    def _title(row: NoticeSummary | PendingLetter) -> str:
        if isinstance(row, PendingLetter):
            return f"{row.kind.label} (neu, noch nicht gespeichert)"
        return f"{row.kind.label} · Version {row.version} · {row.status.label}"

    def _remember(self, key: str, data: bytes) -> None:
        self._pdfs[key] = data
        while len(self._pdfs) > _CACHE_SIZE:
            self._pdfs.pop(next(iter(self._pdfs)))

    def current_pdf(self) -> bytes | None:
        """The PDF of the selected row, if it has been read or rendered."""
        key = self._selected_key()
        return self._pdfs.get(key) if key else None

    # -- composing a new letter ------------------------------------------------------------------
    def new_letter(self) -> NoticeDetailsDialog | None:
        """Ask for kind and details; checked by the service before the preview is made."""
        if not self.kinds:
            return None
        return self._compose(self.kinds, None, "Neues Schreiben")

    def edit_pending(self) -> NoticeDetailsDialog | None:
        if self.pending is None:
            return None
        kinds = [self.pending.kind] + [k for k in self.kinds if k is not self.pending.kind]
        return self._compose(kinds, self.pending.details, "Neues Schreiben ändern")

    def _compose(
        self, kinds: list[LetterKind], details: NoticeDetails | None, title: str
    ) -> NoticeDetailsDialog:
        ws, application_id = self.workspace, self.application_id

        def check(kind: LetterKind, entered: NoticeDetails) -> PendingLetter:
            notices.build_letter(ws, application_id, kind, entered)  # raises ValidationError
            return PendingLetter(kind, entered)

        correct = self.correction_requested.emit
        dialog = NoticeDetailsDialog(
            self, title, kinds, check, "Weiter zur Vorschau", details, on_correct=correct
        )
        dialog.accepted.connect(lambda: self._composed(dialog.result_value))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _composed(self, pending: PendingLetter) -> None:
        self.pending = pending
        self._pdfs.pop("neu", None)  # so the selection renders the new entries
        self._fill("neu")

    def preview(self) -> None:
        """Render the new letter again (e.g. after a text block was changed)."""
        if self.pending is not None:
            self._pdfs.pop("neu", None)
            self._show_preview(self.pending)

    def discard_pending(self) -> None:
        if self.pending is None:
            return
        self.pending = None
        self._pdfs.pop("neu", None)
        self._fill(None)

    def save_draft(self) -> None:
        """Archive the new letter as Entwurf."""
        pending = self.pending
        if pending is None:
            return

        def saved(summary: NoticeSummary) -> None:
            self.pending = None
            if "neu" in self._pdfs:
                # The archived PDF is rendered again by the service; drop the preview's bytes.
                self._pdfs.pop("neu")
            self._after_write(summary)

        self._write(notices.issue_notice, self.application_id, pending.kind, pending.details, on_done=saved)

    # -- life cycle ------------------------------------------------------------------------------
    def release(self) -> None:
        notice = self.selected_notice()
        if notice is None:
            return
        answer = QMessageBox.question(
            self,
            "Freigeben",
            f"{notice.kind.label}, Version {notice.version}, freigeben?\n\nDanach kann es gedruckt und "
            "versandt werden; ändern lässt es sich nur noch durch Stornieren oder Korrigieren.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._write(notices.release_notice, notice.id)

    def mark_sent(self) -> None:
        notice = self.selected_notice()
        if notice is None:
            return
        dialog = PostingDateDialog(
            self, f"{notice.kind.label}, Version {notice.version}: Wann wurde es zur Post gegeben?"
        )
        if dialog.exec():
            self._write(notices.mark_sent, notice.id, dialog.chosen())

    def cancel(self) -> None:
        notice = self.selected_notice()
        if notice is None:
            return
        reason, ok = QInputDialog.getMultiLineText(
            self,
            "Stornieren",
            f"Warum wird {notice.kind.label}, Version {notice.version}, storniert?\n"
            "(Der Grund wird gespeichert; das archivierte Schreiben bleibt erhalten.)",
        )
        if ok:
            self._write(notices.cancel_notice, notice.id, reason)

    def correct(self) -> NoticeDetailsDialog | None:
        """A corrected new version (Entwurf); the old one becomes storniert."""
        notice = self.selected_notice()
        if notice is None:
            return None
        ws = self.workspace

        def submit(_kind: LetterKind, details: NoticeDetails) -> NoticeSummary:
            return notices.correct_notice(ws, notice.id, details)

        dialog = NoticeDetailsDialog(
            self,
            f"{notice.kind.label} korrigieren",
            [notice.kind],
            submit,
            "Neue Version als Entwurf speichern",
            notices.notice_details(ws, notice.id),  # one row by key: a bounded read
            on_correct=self.correction_requested.emit,
        )
        dialog.accepted.connect(lambda: self._after_write(dialog.result_value))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- output ----------------------------------------------------------------------------------
    def print_selected(self) -> None:
        notice = self.selected_notice()
        if notice is not None:
            self._with_pdf(notice, lambda data: self._print(notice, data))

    def save_selected(self) -> None:
        notice = self.selected_notice()
        if notice is not None:
            self._with_pdf(notice, lambda data: self._save(notice, data))

    def _with_pdf(self, notice: NoticeSummary, then: Callable[[bytes], None]) -> None:
        if notice.id in self._pdfs:
            then(self._pdfs[notice.id])
            return

        def done(data: bytes) -> None:
            self._remember(notice.id, data)
            then(data)

        start_task(
            notices.notice_pdf, self.workspace, notice.id, on_done=done,
            on_error=lambda exc: explain_failure(self, exc, "Schreiben"), owner=self,
        )  # fmt: skip

    def _document_name(self, notice: NoticeSummary) -> str:
        return f"{notice.kind.label} {notice.aktenzeichen} Version {notice.version}"

    def _print(self, notice: NoticeSummary, data: bytes) -> None:
        from .pdf_printing import print_pdf

        print_pdf(self, data, self._document_name(notice))

    def _save(self, notice: NoticeSummary, data: bytes) -> None:
        from .pdf_printing import save_pdf_as

        save_pdf_as(self, data, self._document_name(notice))

    # -- writing ---------------------------------------------------------------------------------
    def _write(
        self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None
    ) -> None:
        """A service call in a worker; a refusal is listed in German, the list is re-read."""
        if self._busy:
            return  # a double click must not act twice
        self._busy = True
        self._update_buttons()

        def done(result: object) -> None:
            self._busy = False
            (on_done or self._after_write)(result)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._update_buttons()
            if isinstance(exc, ValidationError) and len(exc.messages) > 1:
                text = "\n".join(f"• {message}" for message in exc.messages)
                QMessageBox.warning(self, "Nicht möglich", f"Das geht so nicht:\n\n{text}")
            else:
                explain_failure(self, exc)

        start_task(fn, self.workspace, *args, on_done=done, on_error=failed, owner=self)

    def _after_write(self, summary: object) -> None:
        self._update_buttons()
        select = summary.id if isinstance(summary, NoticeSummary) else None
        self.changed.emit()
        self.reload(select)

    def button(self, text: str) -> QPushButton:
        return self.buttons[text]
