"""Sync tests: a real server on loopback, on SQLite and on PostgreSQL; tokens in a keyring
backend chosen explicitly, as an admin on a headless machine would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring.core
import pytest

from kommune_desk.server.db import PostgresServerDatabase, ServerDatabase, SqliteServerDatabase
from tests.pg_support import pg_admin_url, pg_url  # noqa: F401
from tests.sync.harness import ServerThread, running_server


@pytest.fixture(autouse=True)
def _explicit_keyring(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("keyring")))
    keyring.core.init_backend()
    yield
    monkeypatch.undo()
    keyring.core.init_backend()


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerDatabase]:
    """The server's store on each backend."""
    if request.param == "sqlite":
        db: ServerDatabase = SqliteServerDatabase(tmp_path / "server" / "kommune-desk-server.sqlite3")
    else:
        db = PostgresServerDatabase(request.getfixturevalue("pg_url"))
    yield db
    db.close()


@pytest.fixture
def server(server_db: ServerDatabase) -> Iterator[ServerThread]:
    with running_server(server_db) as running:
        yield running
