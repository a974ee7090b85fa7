"""Settings of this workstation: for now the watched drop folder for online applications."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


class SettingsDialog(QDialog):
    def __init__(self, drop_folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Einstellungen")
        self.setMinimumWidth(520)
        self.drop_folder = QLineEdit(drop_folder)
        self.drop_folder.setPlaceholderText("kein Ablageordner")
        browse = QPushButton("Durchsuchen …")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.drop_folder, 1)
        row.addWidget(browse)
        hint = QLabel(
            "Einreichungen (Ordner oder ZIP-Dateien), die in diesem Ordner abgelegt werden, übernimmt "
            "KommuneDesk automatisch als Anträge. Übernommene landen im Unterordner »importiert«, "
            "abgelehnte in der Quarantäne im Datenordner."
        )
        hint.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Ablageordner für Online-Anträge:", row)
        form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Ablageordner wählen", self.drop_folder.text())
        if folder:
            self.drop_folder.setText(folder)

    def chosen_folder(self) -> str:
        return self.drop_folder.text().strip()
