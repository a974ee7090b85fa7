"""PySide6 6.12 on Python 3.11 drops a reference to None per void Qt call and one to True per
``Signal.emit()``; the guard covers both."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtWidgets import QLabel

from kommune_desk.ui.none_guard import HEADROOM

_LOSS_WITHOUT_GUARD = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(1000):
    label.setText("Posteingang")
print(before - sys.getrefcount(None), flush=True)
class Worker(QObject):
    finished = Signal()
worker = Worker()
worker.finished.connect(lambda: None)
before = sys.getrefcount(True)
for _ in range(300):  # True has fewer references than None here: more would abort the script
    worker.finished.emit()
print(before - sys.getrefcount(True), flush=True)
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_keep_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    qtbot.addWidget(label)
    for _ in range(200_000):  # more than None's whole natural reference count
        label.setText("Posteingang")
    assert sys.getrefcount(None) > HEADROOM // 2


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_the_defect_the_guard_exists_for_is_still_there() -> None:
    """Without the guard 1,000 void calls cost 1,000 references to None and 300 emits 300 to
    True, and such a small script already aborts at exit. When this fails, PySide fixed the wheel
    and ui/none_guard.py can go."""
    done = subprocess.run(
        [sys.executable, "-c", _LOSS_WITHOUT_GUARD],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    lost_none, lost_true = (int(word) for word in done.stdout.split()[:2])
    assert lost_none >= 900 and lost_true >= 290, done.stderr[-1000:]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12 on")
def test_emitting_signals_keeps_true_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QObject, Signal

    class Worker(QObject):
        finished = Signal()

    worker = Worker()
    worker.finished.connect(lambda: None)
    for _ in range(20_000):  # several times True's whole natural reference count
        worker.finished.emit()
    assert sys.getrefcount(True) > HEADROOM // 2 and sys.getrefcount(False) > HEADROOM // 2
