"""An honest placeholder for a section that a later release builds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderPage(QWidget):
    def __init__(self, title: str, coming: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        items = "".join(f"<li>{line}</li>" for line in coming)
        label = QLabel(
            f"<h2>{title}</h2>"
            "<p>Dieser Bereich ist in dieser Version noch nicht freigeschaltet. "
            "Geplant sind:</p>"
            f"<ul>{items}</ul>"
        )
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addStretch(1)


SECTIONS_TO_COME = {
    "Geräteverleih": [
        "Geräteregister des gemeinsamen Pools im Kreis Groß-Gerau (Wärmebildkameras, Strommessgeräte …)",
        "Reservierungen mit Warteliste, Übergabe und Rückgabe mit Checkliste",
        "Leihvertrag als PDF, Mahnungen bei Überschreitung, Wartung",
        "Doppelbuchungen zweier Ämter werden nach der Synchronisation als Konflikt angezeigt",
    ],
    "Statistik": [
        "Nutzungszahlen der Online-Dienste je Leistung und Zeitraum",
        "Abbruchquoten je Formularschritt",
        "Bevorzugte Zahlungsarten und Bearbeitungszeiten",
    ],
    "Synchronisation": [
        "Anmeldung dieser Dienststelle am Server mit einem Einmal-Code",
        "Abgleich im Hintergrund, sobald eine Verbindung besteht",
        "Konflikte (z. B. doppelt gebuchte Geräte) zur Entscheidung durch Sie",
    ],
}


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
