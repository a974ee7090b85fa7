"""The 100,000-application demo database: generated once, reused while the data code is unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .harness import BenchmarkError, Context, Result, progress

APPLICATIONS = 100_000
EVENTS = 1_000_000
SEED = 1
MARKER = "benchmark-demo.json"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "kommune-desk-benchmarks" / "demo-100k"
# The sources that decide what the generated database looks like (schema and content).
_SOURCES = ("cli.py", "demo", "domain", "services", "storage")


def demo_dir(ctx: Context) -> Path:
    """The prepared demo data folder; prepares it on first use and notes how long generating took."""
    if "demo" not in ctx.prepared:
        ctx.prepared["demo"] = _prepare(ctx)
    return ctx.prepared["demo"]


def _command(data_dir: Path) -> list[str]:
    cli = Path(sys.executable).with_name("kommune-desk-cli")
    if not cli.exists():
        raise BenchmarkError(f"{cli} is missing; install KommuneDesk into this environment")
    return [
        str(cli), "--data-dir", str(data_dir), "demo",
        "--applications", str(APPLICATIONS), "--events", str(EVENTS), "--seed", str(SEED),
    ]  # fmt: skip


def _fingerprint() -> str:
    """A hash of the generator options and of every source file that shapes the database."""
    spec = importlib.util.find_spec("kommune_desk")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkError("the kommune_desk package cannot be found")
    package = Path(next(iter(spec.submodule_search_locations)))
    digest = hashlib.sha256(f"{APPLICATIONS} {EVENTS} {SEED}".encode())
    for source in _SOURCES:
        path = package / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(package)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _prepare(ctx: Context) -> Path:
    target = ctx.data_dir or DEFAULT_DIR
    fingerprint = _fingerprint()
    marker = target / MARKER
    description = f"for {APPLICATIONS:,} applications + {EVENTS:,} events"
    if marker.exists():
        stored = json.loads(marker.read_text(encoding="utf-8"))
        if stored.get("fingerprint") == fingerprint:
            progress(f"reusing the demo database in {target}")
            note = f"{description} (prepared {stored['created']}, reused)"
            ctx.notes.append(Result("demo generation", float(stored["seconds"]), "s", note=note))
            return target
        progress(f"the demo database in {target} was made from older KommuneDesk sources; regenerating")
        shutil.rmtree(target)
    elif target.exists() and any(target.iterdir()):
        if ctx.data_dir is not None:
            raise BenchmarkError(
                f"{target} holds files the benchmarks did not prepare (perhaps an older database); "
                "pass a new or empty folder to --data-dir"
            )
        shutil.rmtree(target)  # our own cache, left half-made by an interrupted run
    target.mkdir(parents=True, exist_ok=True)
    command = _command(target)
    progress(f"preparing the demo database {description} in {target} (takes a while) …")
    started = time.perf_counter()
    done = subprocess.run(command, env=ctx.child_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchmarkError(
            f"demo generation failed with exit code {done.returncode}: {' '.join(command)}\n"
            f"{done.stderr.strip()[-2000:]}"
        )
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    record = {"fingerprint": fingerprint, "seconds": seconds, "created": created, "command": command}
    marker.write_text(json.dumps(record, indent=2), encoding="utf-8")
    ctx.notes.append(Result("demo generation", seconds, "s", note=description))
    return target


def teamleitung_workspace(folder: Path):  # type: ignore[no-untyped-def]
    """The demo folder opened as its Teamleitung (the demo maps whoever generated it)."""
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import Database

    db = Database.open(folder)
    conn = db.reader()
    try:
        login = conn.execute("SELECT os_login FROM clerks WHERE role = 'teamleitung' LIMIT 1").fetchone()
    finally:
        conn.close()
    ws = load_workspace(db, login[0]) if login else None
    if ws is None:
        db.close()
        raise BenchmarkError("the demo database has no office set up")
    return ws
