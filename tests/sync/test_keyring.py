"""Tokens live in the OS keyring only; without a usable backend enrolment stops in German."""

from __future__ import annotations

from pathlib import Path

import keyring.core
import pytest

from kommune_desk.server import admin
from kommune_desk.services.sync import enrol, sync_status
from kommune_desk.storage.database import Database
from kommune_desk.sync.errors import SyncError
from tests.sync.harness import ServerThread, add_town


def test_without_a_usable_keyring_enrolment_stops_and_nothing_is_kept(
    server: ServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    code = admin.enrolment_code(server.db, town.office_id)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.core.init_backend()
    db = Database.open(tmp_path / "ws")
    try:
        with pytest.raises(SyncError, match="Schlüsselspeicher"):
            enrol(db, server.url, code, clerk_name="Anna Admin", os_login="anna")
        assert not sync_status(db).enrolled
        # No token anywhere in the data folder.
        for path in (tmp_path / "ws").rglob("*"):
            if path.is_file():
                assert b"access_token" not in path.read_bytes()
    finally:
        db.close()


def test_tokens_are_in_the_keyring_not_in_the_data_folder(server: ServerThread, tmp_path: Path) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    code = admin.enrolment_code(server.db, town.office_id)
    db = Database.open(tmp_path / "ws")
    try:
        enrol(db, server.url, code, clerk_name="Anna Admin", os_login="anna")
        conn = db.reader()
        try:
            store_id = conn.execute("SELECT value FROM settings WHERE key = 'sync.store_id'").fetchone()[0]
        finally:
            conn.close()
    finally:
        db.close()
    from kommune_desk.sync import credentials

    creds = credentials.load(store_id)
    assert creds is not None and creds.access_token
    for path in (tmp_path / "ws").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert creds.access_token.encode() not in data and creds.refresh_token.encode() not in data
