"""Abgleich einrichten: connect this data folder to the Kreis' sync server with a one-time code.

The enrolment (network, keyring, the first download) runs in a worker; the dialog stays open
with the input kept until it worked or the clerk cancels, and explains every refusal in German.

At the first start (``first_start=True``) the same dialog sets up a new workstation in the empty
data folder: office and municipality come from the server, and the clerk gives their own name,
which becomes the first person (Administration) if the municipality has nobody on the server yet.
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
from kommune_desk.sync.errors import OfflineError, SyncError

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

_INTRO_FIRST_START = (
    "Arbeitet Ihre Verwaltung schon mit dem Abgleich des Kreises (oder soll sie damit beginnen), "
    "richten Sie diesen Arbeitsplatz mit dem Einrichtungscode ein, den Sie von der Administration "
    "bekommen haben. Ihre Kommune, Ihre Dienststelle und die Personen Ihrer Verwaltung kommen dann "
    "vom Abgleichsserver. Der Code gilt nur einmal."
)
_NAME_HINT = (
    "Ist auf dem Server noch niemand Ihrer Kommune eingetragen, werden Sie mit diesem Namen und der Rolle "
    "Administration angelegt. Sonst kommen die Personen vom Server, und die Administration ordnet Ihre "
    "Anmeldung zu, falls das noch nicht geschehen ist."
)
FIRST_START_OFFLINE = (
    "Der Abgleichsserver ist nicht erreichbar. Bitte prüfen Sie die Serveradresse und die Netzverbindung "
    "und versuchen Sie es dann erneut."
)
# The server took the code, but the office's data did not arrive completely: "Einrichten" again
# finishes the set-up without the code (services.sync.enrol).
INTERRUPTED = (
    "Der Abgleichsserver hat den Einrichtungscode angenommen, aber die Daten Ihrer Dienststelle sind "
    "nicht vollständig angekommen, weil die Verbindung abbrach. Bitte prüfen Sie die Netzverbindung und "
    "wählen Sie dann erneut »Einrichten«: KommuneDesk lädt den Rest nach; ein neuer Code ist nicht nötig."
)


def _enrol(db: Database, server_url: str, code: str, clerk_name: str, os_login: str) -> Enrolment:
    from kommune_desk.services.sync import enrol

    return enrol(db, server_url, code, clerk_name=clerk_name, os_login=os_login)


def _enrol_first_workstation(
    db: Database, server_url: str, code: str, clerk_name: str, os_login: str
) -> Enrolment:
    """The enrolment of an empty data folder. When the server took the code but the office's data
    did not arrive, the clerk is told that trying again finishes the set-up."""
    from kommune_desk.services.sync import sync_status

    try:
        return _enrol(db, server_url, code, clerk_name, os_login)
    except Exception as exc:
        if sync_status(db).enrolled:
            raise SyncError(INTERRUPTED) from exc
        raise


class EnrolDialog(QDialog):
    """Asks for the server address, the code and (first workstation only) the first person.

    ``again``: the folder was enrolled before and is locked out; the first person is not asked.
    ``first_start``: the data folder is empty (first start); the clerk's own name is required.
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
        first_start: bool = False,
    ) -> None:
        super().__init__(parent)
        if first_start:
            self.setWindowTitle("Mit einem Abgleichsserver verbinden")
        else:
            self.setWindowTitle("Abgleich neu einrichten" if again else "Abgleich einrichten")
        self.setMinimumWidth(560)
        self._db = db
        self._os_login = os_login
        self.first_start = first_start
        self.busy = False

        intro = QLabel(_INTRO_FIRST_START if first_start else _INTRO_AGAIN if again else _INTRO)
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
        if first_start:
            self.first_person.setPlaceholderText("Vorname Nachname")
            person_hint.setText(_NAME_HINT)
            form.addRow("Ihr Name:", self.first_person)
            form.addRow("", person_hint)
            form.addRow("Ihr Anmeldename:", QLabel(os_login or "(unbekannt)"))
        elif not again:
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
        if self.first_start and not self.first_person.text().strip():
            problems.append("Bitte geben Sie Ihren Namen an (Vorname Nachname).")
        if problems:
            self._show_error("\n".join(problems))
            return
        self._show_error("")
        self._set_busy(True)
        start_task(
            _enrol_first_workstation if self.first_start else _enrol,
            self._db, server, code, self.first_person.text().strip(), self._os_login,
            on_done=self._done, on_error=self._failed,
        )  # fmt: skip

    def _done(self, enrolment: Enrolment) -> None:
        self._set_busy(False)
        self.enrolled.emit(enrolment)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if self.first_start and isinstance(exc, OfflineError):
            self._show_error(FIRST_START_OFFLINE)  # "Ihre Änderungen bleiben gespeichert": none yet
        elif isinstance(exc, SyncError):
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
