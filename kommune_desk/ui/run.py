"""Run a service call in a worker and explain a refusal or failure to the clerk in German."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from kommune_desk.services.errors import StorageError, ValidationError

from .errors import show_error
from .workers import report_unexpected, start_task


def explain_failure(parent: QWidget | None, exc: BaseException, title: str = "Nicht möglich") -> None:
    """A refusal (ValidationError) as a warning, a storage problem as an error, anything else as
    a crash report (logged without data)."""
    if isinstance(exc, ValidationError):
        QMessageBox.warning(parent, title, "\n".join(exc.messages))
    elif isinstance(exc, StorageError):
        show_error(parent, "Speichern oder Lesen nicht möglich", str(exc))
    else:
        report_unexpected(exc)


def run_service(
    parent: QWidget | None,
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    title: str = "Nicht möglich",
) -> None:
    """``fn(*args)`` in the thread pool; ``on_done(result)`` on the UI thread, or a German message."""

    def failed(exc: BaseException) -> None:
        explain_failure(parent, exc, title)
        if on_failed:
            on_failed(exc)

    start_task(fn, *args, on_done=on_done, on_error=failed)
