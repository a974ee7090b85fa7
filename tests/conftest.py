"""Shared fixtures: real SQLite files in temp dirs, a set-up office, a small demo."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kommune_desk.demo.generator import DemoOptions
from kommune_desk.domain.validation import SetupInput
from kommune_desk.services.demo import build_demo
from kommune_desk.services.setup import set_up_office
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.database import Database
from tests.sync.harness import ServerThread, running_server

TODAY = dt.date(2026, 11, 24)
LOGIN = "testerin"
# Every table of the current schema that holds data (the outbox is empty after a demo).
DATA_TABLES = (
    "municipalities", "offices", "clerks", "services", "applications", "attachments",
    "usage_events", "devices", "loans", "number_ranges", "settings", "audit_log",
    "device_types", "device_maintenance", "device_transfers", "waitlist", "borrowers", "loan_borrowers",
    "waitlist_borrowers", "loan_reminders",
)  # fmt: skip
SMALL_DEMO = DemoOptions(applications=1500, events=6000, seed=7, today=TODAY, os_login=LOGIN)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs and Qt settings go to temp dirs, never to the developer's home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("KOMMUNE_DESK_LOG_DIR", str(home / "logs"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("KOMMUNE_DESK_DATA_DIR", raising=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "daten"


@pytest.fixture
def db(data_dir: Path):
    database = Database.open(data_dir)
    yield database
    database.close()


def setup_input(**overrides: str) -> SetupInput:
    values = {
        "municipality_name": "Gemeinde Nauheim",
        "ags": "06433009",
        "street": "Weingartenstraße 46",
        "postal_code": "64569",
        "city": "Nauheim",
        "office_name": "Bürgerbüro",
        "office_code": "NAU",
        "clerk_name": "Zoë Ağaoğlu",
        "role": "sachbearbeitung",
        "os_login": LOGIN,
    }
    values.update(overrides)
    return SetupInput(**values)


@pytest.fixture
def workspace(db: Database) -> Workspace:
    set_up_office(db, setup_input())
    ws = load_workspace(db, LOGIN)
    assert ws is not None
    return ws


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database built once; tests copy it."""
    directory = tmp_path_factory.mktemp("demo-template")
    database = Database.open(directory)
    build_demo(database, SMALL_DEMO)
    database.close()
    return directory


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def demo_workspace(demo_dir: Path):
    database = Database.open(demo_dir)
    ws = load_workspace(database, LOGIN)
    assert ws is not None
    yield ws
    database.close()


_HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode=EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
conn.execute("INSERT INTO settings (key, value) VALUES ('lock', 'held')")
print("locked", flush=True)
time.sleep(30)
"""


@contextmanager
def locked_by_another_process(database_file: Path) -> Iterator[None]:
    """Another program (not KommuneDesk) holds an exclusive lock on the database file."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(database_file)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """The real sync server on 127.0.0.1 with its embedded SQLite store (tests/sync/ overrides it
    with one per database backend)."""
    from kommune_desk.server.db import SqliteServerDatabase

    db = SqliteServerDatabase(tmp_path / "server" / "kommune-desk-server.sqlite3")
    with running_server(db) as running:
        yield running
    db.close()
