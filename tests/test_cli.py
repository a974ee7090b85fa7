"""kommune-desk-cli as an admin's script would run it: a real child process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kommune_desk.storage.database import DATABASE_FILE

from .conftest import LOGIN


def cli(
    *args: str, login: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI; ``login`` pretends to be that OS user (getpass reads these variables)."""
    environment = {**os.environ, **(env or {})}
    if login is not None:
        environment.update({name: login for name in ("LOGNAME", "USER", "LNAME", "USERNAME")})
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
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
    result = cli("demo", "--applications", "10", "--events", "10", env={"KOMMUNE_DESK_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert (data / DATABASE_FILE).exists()


def test_demo_output_is_german_without_leading_blank_line(tmp_path: Path) -> None:
    result = cli("--data-dir", str(tmp_path / "daten"), "demo", "--applications", "1", "--events", "1")
    assert result.returncode == 0, result.stderr
    assert re.match(r"Demo erzeugt in \d+,\d s: 1 Antrag, ", result.stdout), result.stdout
    assert "1 Nutzungsereignis," in result.stdout
    assert "1 Anträge" not in result.stdout and "1 Nutzungsereignisse" not in result.stdout
    assert "\r" not in result.stdout and len(result.stdout.splitlines()) == 1


def test_demo_twice_is_refused_naming_the_folder(tmp_path: Path) -> None:
    data = tmp_path / "daten"
    assert cli("--data-dir", str(data), "demo", "--applications", "5", "--events", "5").returncode == 0
    again = cli("--data-dir", str(data), "demo", "--applications", "5", "--events", "5")
    assert again.returncode == 1
    assert f"Im Datenordner {data} gibt es schon eingerichtete Daten" in again.stderr
    assert "mit --data-dir einen neuen Ordner" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("demo", "--applications", "abc"),
        ("demo", "--applications", "-3"),
        ("demo", "--seed", "x"),
        ("demo", "--today", "24.11.2026"),
        ("--data-dir",),
        ("unbekannt",),
        (),
        ("info", "--foo"),
        ("clerk", "add", "a.b", "A B", "--role", "chef"),
    ],
)
def test_usage_errors_are_one_german_line_with_exit_code_2(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Aufruf fehlerhaft: ")
    assert "--help" in lines[0]
    for english in ("usage:", "error:", "argument", "invalid", "choose from", "_positive", "_date"):
        assert english not in result.stderr


def test_usage_error_names_the_option_and_the_value() -> None:
    result = cli("demo", "--applications", "abc")
    assert "Angabe --applications: ganze Zahl ≥ 0 erwartet, nicht »abc«" in result.stderr


@pytest.mark.parametrize("args", [("--help",), ("demo", "--help"), ("clerk", "add", "-h")])
def test_help_is_german(args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.returncode == 0
    assert result.stdout.startswith("Aufruf: kommune-desk-cli")
    assert "diese Hilfe anzeigen und beenden" in result.stdout
    assert "Optionen:" in result.stdout
    for english in ("usage:", "show this help", "options:", "positional arguments"):
        assert english not in result.stdout


def test_main_help_lists_the_commands_under_a_german_title() -> None:
    result = cli("--help")
    assert "Befehle:" in result.stdout and "clerk" in result.stdout
    assert "Programmversion anzeigen" in result.stdout


def test_empty_data_dir_is_refused(tmp_path: Path) -> None:
    default_home = tmp_path / "standard"
    result = cli(
        "--data-dir",
        "",
        "demo",
        "--applications",
        "1",
        "--events",
        "1",
        env={"XDG_DATA_HOME": str(default_home)},
    )
    assert result.returncode == 2
    assert "Angabe --data-dir: der Datenordner darf nicht leer sein" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not default_home.exists()


def test_info_shows_german_labels_and_the_signed_in_clerk(demo_dir: Path) -> None:
    result = cli("--data-dir", str(demo_dir), "info", login=LOGIN)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"Gemeinde: +Mörfelden-Walldorf \(AGS 06\d{6}\)", out)
    assert re.search(r"Dienststelle: +.+ \(Kürzel [A-ZÄÖÜ0-9]+\)", out)
    assert re.search(rf"Angemeldet: +.+, Teamleitung \(Anmeldung »{LOGIN}«\)", out)
    for label in ("Anträge", "Nutzungsereignisse", "Ausstehende Änderungen (Outbox)", "Protokolleinträge"):
        assert label in out
    assert re.search(r"Anträge +1\.500\n", out)
    for raw in ("usage_events", "audit_log", "sqlite_"):
        assert raw not in out


def test_info_json_has_stable_keys_and_the_signed_in_clerk(demo_dir: Path) -> None:
    report = json.loads(cli("--data-dir", str(demo_dir), "info", "--json", login=LOGIN).stdout)
    assert "sachbearbeitung" not in report
    assert report["angemeldet"]["rolle"] == "teamleitung"
    assert report["angemeldet"]["anmeldung"] == LOGIN
    assert report["angemeldet"]["name"]
    assert report["ags"].startswith("06") and report["kuerzel"]
    assert report["tabellen"]["applications"] == 1500
    assert not [name for name in report["tabellen"] if name.startswith("sqlite_")]


def test_info_json_for_an_unmapped_login(demo_dir: Path) -> None:
    report = json.loads(cli("--data-dir", str(demo_dir), "info", "--json", login="fremd").stdout)
    assert report["angemeldet"] is None
    assert report["anmeldung"] == "fremd"


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
