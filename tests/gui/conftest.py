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
