"""The server's event loop never waits for the database, a file or a ZIP: ``/healthz`` answers
within 100 ms while a 200 MB upload and a large push are in progress.

The server runs as its own process (as deployed), on each backend. The upload comes from another
process, the probe from a third, so neither waits for this test's GIL; the push is a real
workstation's sync of 2,000 changes in a thread here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kommune_desk.server.db import ServerDatabase, SqliteServerDatabase
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workflow import set_follow_up
from tests.sync.fault_support import access_token, enrol_workstation, pending, register
from tests.sync.harness import add_town
from tests.sync.server_process import ServerProcess

pytestmark = pytest.mark.slow

UPLOAD_BYTES = 200 * 1024 * 1024
CHANGES = 2_000
MAX_PROBE_SECONDS = 0.100

# Streams the file in 1 MiB pieces, so the server receives it over seconds, not in one piece.
_UPLOADER = """
import sys, httpx
url, token, path = sys.argv[1:4]
def pieces():
    with open(path, "rb") as file:
        while chunk := file.read(1024 * 1024):
            yield chunk
answer = httpx.put(url, content=pieces(), headers={"Authorization": "Bearer " + token}, timeout=120)
print(answer.status_code)
"""

# Asks /healthz every 20 ms until told to stop (a line on stdin); prints (start, seconds) pairs.
_PROBE = """
import json, sys, threading, time, httpx
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
answers = []
with httpx.Client(timeout=10) as client:
    while not stop.is_set():
        started = time.perf_counter()
        assert client.get(sys.argv[1] + "/healthz").status_code == 200
        answers.append((time.time(), time.perf_counter() - started))
        time.sleep(0.02)
print(json.dumps(answers))
"""


def _upload_file(folder: Path) -> tuple[Path, str]:
    """200 MB of not quite repeating bytes (a file, so the uploader reads it as a client would)."""
    path = folder / "grosse-datei.bin"
    digest = hashlib.sha256()
    block = hashlib.sha512(b"KommuneDesk").digest() * 16384  # 1 MiB
    with path.open("wb") as file:
        for index in range(UPLOAD_BYTES // len(block)):
            piece = index.to_bytes(8, "big") + block[8:]
            digest.update(piece)
            file.write(piece)
    return path, digest.hexdigest()


def _server_args(server_db: ServerDatabase, tmp_path: Path) -> list[str]:
    if isinstance(server_db, SqliteServerDatabase):
        return []
    return ["--database-url", server_db.url, "--blob-dir", str(tmp_path / "blobs")]  # type: ignore[attr-defined]


def test_healthz_answers_fast_during_a_big_upload_and_a_large_push(
    server_db: ServerDatabase, tmp_path: Path
) -> None:
    from kommune_desk.server import admin

    admin.prepare(server_db)
    server = ServerProcess(tmp_path / "server", args=_server_args(server_db, tmp_path)).start(timeout=30)
    try:
        town = add_town(server_db, "06433009", "Nauheim", "NAU")
        ws = enrol_workstation(server_db, server.url, town, tmp_path / "ws", "anna")
        cases = [register(ws) for _ in range(20)]
        sync_once(ws.db)
        for index in range(CHANGES):
            set_follow_up(ws, cases[index % len(cases)], dt.date(2027, 1, 4) + dt.timedelta(days=index % 7))
        token = access_token(ws.db)
        path, sha = _upload_file(tmp_path)

        probe = subprocess.Popen(
            [sys.executable, "-c", _PROBE, server.url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.3)  # a few answers before the load, for comparison
        upload_started = time.time()
        uploader = subprocess.Popen(
            [sys.executable, "-c", _UPLOADER, f"{server.url}/v1/blobs/{sha}", token, str(path)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        push_window: list[float] = []

        def push() -> None:
            push_window.append(time.time())
            sync_once(ws.db)
            push_window.append(time.time())

        pusher = threading.Thread(target=push)
        pusher.start()
        upload_status, _ = uploader.communicate(timeout=300)
        upload_ended = time.time()
        pusher.join(300)
        answers_text, _ = probe.communicate("stop\n", timeout=60)
    finally:
        server.stop()

    assert upload_status.strip() == "204", "the 200 MB upload was stored"
    assert pending(ws.db) == [], "the large push went through"
    assert (tmp_path / "blobs").exists() or (tmp_path / "server" / "blobs").exists()
    answers = json.loads(answers_text)
    busy = [
        seconds
        for at, seconds in answers
        if upload_started <= at <= upload_ended or push_window[0] <= at <= push_window[1]
    ]
    both = [
        seconds
        for at, seconds in answers
        if upload_started <= at <= upload_ended and push_window[0] <= at <= push_window[1]
    ]
    assert len(busy) >= 10, f"only {len(busy)} probes fell into the busy time"
    assert both, "the upload and the push overlapped"
    assert max(busy) < MAX_PROBE_SECONDS, (
        f"/healthz took up to {max(busy) * 1000:.0f} ms while busy "
        f"({len(busy)} probes, median {sorted(busy)[len(busy) // 2] * 1000:.1f} ms)"
    )
