"""GUI helpers: answer modal dialogs the way a clerk clicks them away."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QWidget

from tests.sync.harness import ServerThread, Town, add_town


@contextmanager
def answered_dialogs(*answers: str) -> Iterator[list[tuple[str, str]]]:
    """Answer input dialogs in order with ``answers`` (typed text or an item's text), say "Ja" to
    questions and close other message boxes. Records (title, text) of each dialog answered."""
    pending = list(answers)
    seen: list[tuple[str, str]] = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QInputDialog) and pending:
            seen.append((widget.windowTitle(), widget.labelText()))
            widget.setTextValue(pending.pop(0))
            widget.accept()
        elif isinstance(widget, QMessageBox):
            seen.append((widget.windowTitle(), widget.text()))
            yes = widget.button(QMessageBox.StandardButton.Yes)
            if yes is not None:
                yes.click()
            else:
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
def answering(handler: Callable[[QWidget], bool]) -> Iterator[list[str]]:
    """Call ``handler`` with each new modal widget until it returns True for one; records titles."""
    seen: list[str] = []
    handled: list[QWidget] = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget not in handled:
            seen.append(widget.windowTitle())
            if handler(widget):
                handled.append(widget)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    try:
        yield seen
    finally:
        timer.stop()


@pytest.fixture
def town(server: ServerThread) -> Town:
    """Nauheim with its Bürgerbüro on the loopback server (tests/conftest.py)."""
    return add_town(server.db, "06433009", "Nauheim", "NAU")
