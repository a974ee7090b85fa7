"""The applicant and form data as received, before the first correction (read only)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.services.case_corrections import OriginalData

from .case_view import add_form_lines, plain_label


class OriginalDataDialog(QDialog):
    def __init__(self, original: OriginalData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ursprüngliche Angaben")
        self.setMinimumSize(520, 420)
        applicant = QFormLayout()
        for label, value in original.applicant:
            applicant.addRow(f"{label}:", plain_label(value or "–"))
        applicant_box = QGroupBox("Antragsteller/in, wie eingegangen")
        applicant_box.setLayout(applicant)
        form = QFormLayout()
        add_form_lines(form, original.form, empty="–")
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
        note = plain_label("Diese Angaben sind archiviert und werden nicht verändert.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
