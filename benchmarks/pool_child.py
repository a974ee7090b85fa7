"""Child of the pool-month benchmark: build and paint the pool month view, print the timings.

``python pool_child.py DATA_DIR LOGIN TODAY RUNS`` prints one JSON line: per run the seconds to
read the calendar rows and in total (read + widget created + rows set + shown + grabbed).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    folder, login, today_text, runs_text = argv
    from PySide6.QtWidgets import QApplication

    from kommune_desk.domain.pool_calendar import month_range
    from kommune_desk.services.pool_search import calendar_rows
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database
    from kommune_desk.ui.geraeteverleih.calendar_view import PoolCalendar

    app = QApplication([])
    db = Database.open(Path(folder))
    ws = load_workspace(db, login)
    assert ws is not None
    today = dt.date.fromisoformat(today_text)
    first, last = month_range(today.year, today.month)
    read: list[float] = []
    total: list[float] = []
    rows: list = []
    for run in range(int(runs_text) + 1):  # the first run warms caches up and is not counted
        started = time.perf_counter()
        rows = calendar_rows(ws, first, last, today=today)
        loaded = time.perf_counter()
        view = PoolCalendar()
        view.resize(1280, 720)
        view.set_rows(rows, first, last, today)
        view.show()
        view.grab()
        app.processEvents()
        finished = time.perf_counter()
        view.close()
        view.deleteLater()
        if run:
            read.append(loaded - started)
            total.append(finished - started)
    db.close()
    bars = sum(len(r.bars) for r in rows)
    print(json.dumps({"read": read, "total": total, "devices": len(rows), "bars": bars}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
