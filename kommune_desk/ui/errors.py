"""What a clerk sees when something goes wrong: German, specific, never a traceback."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QVBoxLayout, QWidget

log = logging.getLogger("kommune_desk.crash")
ERROR_COLOR = "#a40000"  # refused entries: the red line under a field and the field's frame


def problem_label(object_name: str) -> QLabel:
    """The red line in a dialog that says, in German, why its input was refused. Plain text
    always: the message may quote what a citizen or a server sent."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    return label


def field_with_error(field: QWidget, object_name: str) -> tuple[QVBoxLayout, QLabel]:
    """``field`` with its own red line under it (hidden until a check refuses the entry), as a
    layout for a form row."""
    error = problem_label(object_name)
    error.hide()
    cell = QVBoxLayout()
    cell.setSpacing(1)
    cell.addWidget(field)
    cell.addWidget(error)
    return cell, error


def make_room(dialog: QWidget) -> None:
    """Grow ``dialog`` to show the messages that just appeared in it (never beyond the screen,
    never smaller): otherwise Qt squeezes the fields and cuts the text."""
    dialog.layout().activate()
    wanted = dialog.sizeHint().expandedTo(dialog.size())
    screen = dialog.screen().availableGeometry() if dialog.screen() else None
    if screen is not None:
        wanted = wanted.boundedTo(screen.size())
    if wanted != dialog.size():
        dialog.resize(wanted)


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.critical(parent, title, message)


def unexpected_error_text(log_file: str) -> str:
    return (
        "Ein unerwarteter Fehler ist aufgetreten. Alles, was Sie bis eben gespeichert haben, "
        "ist in der Datenbank sicher; die letzte Aktion wurde möglicherweise nicht ausgeführt.\n\n"
        "Bitte versuchen Sie es erneut. Wenn der Fehler wiederkehrt, geben Sie Ihrer "
        f"IT-Betreuung die Protokolldatei:\n{log_file}"
    )


def install_excepthook(log_file: str) -> None:
    """Log unhandled exceptions (type and stack, no data) and explain them in a dialog."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("unhandled %s\n%s", kind.__name__, _frames(tb))
        if QApplication.instance() is not None:
            show_error(QApplication.activeWindow(), "Unerwarteter Fehler", unexpected_error_text(log_file))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.error(
            "unhandled %s in thread %s\n%s",
            args.exc_type.__name__,
            args.thread.name if args.thread else "?",
            _frames(args.exc_traceback),
        )

    sys.excepthook = hook
    threading.excepthook = thread_hook


def _frames(tb: TracebackType | None) -> str:
    """The stack without the exception's message: messages may quote citizens' data."""
    return "".join(traceback.format_tb(tb))
