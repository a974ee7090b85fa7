"""The README's sync trial, run as written, and the ``admin demo`` seed it starts from."""

from __future__ import annotations

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kommune_desk.demo import content
from kommune_desk.server import admin
from kommune_desk.server.db import ServerDatabase
from kommune_desk.server.demo_seed import seed_demo_kreis
from tests.sync.server_process import free_port

REPO = Path(__file__).resolve().parents[2]
SECTION = "## Abgleich ausprobieren"
SERVER_DIR = "/tmp/kd-abgleich-server"
WORKSTATION_DIR = "/tmp/kd-arbeitsplatz-2"
SERVER_URL = "http://127.0.0.1:8765"


def readme_trial() -> list[list[str]]:
    """The code blocks of the README's trial section, each as its commands (comments dropped)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def _run(command: str, replacements: dict[str, str]) -> subprocess.CompletedProcess[str]:
    for literal, value in replacements.items():
        command = command.replace(literal, value)
    return subprocess.run(
        shlex.split(command, comments=True),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_readme_trial_enrols_a_second_folder_for_the_towns_office(tmp_path: Path) -> None:
    (start, code_for_town, window), (cli_enrol, cli_sync) = readme_trial()
    assert start.startswith("bash scripts/sync-trial-server.sh")
    assert code_for_town.startswith(
        f".venv/bin/kommune-desk-server --data-dir {SERVER_DIR} admin enrolment-code"
    )
    assert window.startswith(f".venv/bin/kommune-desk --data-dir {WORKSTATION_DIR}")
    assert "Mit einem Abgleichsserver verbinden" in window and SERVER_URL in window
    assert cli_enrol.startswith(f".venv/bin/kommune-desk-cli --data-dir {WORKSTATION_DIR} enrol")

    # The same commands on this test's own folders and port (a developer's trial may be running).
    port = free_port()
    server_dir, workstation_dir = tmp_path / "server", tmp_path / "arbeitsplatz-2"
    places = {
        SERVER_DIR: str(server_dir),
        WORKSTATION_DIR: str(workstation_dir),
        SERVER_URL: f"http://127.0.0.1:{port}",
    }
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env |= {"KOMMUNE_DESK_SERVER_DATA_DIR": str(server_dir), "KOMMUNE_DESK_SERVER_PORT": str(port)}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        shlex.split(start, comments=True), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_up(server, f"http://127.0.0.1:{port}", tmp_path / "server.log")
        printed = _run(code_for_town, places)
        assert printed.returncode == 0, printed.stderr
        code = printed.stdout.strip()
        assert re.fullmatch(r"[A-Z0-9]{5}(-[A-Z0-9]{5}){3}", code)

        enrolled = _run(cli_enrol, {**places, "CODE": code})
        assert enrolled.returncode == 0, enrolled.stderr
        assert "Arbeitsplatz eingerichtet" in enrolled.stdout
        synced = _run(cli_sync, places)
        assert synced.returncode == 0, synced.stderr
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        log.close()

    database = sqlite3.connect(f"file:{workstation_dir / 'kommune-desk.sqlite3'}?mode=ro", uri=True)
    try:
        offices = database.execute(
            "SELECT o.code, o.name, m.name, m.ags FROM offices o"
            " JOIN municipalities m ON m.id = o.municipality_id"
        ).fetchall()
        pool_towns = database.execute("SELECT count(*) FROM pool_members").fetchone()[0]
    finally:
        database.close()
    assert offices == [("NAU", "Bürgerbüro", "Nauheim", "06433009")]
    assert pool_towns == len(content.TOWNS) + 1  # every demo town and the Kreis share the pool
    assert "Demo-Kreis Groß-Gerau: 14 Kommunen und 14 Dienststellen neu angelegt" in (
        tmp_path / "server.log"
    ).read_text(encoding="utf-8")


def test_the_readme_names_the_first_start_button_as_the_window_shows_it() -> None:
    (_, _, window), _ = readme_trial()
    button = re.search(r"„([^“]+)“", window)
    assert button is not None
    first_start = (REPO / "kommune_desk" / "ui" / "first_start.py").read_text(encoding="utf-8")
    assert f'"{button.group(1)}' in first_start


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120  # the script may first set up .venv
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(log.read_text(encoding="utf-8"))


def test_the_demo_seed_is_idempotent_and_codes_name_offices(server_db: ServerDatabase) -> None:
    admin.prepare(server_db)
    first = seed_demo_kreis(server_db)
    assert (first.municipalities_added, first.offices_added) == (14, 14)
    again = seed_demo_kreis(server_db)
    assert (again.municipalities_added, again.offices_added) == (0, 0)
    assert again.offices == first.offices
    offices = admin.list_offices(server_db)
    assert len(offices) == 14
    assert ("Kreis Groß-Gerau", "Kreisverwaltung", "KGG") in {o[1:] for o in offices}
    assert ("Mörfelden-Walldorf", "Bürgerbüro", "MW") in {o[1:] for o in offices}
    nauheim_office = next(o[0] for o in offices if o[3] == "NAU")

    # The office code works where the id did, in any case; only its office gets the code.
    with server_db.transaction() as tx:
        before = tx.one("SELECT count(*) FROM enrolment_codes WHERE office_id = ?", (nauheim_office,))
    admin.enrolment_code(server_db, "nau")
    admin.enrolment_code(server_db, nauheim_office)
    with server_db.transaction() as tx:
        after = tx.one("SELECT count(*) FROM enrolment_codes WHERE office_id = ?", (nauheim_office,))
    assert before is not None and after is not None and after[0] == before[0] + 2
    with pytest.raises(admin.AdminError, match="keine Dienststelle mit der Kennung oder dem Kürzel XYZ"):
        admin.enrolment_code(server_db, "XYZ")
    admin.add_office(server_db, "06433008", "Außenstelle Walldorf", "NAU")  # a code used twice
    with pytest.raises(admin.AdminError, match=r"Das Kürzel NAU haben mehrere Dienststellen \(Mörfelden"):
        admin.enrolment_code(server_db, "NAU")


def test_a_seed_completes_a_kreis_set_up_by_hand(server_db: ServerDatabase) -> None:
    admin.prepare(server_db)
    admin.add_municipality(server_db, "06433009", "Gemeinde Nauheim", "gemeinde")
    seeded = seed_demo_kreis(server_db)
    assert (seeded.municipalities_added, seeded.offices_added) == (13, 14)
    names = {o[1] for o in admin.list_offices(server_db)}
    assert "Gemeinde Nauheim" in names and "Nauheim" not in names


def test_the_seed_needs_no_desktop_modules() -> None:
    """A server installed without the desktop stack (no Qt, no sqlite-utils) runs ``admin demo``."""
    probe = (
        "import sys, kommune_desk.server.demo_seed, kommune_desk.server.main, kommune_desk.server.status;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'sqlite_utils', 'matplotlib'}"
        " or m.startswith(('kommune_desk.ui', 'kommune_desk.storage', 'kommune_desk.services'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
