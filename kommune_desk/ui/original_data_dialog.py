"""The applicant and form data as received, before the first correction (read only)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.services.case_corrections import OriginalData


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class OriginalDataDialog(QDialog):
    def __init__(self, original: OriginalData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ursprüngliche Angaben")
        self.setMinimumSize(520, 420)
        applicant = QFormLayout()
        for label, value in original.applicant:
            applicant.addRow(f"{label}:", _plain(value or "–"))
        applicant_box = QGroupBox("Antragsteller/in, wie eingegangen")
        applicant_box.setLayout(applicant)
        form = QFormLayout()
        for line in original.form:
            indent = "    " * line.level
            if line.heading:
                heading = _plain(indent + line.label)
                heading.setStyleSheet("font-weight: 600;")
                form.addRow(heading)
            else:
                form.addRow(_plain(f"{indent}{line.label}:"), _plain(line.value or "–"))
        form_box = QGroupBox("Angaben im Antrag, wie eingegangen")
        form_box.setLayout(form)
        form_box.setVisible(bool(original.form))
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(applicant_box)
        inner.addWidget(form_box)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        note = _plain("Diese Angaben sind archiviert und werden nicht verändert.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
