"""Posteingang on 100,000 applications: search as you type against the raw FTS5 query, and
switching between views in the real Qt model.

Per keystroke the UI reads the first page of matching handles in display order (the rest
follows in the background), so that is what is timed against ``SELECT rowid … MATCH`` with
the same FTS query on the same database.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time

from .demo_data import demo_dir, teamleitung_workspace
from .harness import Benchmark, BenchmarkError, Context, Result, interleaved, progress

RAW_FTS = "SELECT rowid FROM applications_fts WHERE applications_fts MATCH ?"
MAX_SEARCH_RATIO = 2.0
MAX_SEARCH_SECONDS = 0.050
MAX_VIEW_SWITCH_SECONDS = 0.100
# What clerks type: names with umlauts, a street, an Aktenzeichen, a form value, a folded name.
TYPED = ("Müller", "Öztürk", "Schmidt", "Hauptstraße", "MW-2026-0123", "Dackel", "agaoglu", "Wagner Ben")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _workspace(ctx: Context):  # type: ignore[no-untyped-def]

    source = demo_dir(ctx)
    copy = ctx.scratch / "inbox-demo"
    if not copy.exists():
        shutil.copytree(source, copy)
    return teamleitung_workspace(copy)


def run_search(ctx: Context) -> list[Result]:
    from kommune_desk.domain.inbox_views import InboxFilter
    from kommune_desk.services.inbox import InboxReader
    from kommune_desk.storage.search import fts_query
    from kommune_desk.ui.inbox_model import PAGE_SIZE

    ws = _workspace(ctx)
    reader = InboxReader(ws.db, ws.municipality.id, ws.clerk.id)
    raw = ws.db.reader()
    prefixes = [word[:n] for word in TYPED for n in range(1, len(word) + 1) if word[:n].strip()]
    progress(f"search: {len(prefixes)} keystrokes × {ctx.runs} runs on 100,000 applications …")
    ours: list[float] = []
    bare: list[float] = []
    for text in prefixes:
        query = fts_query(text)

        def keystroke(text: str = text) -> float:
            started = time.perf_counter()
            handles = reader.handles(InboxFilter(text=text), limit=PAGE_SIZE)
            reader.rows(handles[:PAGE_SIZE])
            return time.perf_counter() - started

        def raw_fts(query: str | None = query) -> float:
            started = time.perf_counter()
            raw.execute(RAW_FTS, (query,)).fetchall()
            return time.perf_counter() - started

        mine, reference = interleaved(ctx.runs, keystroke, raw_fts)
        ours.append(statistics.median(mine))
        bare.append(statistics.median(reference))
    reader.close()
    raw.close()
    ws.db.close()
    worst = max(range(len(prefixes)), key=lambda i: ours[i])
    note = f"p95 over {len(prefixes)} keystrokes; slowest »{prefixes[worst]}« {ours[worst] * 1000:.1f} ms"
    p95 = _p95(ours)
    return [
        Result("search p95", p95, "s", _p95(bare), MAX_SEARCH_RATIO, reference_label="raw FTS5", note=note),
        Result("search p95 abs", p95, "s", 0.0, MAX_SEARCH_SECONDS, compare="delta", reference_label="zero"),
    ]


def run_view_switch(ctx: Context) -> list[Result]:
    """From clicking a view until its first page is in the model, in the real Qt model."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from kommune_desk.domain.inbox_views import InboxFilter, InboxView
    from kommune_desk.services.inbox import InboxReader
    from kommune_desk.ui.inbox_model import PAGE_SIZE, InboxModel

    app = QApplication.instance() or QApplication([])  # noqa: F841 (the model's signals need it alive)
    ws = _workspace(ctx)
    model = InboxModel.for_workspace(ws)
    reader = InboxReader(ws.db, ws.municipality.id, ws.clerk.id)
    views = list(InboxView)
    progress(f"view switch: {len(views)} views × {ctx.runs} runs …")

    def wait_for(signal: object, action: object) -> float:
        """Seconds from ``action()`` until ``signal`` fires (a first page read at once fires inside it)."""
        loop = QEventLoop()
        fired: list[float] = []

        def note(*_args: object) -> None:
            fired.append(time.perf_counter())
            loop.quit()

        signal.connect(note)  # type: ignore[attr-defined]
        QTimer.singleShot(5000, loop.quit)
        started = time.perf_counter()
        action()  # type: ignore[operator]
        if not fired:
            loop.exec()
        signal.disconnect(note)  # type: ignore[attr-defined]
        if not fired:
            raise BenchmarkError("the Posteingang model did not answer within 5 s")
        return fired[0] - started

    wait_for(model.loaded, model.reload)
    switch_times: list[float] = []
    bare_times: list[float] = []
    for view in views:

        def switch(view: InboxView = view) -> float:
            other = InboxView.ABGESCHLOSSEN if view is InboxView.ALLE else InboxView.ALLE
            wait_for(model.loaded, lambda: model.set_filter(InboxFilter(view=other)))  # not timed
            elapsed = wait_for(model.first_page_shown, lambda: model.set_filter(InboxFilter(view=view)))
            model.data(model.index(0, 0))  # the first visible row is read, as painting does
            return elapsed

        def bare_query(view: InboxView = view) -> float:
            started = time.perf_counter()
            reader.rows(reader.handles(InboxFilter(view=view), limit=PAGE_SIZE))
            return time.perf_counter() - started

        mine, reference = interleaved(ctx.runs, switch, bare_query)
        switch_times.append(statistics.median(mine))
        bare_times.append(statistics.median(reference))
    model.close()
    QThreadPool.globalInstance().waitForDone()
    reader.close()
    ws.db.close()
    worst = max(range(len(views)), key=lambda i: switch_times[i])
    bare_ms = bare_times[worst] * 1000
    note = f"slowest of {len(views)} views: »{views[worst].label}« (bare query {bare_ms:.1f} ms)"
    return [
        Result(
            "view switch max",
            max(switch_times),
            "s",
            0.0,
            MAX_VIEW_SWITCH_SECONDS,
            compare="delta",
            reference_label="zero",
            note=note,
        ),
        Result("view switch vs query", max(switch_times), "s", max(bare_times), reference_label="bare query"),
    ]


SEARCH = Benchmark("search", "search as you type on 100,000 applications vs raw FTS5", run_search)
VIEW_SWITCH = Benchmark("view-switch", "switching Posteingang views on 100,000 applications", run_view_switch)
