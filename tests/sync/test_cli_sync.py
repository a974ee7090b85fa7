"""The admin and the workstation CLIs against a real server process on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.sync.server_process import ServerProcess, server_cli


def _client(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _office_with_code(server_dir: Path) -> str:
    """Nauheim with its Rathaus, set up by the admin CLI; the office's enrolment code."""
    server_cli(server_dir, "admin", "municipality", "--ags", "06433009", "--name", "Gemeinde Nauheim")
    office = ("--municipality", "06433009", "--name", "Rathaus Nauheim", "--code", "NAU")
    office_id = server_cli(server_dir, "admin", "office", *office)
    return _new_code(server_dir, office_id)


def _new_code(server_dir: Path, office_id: str) -> str:
    return server_cli(server_dir, "admin", "enrolment-code", "--office", office_id)


def test_admin_enrols_an_office_and_the_workstation_syncs(tmp_path: Path) -> None:
    server_dir = tmp_path / "server"
    code = _office_with_code(server_dir)
    assert len(code) == 23 and code.count("-") == 3
    server = ServerProcess(server_dir).start()
    try:
        enrolled = _client(
            tmp_path / "ws", "enrol", "--server", server.url, "--code", code, "--name", "Anna Admin"
        )
        assert enrolled.returncode == 0, enrolled.stderr
        assert "Arbeitsplatz eingerichtet" in enrolled.stdout

        again = _client(tmp_path / "ws2", "enrol", "--server", server.url, "--code", code)
        assert again.returncode == 1
        assert "ungültig, abgelaufen oder wurde schon verwendet" in again.stderr

        synced = _client(tmp_path / "ws", "sync", "--json")
        assert synced.returncode == 0, synced.stderr
        report = json.loads(synced.stdout)
        assert report["pending"] == 0 and report["conflicts"] == 0

        clients = json.loads(server_cli(server_dir, "admin", "clients", "--json"))
        assert len(clients) == 1 and clients[0]["revoked_at"] is None
        server_cli(server_dir, "admin", "revoke", clients[0]["id"])
        refused = _client(tmp_path / "ws", "sync")
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        # What to do, not just what went wrong: a new code, and the command that takes it.
        assert "gesperrt" in refused.stderr and "neuen Einrichtungscode" in refused.stderr
        assert f"enrol --server {server.url} --code NEUER-CODE" in refused.stderr

        # The same folder takes a new code: enrolled again, the old workstation stays locked.
        office_id = server_cli(server_dir, "admin", "offices").split()[0]
        code = _new_code(server_dir, office_id)
        again = _client(tmp_path / "ws", "enrol", "--server", server.url, "--code", code)
        assert again.returncode == 0, again.stderr
        assert "Arbeitsplatz neu eingerichtet (Rathaus Nauheim)" in again.stdout
        assert _client(tmp_path / "ws", "sync").returncode == 0
        old, new = sorted(
            json.loads(server_cli(server_dir, "admin", "clients", "--json")),
            key=lambda c: c["revoked_at"] is None,
        )
        assert old["revoked_at"] and new["revoked_at"] is None and old["replaced_by"] == new["id"]
        # A working enrolment needs no new code, and the code offered is not spent.
        spare = _new_code(server_dir, office_id)
        needless = _client(tmp_path / "ws", "enrol", "--server", server.url, "--code", spare)
        assert needless.returncode == 1 and "Ein neuer Code ist nicht nötig" in needless.stderr
        fresh = _client(tmp_path / "ws3", "enrol", "--server", server.url, "--code", spare)
        assert fresh.returncode == 0, fresh.stderr
    finally:
        server.stop()
    # No token and no name in the server's log.
    log = server.log.read_text()
    assert "Bearer" not in log and "Anna" not in log and code not in log


def test_sync_while_the_server_is_down_says_so_in_german_and_keeps_everything(tmp_path: Path) -> None:
    server_dir = tmp_path / "server"
    code = _office_with_code(server_dir)
    server = ServerProcess(server_dir).start()
    try:
        assert (
            _client(
                tmp_path / "ws", "enrol", "--server", server.url, "--code", code, "--name", "A B"
            ).returncode
            == 0
        )
    finally:
        server.stop()
    offline = _client(tmp_path / "ws", "sync")
    assert offline.returncode == 1
    assert "nicht erreichbar" in offline.stderr and "Traceback" not in offline.stderr
