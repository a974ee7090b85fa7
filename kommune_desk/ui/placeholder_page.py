"""The page shown instead of a section with citizens' data (Posteingang, Statistik) when the login
is not mapped to a clerk. Every section is built now; this is the only stand-in left."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NoAccessPage(QWidget):
    """Shown instead of citizens' data when the OS login is not mapped to a clerk."""

    def __init__(self, os_login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from html import escape  # rarely shown; html.entities is a measurable part of start-up

        login = escape(os_login or "unbekannt")
        # One text for both sections it stands in for: it names what is withheld, not the section.
        label = QLabel(
            "<h2>Kein Zugriff auf die Daten der Bürgerinnen und Bürger</h2>"
            f"<p>Ihre Anmeldung <b>{login}</b> ist in KommuneDesk noch keiner Person zugeordnet. "
            "Zum Schutz der Daten der Bürgerinnen und Bürger werden deshalb keine Anträge angezeigt, "
            "auch nicht in der Statistik.</p>"
            "<p>Bitte wenden Sie sich an die Administration. Sie kann Ihre Anmeldung zuordnen:</p>"
            f'<p><code>kommune-desk-cli clerk add {login} "Vorname Nachname"'
            " --role sachbearbeitung</code></p>"
            "<p>Welche Rolle was darf, steht im Handbuch (F1) unter »Erste Schritte«.</p>"
        )
        label.setObjectName("noAccess")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addStretch(1)
