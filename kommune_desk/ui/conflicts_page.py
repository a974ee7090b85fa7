"""The Konflikte page: changes the server could not take over, both versions side by side, and
the answers the clerk has. Read and answered in workers; loaded when first shown."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun
from kommune_desk.services.conflicts import (
    ACKNOWLEDGE,
    REAPPLY,
    ConflictInfo,
    list_conflicts,
    resolve_conflict,
)
from kommune_desk.services.errors import StorageError, ValidationError
from kommune_desk.services.workspace import Workspace

from .errors import show_error
from .workers import report_unexpected, start_task

_INTRO = (
    "Hier stehen Änderungen, die der Abgleichsserver nicht übernehmen konnte – etwa weil an einem "
    "anderen Arbeitsplatz dieselben Angaben inzwischen anders geändert wurden oder ein Gerät im "
    "Zeitraum schon reserviert war. Bis Sie entscheiden, gilt der Stand auf dem Server."
)
_EMPTY = "Keine offenen Konflikte. Alle Ihre Änderungen hat der Abgleichsserver übernommen."
_NOT_SET_UP = (
    "Keine Konflikte: Der Abgleich mit dem Server ist an diesem Arbeitsplatz nicht eingerichtet. "
    "Ihre Änderungen bleiben hier gespeichert; eingerichtet wird er über »Einrichten …« in der Statusleiste."
)


class ConflictsPage(QWidget):
    """Open conflicts on the left, the chosen one on the right with its answers."""

    resolved = Signal(str)  # the resolution, after a conflict was answered and stored

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._conflicts: list[ConflictInfo] = []
        self._generation = 0
        self._loaded_once = False
        self._busy = False

        heading = QLabel("Konflikte")
        heading.setStyleSheet("font-size: 15pt; font-weight: 600;")
        intro = QLabel(_INTRO)
        intro.setWordWrap(True)
        self.summary = QLabel("Konflikte werden geladen …")
        self.summary.setObjectName("conflictsSummary")

        self.list = QListWidget()
        self.list.setObjectName("conflictList")
        self.list.setAccessibleName("Offene Konflikte")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setMinimumWidth(260)
        self.list.setSpacing(3)
        self.list.currentRowChanged.connect(self._show_detail)

        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self._build_detail())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addStretch(0)  # takes the room while the list is hidden
        splitter.hide()  # until there is something to show
        if workspace.clerk is None:
            # Both versions may quote citizens' data: none for a login nobody has mapped.
            self.summary.setText("Konflikte sehen nur Personen, denen Ihre Anmeldung zugeordnet ist.")
            self._loaded_once = True

    def _build_detail(self) -> QWidget:
        detail = QWidget()
        self.title = QLabel()
        self.title.setObjectName("conflictTitle")
        self.title.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.when = QLabel()
        self.when.setStyleSheet("color: #555")
        self.mine = _version_label()
        self.theirs = _version_label()
        mine_box, theirs_box = QGroupBox("Ihre Version"), QGroupBox("Stand auf dem Server")
        for box, label in ((mine_box, self.mine), (theirs_box, self.theirs)):
            QVBoxLayout(box).addWidget(label)
        versions = QHBoxLayout()
        versions.addWidget(mine_box, 1)
        versions.addWidget(theirs_box, 1)

        self.acknowledge_button = QPushButton("Zur Kenntnis genommen")
        self.acknowledge_button.setObjectName("acknowledgeConflict")
        self.acknowledge_button.setToolTip("Der Stand auf dem Server gilt; Ihre Änderung entfällt.")
        self.acknowledge_button.clicked.connect(lambda: self.resolve_current(ACKNOWLEDGE))
        self.reapply_button = QPushButton("Meine Angaben erneut übernehmen")
        self.reapply_button.setObjectName("reapplyConflict")
        self.reapply_button.setToolTip(
            "Ihre Angaben werden als neue Änderung über den Stand des Servers geschrieben."
        )
        self.reapply_button.clicked.connect(lambda: self.resolve_current(REAPPLY))
        buttons = QHBoxLayout()
        buttons.addWidget(self.acknowledge_button)
        buttons.addWidget(self.reapply_button)
        buttons.addStretch(1)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555")

        layout = QVBoxLayout(detail)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        layout.addWidget(self.when)
        layout.addSpacing(6)
        layout.addLayout(versions)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self._show_detail(-1)
        return detail

    # -- loading -----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        """Read the open conflicts again in a worker (after a round, after an answer)."""
        if self.workspace.clerk is None:
            return
        self._generation += 1
        # Bound methods, not lambdas: Qt drops their delivery if the page is gone by then.
        start_task(_read, self.workspace, self._generation, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, read: tuple[int, list[ConflictInfo], bool]) -> None:
        generation, conflicts, enrolled = read
        if generation != self._generation:
            return  # a newer read is on its way
        current = self.current_conflict()
        self._conflicts = conflicts
        self.list.blockSignals(True)
        self.list.clear()
        for conflict in conflicts:
            item = QListWidgetItem(f"{conflict.what}\n{conflict.when} · {conflict.reason}")
            item.setToolTip(conflict.reason)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.summary.setText(
            count_noun(len(conflicts), "offener Konflikt", "offene Konflikte")
            if conflicts
            else (_EMPTY if enrolled else _NOT_SET_UP)
        )
        self.splitter.setVisible(bool(conflicts))
        keep = next((i for i, c in enumerate(conflicts) if current and c.id == current.id), 0)
        self.list.setCurrentRow(keep if conflicts else -1)
        self._show_detail(self.list.currentRow())

    def _load_failed(self, _exc: BaseException) -> None:
        self.summary.setText(
            "Die Konflikte konnten nicht gelesen werden. Bitte versuchen Sie es mit F5 erneut; "
            "Details stehen in der Protokolldatei."
        )

    # -- detail and answers ------------------------------------------------------------------------
    def conflicts(self) -> list[ConflictInfo]:
        """The open conflicts as last read."""
        return list(self._conflicts)

    def current_conflict(self) -> ConflictInfo | None:
        row = self.list.currentRow()
        return self._conflicts[row] if 0 <= row < len(self._conflicts) else None

    def _show_detail(self, row: int) -> None:
        conflict = self._conflicts[row] if 0 <= row < len(self._conflicts) else None
        for widget in (self.title, self.reason, self.when, self.mine, self.theirs):
            widget.clear()
        self.acknowledge_button.setVisible(conflict is not None)
        self.reapply_button.setVisible(conflict is not None and REAPPLY in conflict.actions)
        self.acknowledge_button.setEnabled(not self._busy)
        self.reapply_button.setEnabled(not self._busy)
        for box in self.findChildren(QGroupBox):
            box.setVisible(conflict is not None)
        if conflict is None:
            self.hint.setText("")
            return
        self.title.setText(conflict.what)
        self.reason.setText(conflict.reason)
        self.when.setText(f"Abgelehnt beim Abgleich am {conflict.when}")
        self.mine.setText(_lines(conflict.mine))
        self.theirs.setText(_lines(conflict.theirs))
        hint = "»Zur Kenntnis genommen«: Der Stand auf dem Server gilt, Ihre Änderung entfällt."
        if REAPPLY in conflict.actions:
            hint += (
                " »Meine Angaben erneut übernehmen«: Ihre Angaben ersetzen den Stand auf dem Server "
                "und werden beim nächsten Abgleich übertragen."
            )
        elif conflict.reapply_refusal:
            hint += " " + conflict.reapply_refusal
        self.hint.setText(hint)

    def resolve_current(self, resolution: str) -> None:
        """Answer the selected conflict (in a worker); the list is read again afterwards."""
        conflict = self.current_conflict()
        if conflict is None or self._busy or resolution not in conflict.actions:
            return
        if resolution == REAPPLY and not self._confirm_reapply(conflict):
            return
        self._set_busy(True)
        start_task(
            _resolve,
            self.workspace,
            conflict.id,
            resolution,
            on_done=self._resolved,
            on_error=self._resolve_failed,
        )

    def _confirm_reapply(self, conflict: ConflictInfo) -> bool:
        answer = QMessageBox.question(
            self,
            "Angaben erneut übernehmen",
            f"{conflict.what}: Ihre Angaben ersetzen die Angaben, die an einem anderen Arbeitsplatz "
            "eingetragen wurden. Fortfahren?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _resolved(self, resolution: str) -> None:
        self._set_busy(False)
        self.resolved.emit(resolution)
        self.refresh()

    def _resolve_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            QMessageBox.warning(self, "Konflikt nicht erledigt", "\n".join(exc.messages))
            self.refresh()  # perhaps answered at another workstation meanwhile
        elif isinstance(exc, StorageError):
            show_error(self, exc.title, exc.message)
        else:
            report_unexpected(exc)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.acknowledge_button.setEnabled(not busy)
        self.reapply_button.setEnabled(not busy)


def _read(workspace: Workspace, generation: int) -> tuple[int, list[ConflictInfo], bool]:
    """The open conflicts, and whether a sync is set up (an empty list means two things)."""
    from kommune_desk.services.sync import sync_status  # the sync's modules load in the worker

    return generation, list_conflicts(workspace), sync_status(workspace.db).enrolled


def _resolve(workspace: Workspace, conflict_id: str, resolution: str) -> str:
    resolve_conflict(workspace, conflict_id, resolution)
    return resolution


def _version_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def _lines(lines: tuple[str, ...]) -> str:
    """One field per line; the values are user text, so escaped before they meet rich text."""
    return "<br>".join(escape(line) for line in lines) or "–"
