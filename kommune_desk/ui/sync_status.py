"""The sync part of the status bar: online or not, what waits, when it last worked, what failed,
open conflicts, and "Jetzt synchronisieren". State is shown in words; colour only repeats it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from kommune_desk.domain.formatting import format_count, format_date

_ONLINE = "<span style='color:#1e7b34'>●</span> Online"
_OFFLINE = "<span style='color:#b35c00'>○</span> Offline"
_CHECKING = "<span style='color:#777'>○</span> Verbindung wird geprüft …"
_SEPARATOR = "padding: 0 8px; border-left: 1px solid #bbb;"


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows; ``None`` means not known yet."""

    enrolled: bool | None = None
    online: bool | None = None
    pending: int = 0
    last_success_at: str | None = None  # as stored (UTC, ISO 8601)
    error: str | None = None  # German, for the clerk
    running: bool = False
    open_conflicts: int = 0
    stopped: bool = False  # the automatic rounds wait for the user (revoked, update needed)
    locked_out: str | None = None  # "gesperrt" / "ungueltig": the workstation needs a new code
    server_url: str | None = None


def last_sync_text(stored: str | None) -> str:
    """``Zuletzt abgeglichen: 24.11.2026, 14:05`` in local time, or that it never happened."""
    if not stored:
        return "Noch nie abgeglichen"
    try:
        moment = dt.datetime.fromisoformat(stored)
    except ValueError:
        return "Zuletzt abgeglichen: unbekannt"
    local = moment.astimezone() if moment.tzinfo else moment
    return f"Zuletzt abgeglichen: {format_date(local.date())}, {local:%H:%M}"


def pending_text(pending: int) -> str:
    if pending <= 0:
        return "Alles übertragen"
    if pending == 1:
        return "1 Änderung wartet"
    return f"{format_count(pending)} Änderungen warten"


LOCKED_OUT_TEXT = {
    "gesperrt": "Arbeitsplatz gesperrt – neuer Einrichtungscode nötig",
    "ungueltig": "Anmeldung abgelaufen – neuer Einrichtungscode nötig",
}
_SETUP_TEXT = "Abgleich nicht eingerichtet"


def conflicts_text(count: int) -> str:
    return "1 Konflikt" if count == 1 else f"{format_count(count)} Konflikte"


class ElidedLabel(QLabel):
    """One line that shortens itself with "…" to the room it gets; the full text is the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(80)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(self.width() - 16, 40)  # minus the padding of the style sheet
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room))


class SyncStatusWidget(QWidget):
    """Shows a :class:`SyncState`; asks for a round, the enrolment or the Konflikte page by signal."""

    sync_requested = Signal()
    enrol_requested = Signal()
    conflicts_requested = Signal()

    def __init__(self, can_enrol: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.online_label = QLabel(_CHECKING)
        self.online_label.setAccessibleName("Verbindung zum Abgleichsserver")
        self.pending_label = QLabel()
        self.last_label = QLabel()
        self.error_label = ElidedLabel()
        self.error_label.setObjectName("syncError")
        self.error_label.setStyleSheet("color: #a61b1b; " + _SEPARATOR)
        self.conflicts_label = QLabel()
        self.conflicts_label.setTextFormat(Qt.TextFormat.RichText)
        self.conflicts_label.linkActivated.connect(lambda _link: self.conflicts_requested.emit())
        self.conflicts_label.setToolTip("Konflikte ansehen und entscheiden")
        # Setting up is offered to mapped clerks only, like the rest of the Datei menu.
        self._can_enrol = can_enrol
        self.setup_label = QLabel()
        self.setup_label.setTextFormat(Qt.TextFormat.RichText)
        self.setup_label.linkActivated.connect(lambda _link: self.enrol_requested.emit())
        self.sync_button = QPushButton("Jetzt synchronisieren")
        self.sync_button.setToolTip("Änderungen jetzt übertragen und die der anderen abholen (F9)")
        self.sync_button.clicked.connect(self.sync_requested.emit)
        # Locked out, the button takes the sync button's place (F9 still tries a round).
        self.enrol_button = QPushButton("Neu einrichten …")
        self.enrol_button.setToolTip("Den Abgleich mit einem neuen Einrichtungscode wieder einrichten")
        self.enrol_button.clicked.connect(self.enrol_requested.emit)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(0)
        for label in (self.setup_label, self.online_label, self.pending_label, self.last_label):
            label.setStyleSheet(_SEPARATOR)
            layout.addWidget(label)
        self.conflicts_label.setStyleSheet(_SEPARATOR)
        layout.addWidget(self.error_label, 1)
        layout.addWidget(self.conflicts_label)
        # Takes the room the error would take, so the labels stay together when there is none.
        self._filler = QWidget()
        self._filler.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self._filler, 1)
        layout.addSpacing(6)
        layout.addWidget(self.sync_button)
        layout.addWidget(self.enrol_button)
        self.show_state(SyncState())

    def show_state(self, state: SyncState) -> None:
        enrolled = state.enrolled is True
        locked = self._show_setup(state)
        self.pending_label.setVisible(enrolled)
        # Locked out, the line says what is needed; whether the server answers is beside the point.
        self.online_label.setVisible(state.enrolled is not False and not locked)
        self.last_label.setVisible(enrolled and not locked)
        self.sync_button.setVisible(enrolled and not locked)
        self.enrol_button.setVisible(locked and self._can_enrol)
        if state.online is None:
            self.online_label.setText(_CHECKING)
        else:
            self.online_label.setText(_ONLINE if state.online else _OFFLINE)
        self.pending_label.setText(pending_text(state.pending))
        self.last_label.setText(last_sync_text(state.last_success_at))
        self.error_label.set_full_text(state.error or "")
        # Locked out: the short line says what is needed, the explanation is its tooltip.
        self.error_label.setVisible(enrolled and bool(state.error) and not state.locked_out)
        self._filler.setVisible(not self.error_label.isVisibleTo(self))
        self.conflicts_label.setText(f"<a href='konflikte'>{conflicts_text(state.open_conflicts)}</a>")
        self.conflicts_label.setVisible(state.open_conflicts > 0)
        self.sync_button.setEnabled(enrolled and not state.running)

    def _show_setup(self, state: SyncState) -> bool:
        """Not enrolled, or locked out: what is needed, with the enrolment one click away.

        Returns whether the workstation is locked out."""
        locked = LOCKED_OUT_TEXT.get(state.locked_out or "") if state.enrolled else None
        self.setup_label.setVisible(state.enrolled is False or locked is not None)
        if locked is None:
            link = " · <a href='einrichten'>Einrichten …</a>" if self._can_enrol else ""
            self.setup_label.setText(_SETUP_TEXT + link)
            self.setup_label.setToolTip("")
            self.setup_label.setMinimumWidth(0)
            return False
        self.setup_label.setText(f"<span style='color:#a61b1b'><b>{locked}</b></span>")
        self.setup_label.setMinimumWidth(self.setup_label.sizeHint().width())  # never cut short
        self.setup_label.setToolTip(state.error or "")
        self.enrol_button.setToolTip(state.error or "")
        return True
