"""Behörde und Kontaktdaten: Stadt or Gemeinde, name, phone, e-mail and the office's address, as
every letter prints them. Teamleitung and Administration change them; everyone else reads them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.authority import AuthorityData, authority_of, authority_problems
from kommune_desk.domain.records import MunicipalityKind
from kommune_desk.services.authority import AuthorityError, authority_settings, may_edit, set_authority
from kommune_desk.services.workspace import Workspace

from .errors import ERROR_COLOR, field_with_error, make_room
from .run import run_service

_FAULTY = f"border: 1px solid {ERROR_COLOR};"
_FIELDS = ("name", "phone", "email", "street", "postal_code", "city")


class AuthorityDialog(QDialog):
    """Shows the current data; saving checks every field first and names each problem below it."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Behörde und Kontaktdaten")
        self.setMinimumWidth(520)
        editable = may_edit(workspace)
        current = authority_settings(workspace)

        self.kind = QComboBox()
        self.kind.setObjectName("authorityKind")
        self.kind.addItem("Gemeinde (es zeichnet der Gemeindevorstand)", "gemeinde")
        self.kind.addItem("Stadt (es zeichnet der Magistrat)", "stadt")
        self.kind.setCurrentIndex(max(self.kind.findData(current.kind), 0))
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.addRow("Art:", self.kind)
        placeholders = {
            "name": "ohne »Stadt« oder »Gemeinde«, z. B. Nauheim",
            "phone": "z. B. 06152 639-0",
            "email": "z. B. buergerbuero@nauheim.de",
            "street": "Straße und Hausnummer der Dienststelle",
            "postal_code": "PLZ",
            "city": "Ort",
        }
        labels = {
            "name": "Name:", "phone": "Telefon:", "email": "E-Mail:", "street": "Anschrift:",
            "postal_code": "PLZ:", "city": "Ort:",
        }  # fmt: skip
        for key in _FIELDS:
            edit = QLineEdit(getattr(current, key))
            edit.setObjectName(f"authority_{key}")
            edit.setPlaceholderText(placeholders[key])
            edit.setMaxLength(5 if key == "postal_code" else 254)
            edit.setReadOnly(not editable)
            edit.textChanged.connect(self._preview)
            cell, error = field_with_error(edit, f"authority_error_{key}")
            form.addRow(labels[key], cell)
            self.edits[key], self.errors[key] = edit, error
        self.kind.setEnabled(editable)
        self.kind.currentIndexChanged.connect(self._preview)

        self.preview = QLabel()
        self.preview.setObjectName("authorityPreview")
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("color: #555;")
        note = QLabel(
            "Diese Angaben stehen im Briefkopf, in der Fußzeile und im Informationsblock jedes Schreibens. "
            "Ohne Telefon und E-Mail verweisen die Schreiben auf die Anschrift der Dienststelle."
            if editable
            else "Diese Angaben können nur die Teamleitung und die Administration ändern."
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
            if editable
            else QDialogButtonBox.StandardButton.Close
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._preview()

    def entered(self) -> AuthorityData:
        values = {key: edit.text() for key, edit in self.edits.items()}
        return AuthorityData(kind=str(self.kind.currentData()), **values)

    def _preview(self) -> None:
        data = self.entered()
        if data.name.strip():
            authority = authority_of(MunicipalityKind(data.kind), data.name)
            self.preview.setText(f"Im Schreiben: {authority.letterhead} · Gruß: {authority.signing}")
        else:
            self.preview.setText("")

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, edit in self.edits.items():
            message = errors.get(key, "")
            self.errors[key].setText(message)
            self.errors[key].setVisible(bool(message))
            edit.setStyleSheet(_FAULTY if message else "")
        make_room(self)
        first = next((key for key in _FIELDS if key in errors), None)
        if first:
            self.edits[first].setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        data = self.entered()
        problems = authority_problems(data)  # the service checks again; this answers at once
        self.show_errors(problems)
        if problems:
            return
        self.buttons.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            if isinstance(exc, AuthorityError):
                self.show_errors(exc.errors)

        run_service(
            self,
            set_authority,
            self.workspace,
            data,
            on_done=lambda _changed: self.accept(),
            on_failed=failed,
        )
