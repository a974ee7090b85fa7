"""Bescheid-Einstellungen: when a posted letter counts as notified, and the remedy per service."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.authority import ADMINISTRATIVE_COURT, Remedy
from kommune_desk.domain.records import Role
from kommune_desk.services import notices
from kommune_desk.services.applications import services_offered
from kommune_desk.services.workspace import Workspace

from .run import run_service


class NoticeSettingsDialog(QDialog):
    """Shows the settings to everyone; only the Administration can change them."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Bescheid-Einstellungen")
        self.setMinimumSize(640, 480)
        may_edit = workspace.clerk is not None and workspace.clerk.role is Role.ADMINISTRATION

        self.days = QComboBox()
        self.days.addItem("am 3. Tag nach der Aufgabe zur Post", 3)
        self.days.addItem("am 4. Tag nach der Aufgabe zur Post (§ 41 Abs. 2 VwVfG seit 2025)", 4)
        self._days_before = notices.bekanntgabe_tage(workspace)
        self.days.setCurrentIndex(self.days.findData(self._days_before))

        self._services = services_offered(workspace)
        self._remedies_before = {s.id: notices.service_remedy(workspace, s.id) for s in self._services}
        self.table = QTableWidget(len(self._services), 2)
        self.table.setHorizontalHeaderLabels(["Leistung", "Rechtsbehelf gegen den Bescheid"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, service in enumerate(self._services):
            name = QTableWidgetItem(service.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 0, name)
            choice = QComboBox()
            for remedy in Remedy:
                choice.addItem(remedy.label, remedy.value)  # Qt would turn the StrEnum into a str
            choice.setCurrentIndex(choice.findData(self._remedies_before[service.id].value))
            self.table.setCellWidget(row, 1, choice)

        hint = QLabel(
            "Ein mit der Post versandter Bescheid gilt am gewählten Tag als bekannt gegeben (fällt er "
            "auf ein Wochenende oder einen Feiertag, am nächsten Werktag); ab dann läuft die "
            "Rechtsbehelfsfrist von einem Monat. In Hessen ist der Widerspruch die Regel; wo § 16a "
            f"HessAGVwGO ihn ausschließt, wählen Sie »Klage« ({ADMINISTRATIVE_COURT})."
        )
        hint.setWordWrap(True)
        self.status = QLabel("" if may_edit else "Diese Einstellungen kann nur die Administration ändern.")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        form = QFormLayout()
        form.addRow("Bekanntgabe:", self.days)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
            if may_edit
            else QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.days.setEnabled(may_edit)
        self.table.setEnabled(may_edit)

    def chosen_remedies(self) -> dict[str, Remedy]:
        """The remedy chosen in each row, by service id."""
        chosen = {}
        for row, service in enumerate(self._services):
            combo = self.table.cellWidget(row, 1)
            assert isinstance(combo, QComboBox)
            chosen[service.id] = Remedy(combo.currentData())
        return chosen

    def save(self) -> None:
        """Write what changed (in a worker); close when done, explain a refusal in German."""
        days = int(self.days.currentData())
        changed = {
            service_id: remedy
            for service_id, remedy in self.chosen_remedies().items()
            if remedy is not self._remedies_before[service_id]
        }
        run_service(self, _apply, self.workspace, days, changed, on_done=lambda _result: self.accept())


def _apply(ws: Workspace, days: int, remedies: dict[str, Remedy]) -> None:
    notices.set_bekanntgabe_tage(ws, days)  # a no-op when unchanged
    for service_id, remedy in remedies.items():
        notices.set_service_remedy(ws, service_id, remedy)
