"""Run blocking work (database, files, later PDFs and charts) off the UI thread."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)
# Tasks in flight: without a reference here, Python could collect a task's signal
# object before its result is delivered, and the result would silently vanish.
_IN_FLIGHT: set[Task] = set()


class TaskSignals(QObject):
    finished = Signal(object)
    failed = Signal(object)
    progress = Signal(int, str)


class Task(QRunnable):
    """Calls ``fn(*args, progress=…)`` (or ``fn(*args)``) in a pool thread and reports by signal.

    Results and exceptions arrive on the thread that owns ``signals`` (the UI thread).
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, with_progress: bool = False) -> None:
        super().__init__()
        self.signals = TaskSignals()
        self._fn = fn
        self._args = args
        self._with_progress = with_progress

    def run(self) -> None:
        try:
            if self._with_progress:
                result = self._fn(*self._args, progress=self.signals.progress.emit)
            else:
                result = self._fn(*self._args)
        except BaseException as exc:  # reported to the UI, which explains it in German
            log.warning(
                "background task %s failed: %s", getattr(self._fn, "__name__", "?"), type(exc).__name__
            )
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


def start_task(
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    pool: QThreadPool | None = None,
    owner: QObject | None = None,
) -> Task:
    """Start ``fn`` in the global thread pool and connect the callbacks.

    With ``owner``, the callbacks are skipped once the owner's widget is gone (the clerk closed the
    case while its letters were read): a late result has nobody left to show it to.
    """
    if owner is not None:
        on_done, on_error, on_progress = (_while_alive(owner, c) for c in (on_done, on_error, on_progress))
    task = Task(fn, *args, with_progress=on_progress is not None)
    _IN_FLIGHT.add(task)
    task.signals.finished.connect(lambda _result: _IN_FLIGHT.discard(task))
    task.signals.failed.connect(lambda _exc: _IN_FLIGHT.discard(task))
    if on_done:
        task.signals.finished.connect(on_done)
    if on_error:
        task.signals.failed.connect(on_error)
    if on_progress:
        task.signals.progress.connect(on_progress)
    task.setAutoDelete(False)  # Python owns the task; Qt must not delete it under us
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def _while_alive(owner: QObject, callback: Callable[..., None] | None) -> Callable[..., None] | None:
    if callback is None:
        return None

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            callback(*args)

    return call


def report_unexpected(exc: BaseException) -> None:
    """Hand a worker's unexpected exception to the crash handler (German dialog, log)."""
    sys.excepthook(type(exc), exc, exc.__traceback__)
