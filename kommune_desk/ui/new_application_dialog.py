"""Manual entry of an application that came on paper, at the counter or by e-mail."""

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
from kommune_desk.domain.formatting import format_amount
from kommune_desk.domain.records import Channel, Service
from kommune_desk.services.applications import register_application, services_offered
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.workspace import Workspace

from .run import run_service

_CHANNELS = (Channel.PAPIER, Channel.SCHALTER, Channel.EMAIL)


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
        self._field_edits: dict[str, QLineEdit] = {}

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
        self.problems.setStyleSheet("color: #a00000;")
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
        self._field_edits = {}
        if service is None:
            return
        fee = (
            format_amount(service.fee_rule.fee_cents(1)) if service.fee_rule.amount_cents else "gebührenfrei"
        )
        self.service_hint.setText(f"Bearbeitungsfrist {service.processing_days} Tage · Gebühr {fee}")
        for key, label in service.form_fields:
            edit = QLineEdit()
            edit.setMaxLength(2000)
            edit.setObjectName(f"field_{key}")
            self.fields.addRow(f"{label}:", edit)
            self._field_edits[key] = edit
        self.fields_box.setVisible(bool(service.form_fields))

    def set_field(self, key: str, value: str) -> None:
        self._field_edits[key].setText(value)

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
            form_data={key: edit.text() for key, edit in self._field_edits.items()},
        )

    def save(self) -> None:
        new = self.new_application()
        if new is None:
            return
        try:
            new.validate()  # pure and instant: problems are listed in the dialog, not in a box
        except ValidationError as exc:
            self.problems.setText("\n".join(exc.messages))
            return
        scans = [Path(self.scans.item(i).text()) for i in range(self.scans.count())]
        self.buttons.setEnabled(False)
        self.problems.setText("Wird gespeichert …")

        def stored(application_id: str) -> None:
            self.registered.emit(application_id)
            self.accept()

        def failed(_exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.problems.setText("")

        run_service(self, register_application, self.workspace, new, scans, on_done=stored, on_failed=failed)
