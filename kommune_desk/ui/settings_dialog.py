"""Settings of this workstation: the watched drop folder and where the daily backups go."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.services.backups import MAX_KEEP, BackupSettings, workstation_folder_name


def _folder_row(edit: QLineEdit, title: str, parent: QWidget) -> QHBoxLayout:
    browse = QPushButton("Durchsuchen …")

    def choose() -> None:
        folder = QFileDialog.getExistingDirectory(parent, title, edit.text())
        if folder:
            edit.setText(folder)

    browse.clicked.connect(choose)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    return label


class SettingsDialog(QDialog):
    def __init__(self, drop_folder: str, backups: BackupSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Einstellungen")
        self.setMinimumWidth(560)
        self.drop_folder = QLineEdit(drop_folder)
        self.drop_folder.setPlaceholderText("kein Ablageordner")
        intake = QFormLayout()
        intake.addRow("Ablageordner:", _folder_row(self.drop_folder, "Ablageordner wählen", self))
        intake.addRow(
            _hint(
                "Einreichungen (Ordner oder ZIP-Dateien), die in diesem Ordner abgelegt werden, übernimmt "
                "KommuneDesk automatisch als Anträge. Übernommene landen im Unterordner »importiert«, "
                "abgelehnte in der Quarantäne im Datenordner."
            )
        )
        intake_box = QGroupBox("Online-Anträge")
        intake_box.setLayout(intake)

        self.backup_folder = QLineEdit(str(backups.chosen) if backups.chosen else "")
        self.backup_folder.setObjectName("backupFolder")
        self.backup_folder.setPlaceholderText(f"Standard: {backups.folder}")
        self.backup_keep = QSpinBox()
        self.backup_keep.setObjectName("backupKeep")
        self.backup_keep.setRange(1, MAX_KEEP)
        self.backup_keep.setValue(backups.keep)
        self.backup_keep.setSuffix(" Sicherungen")
        backup = QFormLayout()
        backup.addRow("Sicherungsordner:", _folder_row(self.backup_folder, "Sicherungsordner wählen", self))
        backup.addRow("Aufbewahren:", self.backup_keep)
        backup.addRow(
            _hint(
                "KommuneDesk sichert die Datenbank und die Anlagen einmal täglich beim Start, wenn die "
                "letzte Sicherung älter als 24 Stunden ist. Ein Netzlaufwerk ist für Sicherungen "
                "erlaubt und empfohlen (anders als für die Datenbank selbst). Im gewählten Ordner "
                f"bekommt dieser Arbeitsplatz einen eigenen Unterordner ({workstation_folder_name()}), "
                "so können sich mehrere Rechner einen Ordner teilen."
            )
        )
        backup_box = QGroupBox("Tägliche Sicherung")
        backup_box.setLayout(backup)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intake_box)
        layout.addWidget(backup_box)
        layout.addWidget(buttons)

    def chosen_folder(self) -> str:
        return self.drop_folder.text().strip()

    def chosen_backup(self) -> tuple[str, int]:
        """The backup folder ("" for the default) and how many backups are kept."""
        return self.backup_folder.text().strip(), self.backup_keep.value()
