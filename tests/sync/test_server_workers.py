"""Several server processes on one PostgreSQL database: the installed ``kommune-desk-server``
with ``--workers 2`` serves enrolment and sync; SQLite refuses a second worker."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from kommune_desk.server.db import PostgresServerDatabase
from kommune_desk.services.cases import add_note
from kommune_desk.services.sync import sync_once
from tests.sync.fault_support import assert_converged, enrol_workstation, register
from tests.sync.harness import add_town
from tests.sync.server_process import SERVER_SCRIPT, ServerProcess, free_port


def test_two_workers_on_postgresql_serve_enrolment_and_sync(pg_url: str, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = ServerProcess(
        tmp_path / "server",
        args=["--database-url", pg_url, "--blob-dir", str(tmp_path / "blobs"), "--workers", "2",
              "--log-format", "json"],
        env={"TMPDIR": str(temp)},  # where main makes Prometheus' folder for the workers
        command=[SERVER_SCRIPT],
    ).start(timeout=60)  # fmt: skip
    server_db = PostgresServerDatabase(pg_url)  # the schema was prepared once, before the workers
    try:
        (metrics_folder,) = temp.glob("kommune-desk-prometheus-*")
        nauheim = add_town(server_db, "06433009", "Nauheim", "NAU")
        north = enrol_workstation(server_db, server.url, nauheim, tmp_path / "n", "anna")
        south = enrol_workstation(server_db, server.url, nauheim, tmp_path / "s", "bernd")
        application_id = register(north)
        for index in range(5):  # enough requests that both workers answer some
            add_note(north, application_id, f"Vermerk {index}")
            assert sync_once(north.db).pending == 0
        assert sync_once(south.db).pulled > 0
        for ws in (north, south):
            assert_converged(ws.db, server_db)
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    finally:
        server.stop()
        server_db.close()
    entries = [json.loads(line) for line in server.log.read_text(encoding="utf-8").splitlines()]
    started = {e["message"] for e in entries if e["message"].startswith("Started server process")}
    assert len(started) == 2  # two worker processes, each with its own pid
    assert any(e["message"].startswith("Started parent process") for e in entries)
    assert not metrics_folder.exists()  # removed when the server ended


def test_a_second_worker_on_sqlite_is_refused_in_german(tmp_path: Path) -> None:
    port = free_port()
    refused = subprocess.run(
        [SERVER_SCRIPT, "--data-dir", str(tmp_path / "server"), "--port", str(port), "--workers", "2"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "geht nur mit PostgreSQL" in refused.stderr and "Traceback" not in refused.stderr
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
        listening = True
    except httpx.TransportError:
        listening = False
    assert not listening
