"""First start without a database: a workstation of a town that works with the Kreis' sync server
(set up with a one-time code), a short local set-up for a town without it, or "Demo ausprobieren"."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.records import Role, kind_in_name
from kommune_desk.domain.validation import SetupInput

from .errors import problem_label


class FirstStartDialog(QDialog):
    """Returns Accepted with :attr:`choice` ``"enrol"`` (set up with the Kreis' one-time code),
    ``"setup"`` (and :meth:`setup_input`) or ``"demo"``."""

    def __init__(self, os_login: str, data_dir: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("KommuneDesk einrichten")
        self.choice: str | None = None
        self._os_login = os_login

        intro = QLabel(
            "<h2>Willkommen bei KommuneDesk</h2>"
            "<p>Auf diesem Computer gibt es noch keine Daten. Sie haben drei Möglichkeiten:</p>"
            "<p><b>Mit dem Abgleich des Kreises:</b> Arbeitet Ihre Verwaltung schon mit dem Abgleich "
            "des Kreises, richten Sie diesen Arbeitsplatz mit dem Einrichtungscode ein, den Sie von der "
            "Administration bekommen haben. Ihre Kommune, Ihre Dienststelle und Ihre Kolleginnen und "
            "Kollegen kommen dann vom Server; das Formular unten bleibt leer.</p>"
        )
        intro.setObjectName("firstStartIntro")
        intro.setWordWrap(True)
        self.enrol_button = QPushButton("Mit einem Abgleichsserver verbinden …")
        self.enrol_button.setAutoDefault(False)
        enrol_row = QHBoxLayout()
        enrol_row.addWidget(self.enrol_button)
        enrol_row.addStretch(1)
        without_server = QLabel(
            "Arbeitet Ihre Verwaltung ohne den Abgleich des Kreises, tragen Sie hier Ihre Kommune, "
            "Ihre Dienststelle und sich selbst ein und wählen Sie <i>Einrichten</i>."
        )
        without_server.setObjectName("firstStartWithoutServer")
        without_server.setWordWrap(True)
        demo_hint = QLabel(
            "<p><b>Zum Kennenlernen:</b> <i>Demo ausprobieren</i> legt erfundene Beispieldaten des Kreises "
            "Groß-Gerau an. Für die echte Arbeit braucht es danach einen leeren Datenordner.</p>"
        )
        demo_hint.setObjectName("firstStartDemo")
        demo_hint.setWordWrap(True)
        self.kind = QComboBox()
        self.kind.addItem("Gemeinde (es zeichnet der Gemeindevorstand)", "gemeinde")
        self.kind.addItem("Stadt (es zeichnet der Magistrat)", "stadt")
        self.municipality = QLineEdit(placeholderText="z. B. Mörfelden-Walldorf")
        self.municipality.textEdited.connect(self._kind_from_name)
        self.phone = QLineEdit(placeholderText="z. B. 06105 938-0")
        self.email = QLineEdit(placeholderText="z. B. buergerbuero@moerfelden-walldorf.de")
        self.ags = QLineEdit(placeholderText="8 Ziffern, z. B. 06433008")
        self.ags.setMaxLength(8)
        self.street = QLineEdit(placeholderText="z. B. Westendstraße 8")
        self.postal_code = QLineEdit(placeholderText="z. B. 64546")
        self.postal_code.setMaxLength(5)
        self.city = QLineEdit(placeholderText="z. B. Mörfelden-Walldorf")
        self.office = QLineEdit("Bürgerbüro")
        self.office_code = QLineEdit(placeholderText="z.\u00a0B. MW")
        self.office_code.setMaxLength(6)
        self.clerk = QLineEdit(placeholderText="Vorname Nachname")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role.value)
        form = QFormLayout()
        form.addRow("Art:", self.kind)
        form.addRow("Name:", self.municipality)
        form.addRow("Amtl. Gemeindeschlüssel:", self.ags)
        form.addRow("Straße, Nr.:", self.street)
        form.addRow("PLZ:", self.postal_code)
        form.addRow("Ort:", self.city)
        form.addRow("Dienststelle:", self.office)
        form.addRow("Kürzel der Dienststelle:", self.office_code)
        code_hint = QLabel("Steht vor jedem Aktenzeichen, z.\u00a0B. MW-2026-00042; im Kreis eindeutig.")
        code_hint.setStyleSheet("color: #555")
        form.addRow("", code_hint)
        form.addRow("Telefon:", self.phone)
        form.addRow("E-Mail:", self.email)
        form.addRow("Ihr Name:", self.clerk)
        form.addRow("Ihre Rolle:", self.role)
        form.addRow("Ihr Anmeldename:", QLabel(os_login or "(unbekannt)"))
        if data_dir:
            folder = QLabel(data_dir)
            folder.setWordWrap(True)
            form.addRow("Datenordner:", folder)

        self.errors = problem_label("setupErrors")

        buttons = QDialogButtonBox()
        self.setup_button = QPushButton("Einrichten")
        self.setup_button.setDefault(True)
        self.demo_button = QPushButton("Demo ausprobieren")
        cancel = QPushButton("Abbrechen")
        buttons.addButton(self.setup_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.setup_button.clicked.connect(self._choose_setup)
        self.demo_button.clicked.connect(self._choose_demo)
        self.enrol_button.clicked.connect(self._choose_enrol)
        cancel.clicked.connect(self.reject)

        local = QGroupBox("Ohne Abgleichsserver einrichten")
        local_layout = QVBoxLayout(local)
        local_layout.addWidget(without_server)
        local_layout.addLayout(form)
        local_layout.addWidget(self.errors)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(enrol_row)
        layout.addWidget(local)
        layout.addWidget(demo_hint)
        layout.addWidget(buttons)
        for field in (
            self.municipality,
            self.ags,
            self.street,
            self.postal_code,
            self.city,
            self.office,
            self.office_code,
            self.clerk,
        ):
            field.textEdited.connect(lambda _text: self.errors.clear())  # stale hints confuse
        self.resize(600, 0)

    def setup_input(self) -> SetupInput:
        return SetupInput(
            municipality_name=self.municipality.text(),
            ags=self.ags.text(),
            street=self.street.text(),
            postal_code=self.postal_code.text(),
            city=self.city.text(),
            office_name=self.office.text(),
            office_code=self.office_code.text(),
            clerk_name=self.clerk.text(),
            role=str(self.role.currentData()),
            os_login=self._os_login,
            kind=str(self.kind.currentData()),
            phone=self.phone.text(),
            email=self.email.text(),
        )

    def _kind_from_name(self, text: str) -> None:
        """ "Stadt Teststadt" typed: the kind follows and the word leaves the name."""
        named = kind_in_name(text)
        if named in ("stadt", "gemeinde"):
            self.kind.setCurrentIndex(self.kind.findData(named))
            self.municipality.setText(text.strip().split(" ", 1)[1] if " " in text.strip() else "")

    def show_problems(self, messages: list[str]) -> None:
        self.errors.setText("\n".join(f"• {m}" for m in messages))
        self.adjustSize()  # room for every message, fields keep their height

    def _choose_setup(self) -> None:
        from kommune_desk.domain.validation import ValidationError, validate_setup

        try:
            validate_setup(self.setup_input())
        except ValidationError as exc:
            self.show_problems(exc.messages)
            return
        self.choice = "setup"
        self.accept()

    def _choose_demo(self) -> None:
        self.choice = "demo"
        self.accept()

    def _choose_enrol(self) -> None:
        self.errors.clear()  # hints about the local form do not concern the code
        self.choice = "enrol"
        self.accept()
