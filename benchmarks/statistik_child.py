"""The child of statistik-open: the real window on a demo copy; the Statistik section opened once
and two filter changes, with a 10 ms heartbeat on the UI thread. Prints one JSON line.

``python -m benchmarks.statistik_child DATA_DIR``
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

HEARTBEAT_MS = 10
TIMEOUT_MS = 120_000


def main(folder: str) -> int:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from kommune_desk.ui.main_window import STATISTIK_SECTION, MainWindow

    from .demo_data import teamleitung_workspace

    app = QApplication([])
    ws = teamleitung_workspace(Path(folder))
    db = ws.db
    settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ws, settings, str(Path(folder) / "bench.log"))
    window.resize(1280, 720)

    def wait(signal: object, action: object = None) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(TIMEOUT_MS, loop.quit)
        if action is not None:
            QTimer.singleShot(0, action)  # type: ignore[arg-type]
        loop.exec()
        signal.disconnect(loop.quit)  # type: ignore[attr-defined]

    wait(window.inbox_ready, window.show)  # connected before the window can say it is ready
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start()
    started = time.perf_counter()
    window.show_section(STATISTIK_SECTION)
    page = window.statistik_page()
    wait(page.figures_shown)
    opened = time.perf_counter() - started
    wait(page.loaded)
    first_charts = time.perf_counter() - started
    if page.drawing:
        wait(page.charts_ready)
    complete = time.perf_counter() - started
    for index in (1, 0):  # one service, then all again
        wait(page.loaded, lambda index=index: page.service.setCurrentIndex(index))
        if page.drawing:
            wait(page.charts_ready)
    ended = time.perf_counter()
    heartbeat.stop()
    inside = [t for t in ticks if started <= t <= ended]
    gaps = [b - a for a, b in itertools.pairwise(inside)]
    print(json.dumps({"open": opened, "first_charts": first_charts, "complete": complete, "gaps": gaps}))
    window.close()
    db.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
