"""PySide6 6.12 on Python 3.11 drops a reference to None per void Qt call; the guard covers it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtWidgets import QLabel

from kommune_desk.ui.none_guard import HEADROOM

_LOSS_WITHOUT_GUARD = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(1000):
    label.setText("Posteingang")
print(before - sys.getrefcount(None), flush=True)
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
    """Without the guard 1,000 calls cost 1,000 references, and such a small script already
    aborts at exit. When this fails, PySide fixed the wheel and ui/none_guard.py can go."""
    done = subprocess.run(
        [sys.executable, "-c", _LOSS_WITHOUT_GUARD],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert int(done.stdout.split()[0]) >= 900, done.stderr[-1000:]
