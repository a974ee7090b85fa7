"""Closing the window while a sync round runs: the round ends at its next safe point, the window
says so if that takes more than a moment, and it closes only once the worker is done with the
database. Nothing is lost: what was not pushed waits in the outbox, no pull page is half applied,
and the next round finishes the work.

Real parts throughout: the loopback server, a workstation that reaches it through a TCP proxy
which holds one request (a slow line), the main window with its sync controller and workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QThreadPool

from kommune_desk.app import SHUTDOWN_WAIT_S, finish_background_work
from kommune_desk.domain.replication import municipality_scope
from kommune_desk.services.sync import sync_once
from kommune_desk.storage.database import Database
from kommune_desk.sync import engine, stopping
from kommune_desk.sync.transport import TIMEOUT_S
from kommune_desk.ui.main_window import CLOSING_NOTICE, MainWindow
from tests.sync.conftest import _explicit_keyring  # noqa: F401  (autouse: tokens in a temp keyring)
from tests.sync.fault_support import (
    LoopbackProxy,
    assert_converged,
    enrol_workstation,
    local_cursors,
    outbox,
    pending,
    register,
    reopen,
    rows,
    server_rows,
    state,
)
from tests.sync.harness import ServerThread, Town

WAIT_MS = 15_000
HOLD_LIMIT_S = 20.0  # the proxy lets go by itself, should a test fail before it releases
CLOSE_BOUND_S = 5.0  # from the held answer arriving to the window being gone
# The applications this workstation registered itself, from its outbox's effects.
_OWN_APPLICATIONS = (
    "SELECT json_extract(e.value, '$.id') FROM outbox o, json_each(o.effects) e"
    " WHERE json_extract(e.value, '$.kind') = 'applications' AND json_extract(e.value, '$.op') = 'insert'"
)
OWN = 5  # applications this workstation registers before the round
OTHERS = 7  # applications the other workstation registered (and pushed) meanwhile


@pytest.fixture
def slow_line(server: ServerThread) -> Iterator[LoopbackProxy]:
    proxy = LoopbackProxy(server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two mutations per push, three changes per pull page: a round of many safe points."""
    monkeypatch.setattr(engine, "PUSH_BATCH", 2)
    monkeypatch.setattr(engine, "PULL_PAGE", 3)


def _hold(proxy: LoopbackProxy, path: str, nth: int) -> tuple[threading.Event, threading.Event]:
    """Hold the ``nth`` request to ``path`` until released; returns (held, release)."""
    held, release = threading.Event(), threading.Event()

    def hook() -> None:
        held.set()
        release.wait(HOLD_LIMIT_S)

    proxy.before_forward(path, hook, nth)
    return held, release


def _offices(server: ServerThread, town: Town, proxy: LoopbackProxy, tmp_path: Path) -> tuple[Any, Any]:
    """(this workstation behind the proxy with OWN unsent applications, the other one)."""
    other = enrol_workstation(server.db, server.url, town, tmp_path / "andere", "anna", "Anna Admin")
    ws = enrol_workstation(server.db, proxy.url, town, tmp_path / "diese", "anna")
    for n in range(OTHERS):
        register(other, f"Andere, Person {n}")
    sync_once(other.db)
    for n in range(OWN):
        register(ws, f"Eigene, Person {n}")
    assert len(pending(ws.db)) == OWN
    return ws, other


def _close_while_held(qtbot, window: MainWindow, held: threading.Event, release: threading.Event) -> float:  # type: ignore[no-untyped-def]
    """Close the window while the round waits for the held request; return how long the window
    took to go once the answer was let through."""
    qtbot.waitUntil(held.is_set, timeout=WAIT_MS)  # the automatic first round is on the line
    assert window.sync.state.running
    window.close()
    assert window.isVisible(), "the window waits for the round"
    qtbot.waitUntil(
        lambda: window.closing_notice is not None and window.closing_notice.isVisible(), timeout=WAIT_MS
    )
    assert window.closing_notice.labelText() == CLOSING_NOTICE
    assert not window.centralWidget().isEnabled() and not window.menuBar().isEnabled()
    window.close()  # a second click changes nothing
    assert window.isVisible() and window.sync.state.running
    released = time.monotonic()
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    took = time.monotonic() - released
    assert not window.sync.state.running, "the round's worker ended before the window closed"
    return took


def _shut_down_like_the_app(ws: Any) -> Path:
    """What kommune_desk.app does after the window: wait for the workers, close the database."""
    assert finish_background_work(ws.db, limit_s=WAIT_MS / 1000)
    ws.db.close()
    return ws.db.data_dir


def _shown_window(qtbot, ws, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(ws, QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat), "")
    qtbot.addWidget(window)
    window.show()
    return window


def test_closing_during_a_push_ends_the_round_after_the_batch_in_flight(  # type: ignore[no-untyped-def]
    qtbot, server: ServerThread, town: Town, slow_line: LoopbackProxy, small_batches: None, tmp_path: Path
) -> None:
    ws, other = _offices(server, town, slow_line, tmp_path)
    waiting = pending(ws.db)
    held, release = _hold(slow_line, "/v1/push", 1)
    window = _shown_window(qtbot, ws, tmp_path)

    took = _close_while_held(qtbot, window, held, release)

    assert took < CLOSE_BOUND_S
    assert slow_line.requests[-1] == "/v1/push", "no request after the batch in flight"
    folder = _shut_down_like_the_app(ws)
    requests_at_close = len(slow_line.requests)

    # The batch in flight was answered and recorded; the rest waits, nothing was pulled yet.
    assert [r[1] for r in outbox(folder) if r[3] is None] == waiting[2:]
    assert [(r[1], r[4]) for r in outbox(folder) if r[3] is not None][-2:] == [
        (mutation_id, "applied") for mutation_id in waiting[:2]
    ]
    assert rows(folder, "SELECT count(*) FROM applications WHERE applicant_name LIKE 'Andere%'") == [(0,)]
    assert state(folder, "last_error") == stopping.STOPPED
    time.sleep(0.3)
    assert len(slow_line.requests) == requests_at_close, "nothing talks to the server after the close"

    # Next start: the next round sends the rest and fetches the other office's work.
    again = reopen(folder, "anna")
    try:
        sync_once(again.db)
        assert_converged(again.db, server.db)
        assert rows(again.db, "SELECT count(*) FROM applications") == [(OWN + OTHERS,)]
    finally:
        again.db.close()
        other.db.close()


def test_closing_during_a_pull_keeps_whole_pages_only(  # type: ignore[no-untyped-def]
    qtbot, server: ServerThread, town: Town, slow_line: LoopbackProxy, small_batches: None, tmp_path: Path
) -> None:
    ws, other = _offices(server, town, slow_line, tmp_path)
    scope = municipality_scope(ws.municipality.id)
    before = local_cursors(ws.db)[scope]
    held, release = _hold(slow_line, "/v1/pull", 2)  # the municipality's second page
    window = _shown_window(qtbot, ws, tmp_path)

    took = _close_while_held(qtbot, window, held, release)

    assert took < CLOSE_BOUND_S
    assert slow_line.requests[-1] == "/v1/pull", "no request after the page in flight"
    folder = _shut_down_like_the_app(ws)

    # Exactly two pages arrived, each with its cursor: every change up to the cursor is here,
    # none after it (the own pushed applications came back among them or were here already).
    assert pending(folder) == []
    changes = server_rows(
        server.db, "SELECT kind, id, version FROM entities WHERE scope = ? AND version > ? ORDER BY version",
        scope, before,
    )  # fmt: skip
    cursor = local_cursors(folder)[scope]
    assert cursor == changes[2 * 3 - 1][2]
    local = {r[0] for r in rows(folder, "SELECT id FROM applications")}
    own = {r[0] for r in rows(folder, _OWN_APPLICATIONS)}
    assert len(own) == OWN and own <= local
    theirs = [
        (row_id, version) for kind, row_id, version in changes if kind == "applications" and row_id not in own
    ]
    assert len(theirs) == OTHERS
    assert {row_id for row_id, version in theirs if version <= cursor} == local - own

    again = reopen(folder, "anna")
    try:
        sync_once(again.db)
        assert_converged(again.db, server.db)
        assert rows(again.db, "SELECT count(*) FROM applications") == [(OWN + OTHERS,)]
    finally:
        again.db.close()
        other.db.close()


def test_a_stop_ends_a_round_before_it_sends_anything(
    server: ServerThread, town: Town, tmp_path: Path
) -> None:
    """The engine's hook alone: asked to stop, a round sends nothing; withdrawn, rounds run again."""
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "a", "anna", "Anna Admin")
    application_id = register(ws, "Roß, Ingrid")
    stopping.request_stop(ws.db)
    try:
        with pytest.raises(stopping.RoundStoppedError):
            sync_once(ws.db)
        assert len(pending(ws.db)) == 1
        assert state(ws.db, "last_error") == stopping.STOPPED
        assert server_rows(server.db, "SELECT count(*) FROM entities WHERE id = ?", application_id) == [(0,)]
        other_db = Database.open(tmp_path / "b")  # a stop is asked of one database, not of all
        assert not stopping.stop_requested(other_db)
        other_db.close()
    finally:
        stopping.withdraw_stop(ws.db)
    sync_once(ws.db)
    assert pending(ws.db) == [] and state(ws.db, "last_error") is None
    assert server_rows(server.db, "SELECT count(*) FROM entities WHERE id = ?", application_id) == [(1,)]
    ws.db.close()


def test_the_app_waits_for_workers_and_asks_sync_rounds_to_stop(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """After the window: the database closes once the workers are done; a stuck one does not keep
    the process forever, and the limit outlasts a sync request on a dead line (the transport's
    timeout), so a round asked to stop always reaches its safe point first."""
    from kommune_desk.ui.workers import start_task

    assert SHUTDOWN_WAIT_S > 2 * TIMEOUT_S
    db = Database.open(tmp_path / "daten")
    stuck, finished = threading.Event(), threading.Event()

    def work() -> None:
        stuck.wait(HOLD_LIMIT_S)
        finished.set()

    start_task(work)
    started = time.monotonic()
    assert finish_background_work(db, limit_s=0.3) is False
    assert 0.3 <= time.monotonic() - started < 3.0
    assert stopping.stop_requested(db), "a sync round would end at its next safe point"
    stuck.set()
    assert finish_background_work(db, limit_s=WAIT_MS / 1000) is True
    assert finished.is_set() and QThreadPool.globalInstance().activeThreadCount() == 0
    stopping.withdraw_stop(db)
    db.close()
