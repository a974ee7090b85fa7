"""Abgleich einrichten: connect this data folder to the Kreis' sync server with a one-time code.

The enrolment (network, keyring, the first download) runs in a worker; the dialog stays open
with the input kept until it worked or the clerk cancels, and explains every refusal in German.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.services.errors import StorageError, ValidationError
from kommune_desk.sync.errors import SyncError

from .errors import problem_label
from .workers import report_unexpected, start_task

if TYPE_CHECKING:
    from kommune_desk.services.sync import Enrolment
    from kommune_desk.storage.database import Database


_INTRO = (
    "Verbinden Sie diesen Arbeitsplatz mit dem Abgleichsserver. Danach werden Ihre Änderungen "
    "im Hintergrund übertragen und die Ihrer Kolleginnen und Kollegen abgeholt – auch nach "
    "einer Zeit ohne Netz. Den Einrichtungscode erhalten Sie von Ihrer Administration; er gilt "
    "nur einmal."
)
_INTRO_AGAIN = (
    "Der Abgleichsserver nimmt die Anmeldung dieses Arbeitsplatzes nicht mehr an. Mit einem neuen "
    "Einrichtungscode der Kreis-IT richten Sie ihn wieder ein. Ihre Daten bleiben, wie sie sind; "
    "Änderungen, die noch nicht übertragen wurden, werden danach gesendet."
)


def _enrol(db: Database, server_url: str, code: str, clerk_name: str, os_login: str) -> Enrolment:
    from kommune_desk.services.sync import enrol

    return enrol(db, server_url, code, clerk_name=clerk_name, os_login=os_login)


class EnrolDialog(QDialog):
    """Asks for the server address, the code and (first workstation only) the first person.

    ``again``: the folder was enrolled before and is locked out; the first person is not asked.
    """

    enrolled = Signal(object)  # the services.sync.Enrolment, once the download is in

    def __init__(
        self,
        db: Database,
        os_login: str,
        parent: QWidget | None = None,
        server_url: str = "",
        *,
        again: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Abgleich neu einrichten" if again else "Abgleich einrichten")
        self.setMinimumWidth(560)
        self._db = db
        self._os_login = os_login
        self.busy = False

        intro = QLabel(_INTRO_AGAIN if again else _INTRO)
        intro.setWordWrap(True)
        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("z.\u00a0B. https://abgleich.kreis-gross-gerau.de")
        self.code = QLineEdit()
        self.code.setPlaceholderText("Einrichtungscode der Administration")
        self.first_person = QLineEdit()
        self.first_person.setPlaceholderText("Vorname Nachname (meist leer lassen)")
        person_hint = QLabel(
            "Nur beim ersten Arbeitsplatz einer neuen Gemeinde nötig: Diese Person wird mit der Rolle "
            "Administration angelegt. Gibt es Ihre Gemeinde auf dem Server schon, bleibt das Feld leer."
        )
        person_hint.setWordWrap(True)
        person_hint.setStyleSheet("color: #555")
        form = QFormLayout()
        form.addRow("Serveradresse:", self.server)
        form.addRow("Einrichtungscode:", self.code)
        if not again:
            form.addRow("Erste Person:", self.first_person)
            form.addRow("", person_hint)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: how long the first download takes is not known
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress_label = QLabel("Verbindung wird hergestellt und die Daten werden geladen …")
        for widget in (self.progress, self.progress_label):  # no jumping layout while busy
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        self.errors = problem_label("enrolErrors")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.enrol_button = self.buttons.addButton("Einrichten", QDialogButtonBox.ButtonRole.AcceptRole)
        self.enrol_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self.start_enrolment)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.errors)
        layout.addWidget(self.buttons)
        self._set_busy(False)
        self._show_error("")
        if server_url:
            self.code.setFocus()  # the address is known; the new code is what is asked

    def start_enrolment(self) -> None:
        """Check that nothing is missing, then enrol in a worker."""
        server, code = self.server.text().strip(), self.code.text().strip()
        problems = []
        if not server:
            problems.append("Bitte geben Sie die Adresse des Abgleichsservers an.")
        elif "://" not in server:
            problems.append(
                f"Bitte geben Sie die Adresse vollständig an, z.\u00a0B. https://{server.rstrip('/')}"
            )
        if not code:
            problems.append("Bitte geben Sie den Einrichtungscode an.")
        if problems:
            self._show_error("\n".join(problems))
            return
        self._show_error("")
        self._set_busy(True)
        start_task(
            _enrol, self._db, server, code, self.first_person.text().strip(), self._os_login,
            on_done=self._done, on_error=self._failed,
        )  # fmt: skip

    def _done(self, enrolment: Enrolment) -> None:
        self._set_busy(False)
        self.enrolled.emit(enrolment)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, SyncError):
            self._show_error(str(exc))
        elif isinstance(exc, ValidationError):
            self._show_error("\n".join(exc.messages))
        elif isinstance(exc, StorageError):
            self._show_error(exc.message)
        else:
            self._show_error(
                "Die Einrichtung ist an einem unerwarteten Fehler gescheitert; es wurde nichts geändert."
            )
            report_unexpected(exc)

    def _show_error(self, text: str) -> None:
        self.errors.setText(text)
        self.errors.setVisible(bool(text))
        if text:
            self.adjustSize()  # room for a long explanation, without squeezing the form

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        for widget in (self.server, self.code, self.first_person, self.buttons):
            widget.setEnabled(not busy)

    # While the worker runs the dialog stays: its result must find the dialog to report to.
    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
        else:
            super().closeEvent(event)
