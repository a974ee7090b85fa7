"""Posteingang on 100,000 applications: search as you type, and switching between views, each timed
until the clerk sees the rows, against the same reads done bare.

What the UI does (kommune_desk/ui/inbox_page.py, inbox_model.py): the search box waits for a pause
in typing (``SEARCH_DELAY_MS``, 150 ms) and then sets the model's filter, as a click on a view does.
The model reads the first page of row handles in display order (``LIMIT 200``, in a worker on its
own connection unless an index delivers it at once), resets, and the table paints: painting reads
the display columns of that page (200 rows, one query on the UI thread's connection). All handles
follow in the background for scrolling; that read is not timed, and each sample waits for it.

Ours is timed in the real Posteingang page (model, table, the page's own slots) from the query
to the visible rows painted. The reference runs the very same two statements (same filter, same
order, same ``LIMIT 200``, same columns) on a plain read connection with the SQL prepared
beforehand, and each sample checks that both show the same handles.

Keystrokes: a clerk typing at an ordinary pace (about 5 keys a second, 200 ms apart) is slower
than the debounce, so every keystroke becomes a query; that is the most work the box can cause,
so every prefix of each typed word is timed (faster typing only leaves prefixes out), each from
the list the previous keystroke left on screen.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import time
from collections.abc import Callable
from typing import Any

from .demo_data import demo_dir, teamleitung_workspace
from .harness import Benchmark, BenchmarkError, Context, Result, interleaved, progress

MAX_SEARCH_RATIO = 2.0
MAX_SEARCH_SECONDS = 0.050
MAX_VIEW_SWITCH_SECONDS = 0.100
SIGNAL_WAIT_MS = 5000
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


class _Posteingang:
    """The real Posteingang page (offscreen, window-sized) over the real model of a workspace."""

    def __init__(self, ws: Any) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QEventLoop, QTimer
        from PySide6.QtWidgets import QApplication

        from kommune_desk.ui.inbox_model import InboxModel
        from kommune_desk.ui.inbox_page import InboxPage

        # Importing kommune_desk.ui made None and True immortal (ui/none_guard.py, PySide6 6.12).
        self.app = QApplication.instance() or QApplication([])  # the model's signals need it alive
        self.model = InboxModel.for_workspace(ws)
        self.page = InboxPage(self.model, ws)
        self.page.resize(1400, 860)
        self.page.show()
        self._fired: set[str] = set()
        self._awaited = ""
        self._loop: QEventLoop | None = None
        self._limit = QTimer()
        self._limit.setSingleShot(True)
        self._limit.timeout.connect(self._give_up)
        self.model.first_page_shown.connect(self._first_page_shown)
        self.model.loaded.connect(self._loaded)
        self.model.ensure_loaded()
        self._wait("loaded")
        self._settle()

    def show(self, action: Callable[[], None]) -> float:
        """Seconds from ``action()`` (the query) until the first rows of the new list are painted."""
        model = self.model
        self._fired.clear()
        started = time.perf_counter()
        action()
        self._wait("page")
        self.page.table.viewport().repaint()  # paints the visible rows: data() reads their page now
        elapsed = time.perf_counter() - started
        if model.rowCount() and model.data(model.index(0, 0)) in (None, "…"):
            raise BenchmarkError("the Posteingang painted without its rows")
        self._wait("loaded")  # untimed: the background read of all handles ends before the next sample
        return elapsed

    def leave_for(self, query: Any, action: Callable[[], None]) -> None:
        """Untimed: show ``query`` (by ``action``) unless it is shown, so the next step is a change."""
        if self.model.current_filter() != query:
            self.show(action)

    def handles(self) -> list[int]:
        """The handles of the page on screen (the first 200 rows)."""
        from kommune_desk.ui.inbox_model import PAGE_SIZE

        count = min(PAGE_SIZE, self.model.rowCount())
        return [handle for row in range(count) if (handle := self.model.handle_at(row)) is not None]

    def _first_page_shown(self) -> None:
        self._note("page")

    def _loaded(self, _count: int) -> None:
        self._note("loaded")

    def _note(self, what: str) -> None:
        self._fired.add(what)
        if self._loop is not None and self._awaited == what:
            self._loop.quit()

    def _give_up(self) -> None:
        if self._loop is not None:
            self._loop.quit()

    def _wait(self, what: str) -> None:
        """Return once the model said ``what`` since the last ``show`` (at once if it did)."""
        from PySide6.QtCore import QEventLoop

        if what not in self._fired:
            self._loop, self._awaited = QEventLoop(), what
            self._limit.start(SIGNAL_WAIT_MS)
            self._loop.exec()
            self._limit.stop()
            self._loop = None
        if what not in self._fired:
            raise BenchmarkError(f"the Posteingang model did not deliver {what!r} within 5 s")

    def _settle(self) -> None:
        """Every worker done (the view counts too) and its result delivered."""
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone()
        self.app.processEvents()

    def close(self) -> None:
        """Release the connections and delete the widgets now: left to the interpreter's exit,
        Qt objects die in any order, and a second Posteingang in the same run crashes it."""
        import shiboken6
        from PySide6.QtCore import QThreadPool

        self.page.close()
        self.model.close()
        QThreadPool.globalInstance().waitForDone()
        self.app.processEvents()
        shiboken6.delete(self.page)
        shiboken6.delete(self.model)


class _Bare:
    """The Posteingang's two statements on a plain read connection, SQL prepared beforehand."""

    def __init__(self, ws: Any) -> None:
        self._conn = ws.db.reader()
        self._municipality_id = ws.municipality.id
        self._clerk_id = ws.clerk.id

    def page(self, query: Any, today: dt.date) -> Callable[[], tuple[float, list[int]]]:
        """A measure reading ``query``'s first page: handles in display order, then their columns."""
        from kommune_desk.storage import applications as repo
        from kommune_desk.storage.inbox_query import filter_clause
        from kommune_desk.ui.inbox_model import PAGE_SIZE

        where = filter_clause(query, self._clerk_id, today)
        handle_sql = repo.inbox_select("received_at", True, where[0]) if where else ""
        params = (self._municipality_id, *where[1], PAGE_SIZE) if where else ()
        conn = self._conn

        def read() -> tuple[float, list[int]]:
            started = time.perf_counter()
            handles = [r[0] for r in conn.execute(handle_sql, params)] if where else []
            repo.inbox_rows(conn, handles)
            return time.perf_counter() - started, handles

        return read

    def close(self) -> None:
        self._conn.close()


def _compare(
    ctx: Context, ours: Callable[[], float], reference: Callable[[], tuple[float, list[int]]], shown: Any
) -> tuple[float, float]:
    """Medians of ours and the reference, interleaved; both must show the same handles."""
    mine, bare = interleaved(ctx.runs, ours, reference)
    expected = bare[-1][1]
    if shown() != expected:
        raise BenchmarkError("the Posteingang and the reference read different rows")
    return statistics.median(mine), statistics.median(t for t, _ in bare)


def run_search(ctx: Context) -> list[Result]:
    from kommune_desk.domain.inbox_views import InboxFilter

    ws = _workspace(ctx)
    inbox, bare = _Posteingang(ws), _Bare(ws)
    today = dt.date.today()
    # (text before the keystroke, text after it), word by word from an empty box
    keystrokes = [(word[: n - 1], word[:n]) for word in TYPED for n in range(1, len(word) + 1)]
    prefixes = [typed for _before, typed in keystrokes]
    progress(f"search: {len(prefixes)} keystrokes × {ctx.runs} runs on 100,000 applications …")
    ours: list[float] = []
    reference: list[float] = []
    for before, typed in keystrokes:
        # What the debounced search box sets in the Alle view; the list before is the one the
        # previous keystroke left (untimed, shown again before each sample).
        previous, query = InboxFilter(text=before), InboxFilter(text=typed)

        def keystroke(previous: InboxFilter = previous, query: InboxFilter = query) -> float:
            inbox.leave_for(previous, lambda: inbox.model.set_filter(previous))
            return inbox.show(lambda: inbox.model.set_filter(query))

        mine, theirs = _compare(ctx, keystroke, bare.page(query, today), inbox.handles)
        ours.append(mine)
        reference.append(theirs)
    inbox.close()
    bare.close()
    ws.db.close()
    worst = max(range(len(prefixes)), key=lambda i: ours[i])
    note = f"p95 over {len(prefixes)} keystrokes; slowest »{prefixes[worst]}« {ours[worst] * 1000:.1f} ms"
    p95 = _p95(ours)
    return [
        Result(
            "search p95", p95, "s", _p95(reference), MAX_SEARCH_RATIO, reference_label="same SQL", note=note
        ),
        Result("search p95 abs", p95, "s", 0.0, MAX_SEARCH_SECONDS, compare="delta", reference_label="zero"),
    ]


def run_view_switch(ctx: Context) -> list[Result]:
    """From clicking a view until its first rows are painted, in the real Posteingang page."""
    from kommune_desk.domain.inbox_views import InboxFilter, InboxView

    ws = _workspace(ctx)
    inbox, bare = _Posteingang(ws), _Bare(ws)
    today = dt.date.today()
    views = list(InboxView)
    progress(f"view switch: {len(views)} views × {ctx.runs} runs …")
    switch_times: list[float] = []
    bare_times: list[float] = []
    for view in views:

        def switch(view: InboxView = view) -> float:
            other = InboxView.ABGESCHLOSSEN if view is InboxView.ALLE else InboxView.ALLE
            inbox.leave_for(InboxFilter(view=other), lambda: inbox.page.select_view(other))
            return inbox.show(lambda: inbox.page.select_view(view))

        mine, theirs = _compare(ctx, switch, bare.page(InboxFilter(view=view), today), inbox.handles)
        switch_times.append(mine)
        bare_times.append(theirs)
    inbox.close()
    bare.close()
    ws.db.close()
    worst = max(range(len(views)), key=lambda i: switch_times[i])
    bare_ms = bare_times[worst] * 1000
    note = f"slowest of {len(views)} views: »{views[worst].label}« (same SQL bare {bare_ms:.1f} ms)"
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
        Result("view switch vs query", max(switch_times), "s", max(bare_times), reference_label="same SQL"),
    ]


SEARCH = Benchmark("search", "search as you type on 100,000 applications vs the same SQL bare", run_search)
VIEW_SWITCH = Benchmark("view-switch", "switching Posteingang views on 100,000 applications", run_view_switch)
