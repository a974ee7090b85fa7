"""Hilfe → Über KommuneDesk: version, data folder, log file, Python and Qt, licence and credits.

What the IT support asks for first, selectable and with one button to copy it all.
"""

from __future__ import annotations

import platform
from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

import kommune_desk
from kommune_desk import APP_NAME
from kommune_desk.resources import APP_ICON

DESCRIPTION = "Anträge, Statistik und Geräteverleih für hessische Rathäuser – auch ohne Netzverbindung."
LICENCE = f"© {APP_NAME} · Proprietäre Lizenz, alle Rechte vorbehalten."
CREDITS = (
    "Mit Dank an die freien Projekte, auf denen KommuneDesk aufbaut: Python, Qt für Python "
    "(PySide6, LGPL 3), SQLite, sqlite-utils, ReportLab, matplotlib, segno, httpx, keyring, "
    "openpyxl, die Schrift DejaVu Sans und weitere."
)


def installed_version() -> str:
    """The version this installation runs (pyproject.toml's, from the installed metadata)."""
    return kommune_desk.__version__


class AboutDialog(QDialog):
    """Name and version large; below, the facts a support call needs, each one selectable."""

    def __init__(self, data_dir: str, log_file: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(f"Über {APP_NAME}")
        self.facts: list[tuple[str, str]] = [
            ("Version", installed_version()),
            ("Datenordner", data_dir),
            ("Protokolldatei", log_file),
            ("Python", platform.python_version()),
            ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
            ("System", platform.platform(terse=True)),
        ]

        icon = QLabel()
        icon.setPixmap(QIcon(str(APP_ICON)).pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(
            f"<h2 style='margin-bottom:0'>{APP_NAME}</h2><p style='margin-top:2px'>Version "
            f"{escape(installed_version())}</p><p>{escape(DESCRIPTION)}</p>"
        )
        self.title.setObjectName("aboutTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(icon)
        head.addWidget(self.title, 1)

        form = QFormLayout()
        for label, value in self.facts:
            field = QLabel(value)
            field.setObjectName(f"about{label}")
            field.setTextFormat(Qt.TextFormat.PlainText)  # paths are shown as they are
            field.setWordWrap(True)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{label}:", field)

        legal = QLabel(f"{LICENCE}\n\n{CREDITS}")
        legal.setObjectName("aboutLicence")
        legal.setTextFormat(Qt.TextFormat.PlainText)
        legal.setWordWrap(True)
        legal.setStyleSheet("color: #444;")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        self.copy_button = buttons.addButton("Angaben kopieren", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setToolTip("Version, Datenordner und Systemangaben für die IT-Betreuung kopieren")
        self.copy_button.clicked.connect(self.copy_facts)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(form)
        layout.addWidget(legal)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def facts_text(self) -> str:
        """The facts as plain lines, as "Angaben kopieren" puts them on the clipboard."""
        return "\n".join([APP_NAME, *(f"{label}: {value}" for label, value in self.facts)])

    def copy_facts(self) -> None:
        QGuiApplication.clipboard().setText(self.facts_text())
        self.copy_button.setText("Kopiert")
