"""Background tasks report to the UI thread, and not to a widget that is gone."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QWidget

from kommune_desk.ui.workers import start_task


def test_a_result_reaches_its_owner_while_it_lives(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QWidget()
    qtbot.addWidget(owner)
    results: list[int] = []
    start_task(lambda a, b: a + b, 2, 3, on_done=results.append, owner=owner)
    qtbot.waitUntil(lambda: results == [5], timeout=5_000)


def test_a_late_result_is_dropped_once_its_owner_is_deleted(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QWidget()
    release = threading.Event()
    results: list[object] = []
    errors: list[BaseException] = []

    def slow() -> str:
        release.wait(5)
        return "spät"

    def fails() -> None:
        release.wait(5)
        raise OSError("Datenträger nicht bereit")

    start_task(slow, on_done=results.append, owner=owner)
    start_task(fails, on_error=errors.append, owner=owner)
    shiboken6.delete(owner)  # the widget is gone (the clerk closed the case)
    assert not shiboken6.isValid(owner)
    release.set()
    assert QThreadPool.globalInstance().waitForDone(5_000)
    QApplication.processEvents()  # deliver the queued results: nobody is left to receive them
    assert results == [] and errors == []

    # Without an owner the result is delivered as before.
    start_task(lambda: "da", on_done=results.append)
    qtbot.waitUntil(lambda: results == ["da"], timeout=5_000)
