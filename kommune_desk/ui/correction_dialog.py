"""Angaben berichtigen: the clerk corrects applicant and form data, always with a reason.

The dialog only collects what changed; the service checks and stores it (and says in German
what is wrong, shown here without closing the dialog, so nothing typed is lost).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.corrections import APPLICANT_LABELS, CaseCorrection
from kommune_desk.services.case_corrections import correct_case
from kommune_desk.services.cases import CaseDetail
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.workspace import Workspace

from .errors import make_room, problem_label
from .run import explain_failure
from .workers import start_task

_APPLICANT_VALUES = {
    "applicant_name": lambda d: d.applicant_name,
    "applicant_street": lambda d: d.applicant_street,
    "applicant_postal_code": lambda d: d.applicant_postal_code,
    "applicant_city": lambda d: d.applicant_city,
    "applicant_email": lambda d: d.applicant_email,
    "applicant_phone": lambda d: d.applicant_phone,
}


class CorrectionDialog(QDialog):
    """Edits of one case's data; ``accepted`` after the correction was stored."""

    def __init__(self, workspace: Workspace, detail: CaseDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Angaben berichtigen – {detail.aktenzeichen}")
        self.setMinimumWidth(560)
        self.resize(680, 620)  # fits a 1280×720 screen with the taskbar
        self.workspace = workspace
        self.detail = detail
        self._busy = False
        self.applicant_edits: dict[str, QLineEdit] = {}
        self.form_edits: dict[str, QLineEdit | QPlainTextEdit] = {}
        self._before: dict[str, str] = {}

        applicant = QFormLayout()
        for column, label in APPLICANT_LABELS.items():
            edit = QLineEdit(_APPLICANT_VALUES[column](detail))
            edit.setObjectName(column)
            self.applicant_edits[column] = edit
            self._before[column] = edit.text()
            applicant.addRow(f"{label}:", edit)
        applicant_box = QGroupBox("Antragsteller/in")
        applicant_box.setLayout(applicant)

        form = QFormLayout()
        for line in detail.form_lines:
            if line.heading:
                heading = QLabel(line.label)
                heading.setTextFormat(Qt.TextFormat.PlainText)
                heading.setStyleSheet("font-weight: 600;")
                form.addRow(heading)
                continue
            widget: QLineEdit | QPlainTextEdit
            if "\n" in line.value:
                widget = QPlainTextEdit(line.value)
                widget.setFixedHeight(70)
            else:
                widget = QLineEdit(line.value)
            self.form_edits[line.key] = widget
            self._before[line.key] = line.value
            label = QLabel(f"{line.label}:")
            label.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(label, widget)
        form_box = QGroupBox("Angaben im Antrag")
        form_box.setLayout(form)
        form_box.setVisible(bool(self.form_edits))

        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("z. B. »Anschrift laut Anruf der Antragstellerin vom 06.12.2026«")
        self.reason.setFixedHeight(60)
        reason_box = QGroupBox("Grund der Berichtigung (Pflichtangabe)")
        QVBoxLayout(reason_box).addWidget(self.reason)

        hint = QLabel(
            "Die ursprünglichen Angaben bleiben unverändert archiviert und sind im Vorgang einsehbar. "
            "Jede Änderung wird mit altem und neuem Wert und dem Grund im Verlauf festgehalten."
        )
        hint.setWordWrap(True)
        self.problems = problem_label("correctionProblems")
        self.problems.hide()

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(applicant_box)
        inner.addWidget(form_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Berichtigung speichern")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(reason_box)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)

    def correction(self) -> CaseCorrection:
        """What the clerk changed (untouched values are not sent)."""
        applicant = {c: e.text() for c, e in self.applicant_edits.items() if e.text() != self._before[c]}
        form = {k: _text(e) for k, e in self.form_edits.items() if _text(e) != self._before[k]}
        return CaseCorrection(reason=self.reason.toPlainText(), applicant=applicant, form=form)

    def save(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.buttons.setEnabled(False)
        start_task(
            correct_case, self.workspace, self.detail.id, self.correction(),
            on_done=lambda _count: self.accept(), on_error=self._failed,
        )  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.problems.setText("\n".join(exc.messages))
            self.problems.show()
            make_room(self)
        else:
            explain_failure(self, exc)


def _text(edit: QLineEdit | QPlainTextEdit) -> str:
    return edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()
