"""Datei → "Bescheide drucken …": the released letters that have not gone out yet, printed in one
job; afterwards the clerk confirms the printout and they are recorded as posted today."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_date
from kommune_desk.services import notices
from kommune_desk.services.errors import StorageError, ValidationError
from kommune_desk.services.notices import NoticeSummary
from kommune_desk.services.workspace import Workspace

from .pdf_printing import print_many
from .run import explain_failure
from .workers import start_task

COLUMNS = ("Aktenzeichen", "Antragsteller/in", "Schreiben", "Version", "Datum", "Freigegeben von")


def read_pdfs(ws: Workspace, chosen: list[NoticeSummary]) -> list[tuple[str, bytes]]:
    """(document name, verified PDF) of each chosen notice, in order."""
    return [
        (f"{n.kind.label} {n.aktenzeichen} Version {n.version}", notices.notice_pdf(ws, n.id)) for n in chosen
    ]


def mark_all_sent(ws: Workspace, chosen: list[NoticeSummary], posted_on: dt.date) -> list[str]:
    """Record each notice as posted (each its own transaction); German lines for those refused."""
    refused = []
    for notice in chosen:
        try:
            notices.mark_sent(ws, notice.id, posted_on)
        except (ValidationError, StorageError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            refused.append(f"{notice.aktenzeichen} ({notice.kind.label}): {reason}")
    return refused


class BatchPrintDialog(QDialog):
    """The Postausgang: choose, print in one job, confirm, record as sent."""

    loaded = Signal()
    sent = Signal(int)  # how many were recorded as posted

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.notices: list[NoticeSummary] = []
        self.setWindowTitle("Bescheide drucken")
        self.resize(900, 520)

        intro = QLabel(
            "Freigegebene Schreiben, die noch nicht zur Post gegeben wurden. Die ausgewählten werden "
            "in einem Druckauftrag gedruckt, in dieser Reihenfolge."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("batchTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(lambda _item: self._update())
        self.summary = QLabel("Die Schreiben werden gelesen …")
        self.summary.setObjectName("batchSummary")

        all_button = QPushButton("Alle auswählen")
        all_button.clicked.connect(lambda: self.check_all(True))
        none_button = QPushButton("Keine auswählen")
        none_button.clicked.connect(lambda: self.check_all(False))
        choose = QHBoxLayout()
        choose.addWidget(all_button)
        choose.addWidget(none_button)
        choose.addStretch(1)
        choose.addWidget(self.summary)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = self.buttons.addButton("Drucken …", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_selected)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(choose)
        layout.addWidget(self.buttons)
        self.reload()

    # -- list ------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.print_button.setEnabled(False)
        start_task(
            notices.ready_to_send, self.workspace, on_done=self._fill,
            on_error=lambda exc: explain_failure(self, exc, "Bescheide drucken"),
        )  # fmt: skip

    def _fill(self, ready: list[NoticeSummary]) -> None:
        self.notices = ready
        self.table.blockSignals(True)
        self.table.setRowCount(len(ready))
        for row, notice in enumerate(ready):
            cells = (
                notice.aktenzeichen,
                notice.applicant_name,
                notice.kind.label,
                str(notice.version),
                format_date(notice.letter_date),
                notice.released_by_name,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.blockSignals(False)
        self._update()
        self.loaded.emit()

    def check_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            self.table.item(row, 0).setCheckState(state)
        self.table.blockSignals(False)
        self._update()

    def chosen(self) -> list[NoticeSummary]:
        return [
            notice
            for row, notice in enumerate(self.notices)
            if self.table.item(row, 0).checkState() == Qt.CheckState.Checked
        ]

    def _update(self) -> None:
        count = len(self.chosen())
        if not self.notices:
            self.summary.setText("Keine freigegebenen Schreiben warten auf den Versand.")
        else:
            self.summary.setText(
                f"{count} von {count_noun(len(self.notices), 'Schreiben', 'Schreiben')} ausgewählt"
            )
        self.print_button.setEnabled(count > 0)

    # -- printing --------------------------------------------------------------------------------
    def print_selected(self) -> None:
        chosen = self.chosen()
        if not chosen:
            return
        self.print_button.setEnabled(False)
        start_task(
            read_pdfs, self.workspace, chosen,
            on_done=lambda documents: self._print(chosen, documents),
            on_error=self._read_failed,
        )  # fmt: skip

    def _read_failed(self, exc: BaseException) -> None:
        self._update()
        explain_failure(self, exc, "Bescheide drucken")  # e.g. a damaged archive file, named

    def _print(self, chosen: list[NoticeSummary], documents: list[tuple[str, bytes]]) -> None:
        if not print_many(self, documents):
            self._update()
            return
        today = dt.date.today()
        answer = QMessageBox.question(
            self,
            "Druck prüfen",
            "Wurden alle Schreiben richtig gedruckt?\n\n"
            f"Bei »Ja« werden {count_noun(len(chosen), 'Schreiben', 'Schreiben')} als am "
            f"{format_date(today)} zur Post gegeben vermerkt. Bei »Nein« bleiben alle hier, und Sie "
            "können die betroffenen erneut drucken.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            self._update()
            return
        start_task(
            mark_all_sent, self.workspace, chosen, today,
            on_done=lambda refused: self._marked(len(chosen), refused), on_error=self._marking_failed,
        )  # fmt: skip

    def _marking_failed(self, exc: BaseException) -> None:
        explain_failure(self, exc, "Als versandt vermerken")
        self.reload()  # some may have been recorded before the failure

    def _marked(self, total: int, refused: list[str]) -> None:
        done = total - len(refused)
        if refused:
            QMessageBox.warning(
                self,
                "Nicht alle vermerkt",
                f"{count_noun(done, 'Schreiben wurde', 'Schreiben wurden')} als versandt vermerkt. "
                "Diese nicht:\n\n" + "\n".join(f"• {line}" for line in refused),
            )
        self.sent.emit(done)
        self.reload()
