"""GUI helpers: answer modal message boxes the way a clerk clicks them away."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


@contextmanager
def answered_message_boxes() -> Iterator[list[tuple[str, str]]]:
    """Close every QMessageBox that opens, recording (title, text)."""
    seen: list[tuple[str, str]] = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QMessageBox):
            seen.append((widget.windowTitle(), widget.text()))
            widget.done(0)

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(poll)
    timer.start()
    try:
        yield seen
    finally:
        timer.stop()


@contextmanager
def answered_dialogs(*answers: str) -> Iterator[list[str]]:
    """Answer input dialogs in order with ``answers`` (an item's text) and say "Ja" to questions;
    other message boxes are closed. Records the titles seen."""
    from PySide6.QtWidgets import QInputDialog

    pending = list(answers)
    seen: list[str] = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QInputDialog) and pending:
            seen.append(widget.windowTitle())
            widget.setTextValue(pending.pop(0))
            widget.accept()
        elif isinstance(widget, QMessageBox):
            seen.append(widget.windowTitle())
            yes = widget.button(QMessageBox.StandardButton.Yes)
            (yes or widget).click() if yes else widget.done(0)

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(poll)
    timer.start()
    try:
        yield seen
    finally:
        timer.stop()
