"""Manual entry of an application that came on paper, at the counter or by e-mail.

The service's form fields are typed (date, number, amount, choice, e-mail; Pflichtangaben): the
dialog checks them with the same domain function the service uses, shows each message in red
below its field, and saves only when every field is right.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.form_checks import FieldSpec, FieldType, FormError, check_form
from kommune_desk.domain.formatting import format_amount
from kommune_desk.domain.records import Channel, Service
from kommune_desk.services.applications import register_application, services_offered
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.workspace import Workspace

from .errors import ERROR_COLOR, field_with_error, make_room
from .run import run_service

_CHANNELS = (Channel.PAPIER, Channel.SCHALTER, Channel.EMAIL)
_FAULTY = f"border: 1px solid {ERROR_COLOR};"
FieldInput = QLineEdit | QComboBox


class NewApplicationDialog(QDialog):
    """Collects the application; saving runs in a worker. ``registered(id)`` when stored."""

    registered = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Neuer Antrag")
        self.setMinimumWidth(560)
        self.setAcceptDrops(True)
        self._services = services_offered(workspace)

        self.service = QComboBox()
        self.service.setObjectName("newService")
        for service in self._services:
            self.service.addItem(service.name, service.id)
        self.service.currentIndexChanged.connect(self._service_changed)
        self.service_hint = QLabel()
        self.service_hint.setStyleSheet("color: #555;")
        self.channel = QComboBox()
        for channel in _CHANNELS:
            self.channel.addItem(channel.label, channel.value)
        self.received = QDateTimeEdit(QDateTime.currentDateTime())
        self.received.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.received.setCalendarPopup(True)
        self.received.setMaximumDateTime(QDateTime.currentDateTime().addSecs(60))

        self.name = self._line("Nachname, Vorname", "newName")
        self.street = self._line("Straße und Hausnummer")
        self.postal_code = self._line("PLZ")
        self.postal_code.setMaxLength(5)
        self.city = self._line("Ort")
        self.email = self._line("E-Mail (freiwillig)")
        self.phone = self._line("Telefon (freiwillig)")

        self.fields_box = QGroupBox("Angaben zur Leistung")
        self.fields = QFormLayout(self.fields_box)
        self._field_edits: dict[str, FieldInput] = {}
        self._field_errors: dict[str, QLabel] = {}
        self._specs: dict[str, FieldSpec] = {}
        self._checked = False  # after the first attempt to save, fields are re-checked as they change

        self.scans = QListWidget()
        self.scans.setObjectName("newScans")
        self.scans.setMaximumHeight(90)
        add_scan = QPushButton("Datei hinzufügen …")
        add_scan.clicked.connect(self._pick_scans)
        remove_scan = QPushButton("Entfernen")
        remove_scan.clicked.connect(lambda: self.scans.takeItem(self.scans.currentRow()))
        scan_buttons = QHBoxLayout()
        scan_buttons.addWidget(add_scan)
        scan_buttons.addWidget(remove_scan)
        scan_buttons.addStretch(1)

        self.problems = QLabel()
        self.problems.setObjectName("newProblems")
        self.problems.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Antrag erfassen")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Leistung:", self.service)
        form.addRow("", self.service_hint)
        form.addRow("Eingangsweg:", self.channel)
        form.addRow("Eingegangen am:", self.received)
        form.addRow("Antragsteller/in:", self.name)
        form.addRow("Anschrift:", self.street)
        place = QHBoxLayout()
        place.addWidget(self.postal_code, 1)
        place.addWidget(self.city, 3)
        form.addRow("", place)
        form.addRow("E-Mail:", self.email)
        form.addRow("Telefon:", self.phone)
        scans_box = QGroupBox("Gescannte Unterlagen (auch per Ziehen und Ablegen)")
        scans_layout = QVBoxLayout(scans_box)
        scans_layout.addWidget(self.scans)
        scans_layout.addLayout(scan_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fields_box)
        layout.addWidget(scans_box)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self._service_changed()

    def _line(self, placeholder: str, name: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setMaxLength(200)
        if name:
            edit.setObjectName(name)
        return edit

    def _service(self) -> Service | None:
        service_id = self.service.currentData()
        return next((s for s in self._services if s.id == service_id), None)

    def _service_changed(self) -> None:
        service = self._service()
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self._field_edits, self._field_errors, self._specs = {}, {}, {}
        self._checked = False
        if service is None:
            return
        fee = (
            format_amount(service.fee_rule.fee_cents(1)) if service.fee_rule.amount_cents else "gebührenfrei"
        )
        kind = " · Anzeige (Empfangsbescheinigung)" if service.is_notification else ""
        self.service_hint.setText(f"Bearbeitungsfrist {service.processing_days} Tage · Gebühr {fee}{kind}")
        for spec in service.specs:
            edit = self._input(spec)
            cell, error = field_with_error(edit, f"error_{spec.key}")
            self.fields.addRow(f"{spec.label}{' *' if spec.required else ''}:", cell)
            self._field_edits[spec.key] = edit
            self._field_errors[spec.key] = error
            self._specs[spec.key] = spec
        if any(spec.required for spec in service.specs):
            note = QLabel("* Pflichtangabe")
            note.setStyleSheet("color: #555;")
            self.fields.addRow("", note)
        self.fields_box.setVisible(bool(service.specs))

    def _input(self, spec: FieldSpec) -> FieldInput:
        """A combo box for a choice, else a line edit whose placeholder shows the format."""
        widget: FieldInput
        if spec.type is FieldType.CHOICE:
            widget = QComboBox()
            widget.addItem("")  # nothing chosen yet
            widget.addItems(list(spec.options))
            widget.currentIndexChanged.connect(lambda _i, key=spec.key: self._recheck(key))
        else:
            widget = QLineEdit()
            widget.setMaxLength(2000)
            widget.setPlaceholderText(spec.placeholder)
            if spec.type is FieldType.DATE:
                widget.setMaxLength(10)
            widget.textChanged.connect(lambda _text, key=spec.key: self._recheck(key))
        widget.setObjectName(f"field_{spec.key}")
        if spec.hint:
            widget.setToolTip(spec.hint)
        return widget

    def set_field(self, key: str, value: str) -> None:
        widget = self._field_edits[key]
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        else:
            widget.setText(value)

    def field_error(self, key: str) -> str:
        """The message shown below a field ("" when it is right)."""
        label = self._field_errors[key]
        return label.text() if label.isVisibleTo(self) else ""

    def _value(self, key: str) -> str:
        widget = self._field_edits[key]
        return widget.currentText() if isinstance(widget, QComboBox) else widget.text()

    def _show_field_error(self, key: str, message: str) -> None:
        label, widget = self._field_errors[key], self._field_edits[key]
        label.setText(message)
        label.setVisible(bool(message))
        widget.setStyleSheet(_FAULTY if message else "")
        widget.setAccessibleDescription(message)  # screen readers announce the problem
        if message:
            make_room(self)

    def _recheck(self, key: str) -> None:
        if self._checked and key in self._specs:
            result = check_form([self._specs[key]], {key: self._value(key)})
            self._show_field_error(key, result.errors.get(key, ""))

    def check_fields(self) -> bool:
        """Check every field, show each message below its field and put the cursor into the first
        faulty one; True when all are right."""
        self._checked = True
        result = check_form(self._specs.values(), {key: self._value(key) for key in self._field_edits})
        self.show_field_errors(result.errors)
        return result.ok

    def show_field_errors(self, errors: dict[str, str]) -> None:
        for key in self._field_edits:
            self._show_field_error(key, errors.get(key, ""))
        first = next((key for key in self._field_edits if key in errors), None)
        if first is not None:
            self._field_edits[first].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- scans -----------------------------------------------------------------------------------
    def _pick_scans(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(
            self,
            "Gescannte Unterlagen anhängen",
            "",
            "Dokumente (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;Alle Dateien (*)",
        )
        self.add_scans([Path(f) for f in files])

    def add_scans(self, paths: list[Path]) -> None:
        for path in paths:
            if path.is_file():
                self.scans.addItem(str(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.add_scans([Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()])
        event.acceptProposedAction()

    # -- saving ------------------------------------------------------------------------------------
    def new_application(self) -> NewApplication | None:
        service = self._service()
        if service is None:
            self.problems.setText("In dieser Gemeinde ist noch keine Leistung eingerichtet.")
            return None
        received = self.received.dateTime().toPython()
        assert isinstance(received, dt.datetime)
        return NewApplication(
            service_id=service.id,
            applicant_name=self.name.text(),
            channel=Channel(self.channel.currentData()),
            received_at=received.astimezone(),
            applicant_street=self.street.text(),
            applicant_postal_code=self.postal_code.text(),
            applicant_city=self.city.text(),
            applicant_email=self.email.text(),
            applicant_phone=self.phone.text(),
            form_data={key: self._value(key) for key in self._field_edits},
        )

    def save(self) -> None:
        new = self.new_application()
        if new is None:
            return
        fields_ok = self.check_fields()  # pure and instant, like the checks below
        try:
            new.validate()  # problems are listed in the dialog, not in a box
        except ValidationError as exc:
            self.problems.setText("\n".join(exc.messages))
            return
        if not fields_ok:
            self.problems.setText("Bitte korrigieren Sie die rot markierten Angaben zur Leistung.")
            return
        scans = [Path(self.scans.item(i).text()) for i in range(self.scans.count())]
        self.buttons.setEnabled(False)
        self.problems.setText("Wird gespeichert …")

        def stored(application_id: str) -> None:
            self.registered.emit(application_id)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.problems.setText("")
            if isinstance(exc, FormError):  # the service found what the dialog did not know yet
                self.show_field_errors(exc.errors)

        run_service(self, register_application, self.workspace, new, scans, on_done=stored, on_failed=failed)
