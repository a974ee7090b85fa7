"""kommune-desk-cli as an admin's script would run it: a real child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kommune_desk.storage.database import DATABASE_FILE


def cli(*args: str, env_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_demo_then_info_and_check(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    built = cli(
        "--data-dir",
        str(data),
        "demo",
        "--applications",
        "300",
        "--events",
        "2000",
        "--seed",
        "3",
        "--today",
        "2026-11-24",
        "--login",
        "cli.test",
    )
    assert built.returncode == 0, built.stderr
    assert "300 Anträge" in built.stdout and "2.000 Nutzungsereignisse" in built.stdout

    info = cli("--data-dir", str(data), "info", "--json")
    assert info.returncode == 0, info.stderr
    report = json.loads(info.stdout)
    assert report["gemeinde"] == "Mörfelden-Walldorf"
    assert report["tabellen"]["applications"] == 300
    assert report["tabellen"]["usage_events"] == 2000

    check = cli("--data-dir", str(data), "check")
    assert check.returncode == 0
    assert "in Ordnung" in check.stdout


def test_data_dir_from_the_environment(tmp_path: Path) -> None:
    data = tmp_path / "aus-umgebung"
    result = subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "demo", "--applications", "10", "--events", "10"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "KOMMUNE_DESK_DATA_DIR": str(data)},
    )
    assert result.returncode == 0, result.stderr
    assert (data / DATABASE_FILE).exists()


def test_demo_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    assert cli("--data-dir", str(data), "demo", "--applications", "5", "--events", "5").returncode == 0
    again = cli("--data-dir", str(data), "demo", "--applications", "5", "--events", "5")
    assert again.returncode == 1
    assert "bereits" in again.stderr


def test_corrupt_database_gives_german_message_no_traceback(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    data.mkdir()
    (data / DATABASE_FILE).write_bytes(b"\x00kaputt" * 1000)
    for command in ("check", "info"):
        result = cli("--data-dir", str(data), command)
        assert result.returncode == 1
        assert "beschädigt" in result.stderr
        assert "Traceback" not in result.stderr


def test_network_share_is_refused(tmp_path: Path) -> None:
    result = cli("--data-dir", str(tmp_path / "OneDrive" / "Rathaus"), "demo")
    assert result.returncode == 1
    assert "Cloud-Ordner" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "OneDrive").exists()


def test_missing_database_is_explained(tmp_path: Path) -> None:
    result = cli("--data-dir", str(tmp_path / "leer"), "check")
    assert result.returncode == 1
    assert "noch keine KommuneDesk-Datenbank" in result.stderr
