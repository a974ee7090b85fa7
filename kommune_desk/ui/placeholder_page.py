"""The page shown instead of a section when the login is not mapped to a clerk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NoAccessPage(QWidget):
    """Shown instead of citizens' data when the OS login is not mapped to a clerk."""

    def __init__(self, os_login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from html import escape  # rarely shown; html.entities is a measurable part of start-up

        login = escape(os_login or "unbekannt")
        label = QLabel(
            "<h2>Posteingang</h2>"
            f"<p>Ihre Anmeldung <b>{login}</b> ist in KommuneDesk noch keiner Person zugeordnet. "
            "Zum Schutz der Daten der Bürgerinnen und Bürger werden deshalb keine Anträge angezeigt.</p>"
            "<p>Bitte wenden Sie sich an die Administration. Sie kann Ihre Anmeldung zuordnen:</p>"
            f'<p><code>kommune-desk-cli clerk add {login} "Vorname Nachname"'
            " --role sachbearbeitung</code></p>"
        )
        label.setObjectName("noAccess")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addStretch(1)
