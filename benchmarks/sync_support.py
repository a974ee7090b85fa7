"""What the sync benchmarks share: a scratch keyring, the real server process on loopback,
throw-away PostgreSQL databases, the demo town on the server, and the heartbeat child of the
stall benchmark (``python -m benchmarks.sync_support stall …``).

Nothing here imports from ``tests/``: the few lines borrowed from ``tests/sync`` are copied.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .harness import BenchmarkError, Context, progress

KEYRING_BACKEND = "keyrings.alt.file.PlaintextKeyring"
PG_URL_VARIABLE = "KOMMUNE_DESK_TEST_PG_URL"
PG_DEFAULT_URL = "postgresql://postgres@127.0.0.1:54329/postgres"
LOGIN = "benchmark"

# The onboarding snapshot: one town with 10,000 applications and 90,000 usage events.
SNAPSHOT_APPLICATIONS = 10_000
SNAPSHOT_EVENTS = 90_000
# Kinds copied from the demo into the town's scope, parents first (as a snapshot is applied).
SNAPSHOT_KINDS = ("municipalities", "offices", "clerks", "services", "applications", "usage_events")


# --- keyring ------------------------------------------------------------------------------


@contextmanager
def scratch_keyring(folder: Path) -> Iterator[None]:
    """Tokens in a plain file under ``folder``, chosen explicitly as an admin on a headless
    machine would (never the user's real keyring); the environment is restored afterwards."""
    import keyring.core

    saved = {key: os.environ.get(key) for key in ("PYTHON_KEYRING_BACKEND", "XDG_DATA_HOME")}
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHON_KEYRING_BACKEND"] = KEYRING_BACKEND
    os.environ["XDG_DATA_HOME"] = str(folder)
    keyring.core.init_backend()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        keyring.core.init_backend()


def keyring_env(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A child's environment with the scratch keyring of ``folder``."""
    return {**env, "PYTHON_KEYRING_BACKEND": KEYRING_BACKEND, "XDG_DATA_HOME": str(folder)}


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(store: list[str], log: Path) -> Iterator[str]:
    """The real ``kommune-desk-server`` (its own process, as deployed) on a free loopback port;
    ``store`` is ``["--data-dir", DIR]`` or ``["--database-url", URL]``. Yields the server's URL."""
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = [sys.executable, "-m", "kommune_desk.server.main"]
    if "--database-url" in store and "--blob-dir" not in store:
        store = [*store, "--blob-dir", str(log.parent / f"{log.stem}-blobs")]
    argv = [*server, *store, "--host", "127.0.0.1", "--port", str(port), "--log-format", "text"]
    with log.open("ab") as out:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if child.poll() is not None:
                raise BenchmarkError(f"the sync server exited with code {child.returncode}:\n{_tail(log)}")
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the sync server did not answer within 30 s:\n{_tail(log)}")
            time.sleep(0.05)
        yield url
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else ""


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_admin_url() -> str:
    """The throw-away cluster's admin URL (``KOMMUNE_DESK_TEST_PG_URL`` or the default), checked."""
    import psycopg

    url = os.environ.get(PG_URL_VARIABLE, "").strip() or PG_DEFAULT_URL
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise BenchmarkError(
            f"PostgreSQL at {url} is not reachable ({str(exc).strip()}); "
            "start it with: bash scripts/pg-test-cluster.sh start"
        ) from exc
    return url


@contextmanager
def fresh_pg_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the cluster for this run; dropped afterwards (even after a failure)."""
    import psycopg
    from psycopg import sql

    name = f"kd_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- the onboarding snapshot on the server ------------------------------------------------


@dataclass(frozen=True)
class SnapshotServer:
    """A prepared SQLite server store: one town whose scope holds the demo's rows."""

    path: Path  # the server's SQLite file (copy it before serving from it)
    office_id: str
    municipality_id: str
    rows: int  # rows the snapshot delivers (both scopes)
    counts: dict[str, int]


def snapshot_server(ctx: Context) -> SnapshotServer:
    """The prepared snapshot store, made once per run (demo generation and copy are not measured)."""
    key = "sync-snapshot-server"
    if key not in ctx.prepared:
        ctx.prepared[key] = _prepare_snapshot_server(ctx)
    meta = json.loads((ctx.prepared[key] / "snapshot.json").read_text(encoding="utf-8"))
    return SnapshotServer(
        ctx.prepared[key] / "server.sqlite3", meta["office_id"], meta["municipality_id"], meta["rows"],
        meta["counts"],
    )  # fmt: skip


def _prepare_snapshot_server(ctx: Context) -> Path:
    from kommune_desk.demo.generator import DemoOptions
    from kommune_desk.server import admin
    from kommune_desk.server.db import SqliteServerDatabase
    from kommune_desk.services.demo import build_demo
    from kommune_desk.services.workspace import LOCAL_OFFICE_KEY
    from kommune_desk.storage.database import Database

    folder = ctx.scratch / "sync-snapshot"
    shutil.rmtree(folder, ignore_errors=True)
    progress(
        f"sync: generating a demo town ({SNAPSHOT_APPLICATIONS:,} applications, "
        f"{SNAPSHOT_EVENTS:,} usage events) for the server …"
    )
    started = time.perf_counter()
    demo = Database.open(folder / "demo")
    build_demo(demo, DemoOptions(SNAPSHOT_APPLICATIONS, SNAPSHOT_EVENTS, seed=1, os_login=LOGIN))
    demo.close()
    source = sqlite3.connect(demo.path)
    source.row_factory = sqlite3.Row
    office_id = source.execute("SELECT value FROM settings WHERE key = ?", (LOCAL_OFFICE_KEY,)).fetchone()[0]
    office = dict(source.execute("SELECT * FROM offices WHERE id = ?", (office_id,)).fetchone())
    municipality_id = office["municipality_id"]
    town = dict(source.execute("SELECT * FROM municipalities WHERE id = ?", (municipality_id,)).fetchone())

    server_path = folder / "server.sqlite3"
    server = SqliteServerDatabase(server_path)
    admin.prepare(server)
    admin.add_municipality(server, town["ags"], town["name"], town["kind"], municipality_id)
    server.close()
    # The town's rows go straight into the entity store, as if its offices had pushed them.
    scope = f"municipality:{municipality_id}"
    conn = sqlite3.connect(server_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO offices (id, municipality_id, name, code, created_at) VALUES (?, ?, ?, ?, ?)",
        (office_id, municipality_id, office["name"], office["code"], office["created_at"]),
    )
    version = conn.execute("SELECT version FROM scopes WHERE scope = ?", (scope,)).fetchone()[0]
    counts: dict[str, int] = {}
    for kind in SNAPSHOT_KINDS:
        if kind == "municipalities":
            rows = [town]
        elif kind == "offices":
            rows = [office]
        else:
            query = f"SELECT * FROM {kind} WHERE municipality_id = ? ORDER BY rowid"
            rows = [dict(r) for r in source.execute(query, (municipality_id,))]
        entities = []
        for row in rows:
            version += 1
            data = json.dumps(row, ensure_ascii=False, sort_keys=True)
            entities.append((kind, row["id"], scope, data, False, version))
        conn.executemany(
            "INSERT INTO entities (kind, id, scope, data, deleted, version) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, version = excluded.version",
            entities,
        )
        counts[kind] = len(rows)
    conn.execute("UPDATE scopes SET version = ? WHERE scope = ?", (version, scope))
    conn.execute("COMMIT")
    total = conn.execute("SELECT count(*) FROM entities").fetchone()[0]
    conn.close()
    source.close()
    shutil.rmtree(folder / "demo")
    meta = {"office_id": office_id, "municipality_id": municipality_id, "rows": total, "counts": counts}
    (folder / "snapshot.json").write_text(json.dumps(meta), encoding="utf-8")
    progress(
        f"sync: server store with {total:,} rows ready ({time.perf_counter() - started:.1f} s, not measured)"
    )
    return folder


def snapshot_pages(path: Path, page_size: int) -> list[list[tuple[str, dict[str, Any]]]]:
    """Every row the snapshot delivers as (kind, data), in the server's version order, in pages
    of ``page_size`` per scope (as the client pulls them)."""
    conn = sqlite3.connect(path)
    pages: list[list[tuple[str, dict[str, Any]]]] = []
    for (scope,) in conn.execute("SELECT scope FROM scopes ORDER BY scope").fetchall():
        rows = conn.execute(
            "SELECT kind, data FROM entities WHERE scope = ? AND NOT deleted ORDER BY version", (scope,)
        ).fetchall()
        for start in range(0, len(rows), page_size):
            pages.append([(kind, json.loads(data)) for kind, data in rows[start : start + page_size]])
    conn.close()
    return pages


@contextmanager
def serving_snapshot(ctx: Context, name: str) -> Iterator[tuple[str, Any]]:
    """A copy of the prepared snapshot store served by the real server process; yields its URL and
    an admin handle on the same store (for enrolment codes)."""
    from kommune_desk.server.db import SQLITE_FILE, SqliteServerDatabase

    prepared = snapshot_server(ctx)
    folder = ctx.scratch / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(prepared.path, folder / SQLITE_FILE)
    admin_db = SqliteServerDatabase(folder / SQLITE_FILE)
    try:
        with server_process(["--data-dir", str(folder)], ctx.scratch / f"{name}.log") as url:
            yield url, admin_db
    finally:
        admin_db.close()


# --- the heartbeat child (stall benchmark) ------------------------------------------------

HEARTBEAT_MS = 10
IDLE_SECONDS = 2.0


def _stall_child(server_url: str, code: str, data_dir: str) -> int:
    """Offscreen QApplication with a 10 ms heartbeat on the UI thread: first idle (the reference),
    then while ``enrol`` (onboarding snapshot) runs in a QThreadPool worker as the app does it.
    Prints one JSON line: the tick times of both phases, the rows pulled, the worker's seconds."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from kommune_desk.services.sync import enrol
    from kommune_desk.storage.database import Database
    from kommune_desk.ui.workers import start_task

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.show()
    db = Database.open(Path(data_dir))
    ticks: list[float] = []
    marks: dict[str, float] = {}
    outcome: dict[str, Any] = {}

    def beat() -> None:
        ticks.append(time.perf_counter())

    def done(result: object) -> None:
        marks["sync_end"] = time.perf_counter()
        outcome["result"] = str(result)
        QTimer.singleShot(200, app.quit)  # a few more beats after the worker's result arrived

    def failed(exc: BaseException) -> None:
        marks["sync_end"] = time.perf_counter()
        outcome["error"] = f"{type(exc).__name__}: {exc}"
        QTimer.singleShot(0, app.quit)

    def begin_sync() -> None:
        marks["sync_start"] = time.perf_counter()
        start_task(enrol, db, server_url, code, on_done=done, on_error=failed)

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    marks["idle_start"] = time.perf_counter()
    QTimer.singleShot(int(IDLE_SECONDS * 1000), begin_sync)
    QTimer.singleShot(300_000, app.quit)  # a safety net; the parent times out earlier
    app.exec()
    heartbeat.stop()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone()
    conn = db.reader()
    kinds = (*SNAPSHOT_KINDS, "pool_members")
    rows = sum(conn.execute(f"SELECT count(*) FROM {kind}").fetchone()[0] for kind in kinds)
    conn.close()
    db.close()
    print(json.dumps({"ticks": ticks, "marks": marks, "rows": rows, **outcome}), flush=True)
    return 0 if "error" not in outcome else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["stall"] and len(sys.argv) == 5:
        sys.exit(_stall_child(*sys.argv[2:5]))
    print("usage: python -m benchmarks.sync_support stall SERVER_URL CODE DATA_DIR", file=sys.stderr)
    sys.exit(2)
