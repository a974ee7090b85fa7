"""A dialog whose confirm button starts work in a worker: while it runs, the buttons are off,
the confirm button says "Bitte warten …" and the dialog cannot be closed, so the answer always
reaches an open dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QWidget


class WorkingDialog(QDialog):
    """Subclasses create ``self.buttons`` and ``self.confirm`` and call ``_busy`` around the work."""

    buttons: QDialogButtonBox
    confirm: QPushButton

    def __init__(self, parent: QWidget | None, confirm_text: str) -> None:
        super().__init__(parent)
        self._confirm_text = confirm_text
        self._working = False

    def reject(self) -> None:
        if self._working:
            return  # the service is already at work; its answer must reach an open dialog
        super().reject()

    def _busy(self, busy: bool) -> None:
        self._working = busy
        self.buttons.setEnabled(not busy)
        self.confirm.setText("Bitte warten …" if busy else self._confirm_text)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)
