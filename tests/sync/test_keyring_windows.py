"""The workstation's tokens through our credentials API, with real keyring backends: what the
Windows Credential Manager (keyring's WinVaultKeyring) will be asked to keep, and the refusal when
no safe store exists. The Credential Manager itself is exercised under Wine, not here."""

from __future__ import annotations

import configparser
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyrings.alt.file import PlaintextKeyring

from kommune_desk.domain.ids import uuid7
from kommune_desk.server import admin, auth
from kommune_desk.server.db import SqliteServerDatabase
from kommune_desk.sync import credentials
from kommune_desk.sync.credentials import Credentials
from kommune_desk.sync.errors import SyncError
from tests.sync.harness import add_town

# CRED_MAX_CREDENTIAL_BLOB_SIZE (wincred.h): 5 * 512 bytes; keyring writes the blob as UTF-16.
WINDOWS_BLOB_LIMIT = 5 * 512
CRED_MAX_USERNAME_LENGTH = 513


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """A real file keyring chosen explicitly, as an admin would with PYTHON_KEYRING_BACKEND."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def real_credentials(tmp_path: Path) -> Credentials:
    """Tokens as the server issues them, with a refresh in flight (the longest form we keep)."""
    db = SqliteServerDatabase(tmp_path / "server" / "kommune-desk-server.sqlite3")
    try:
        admin.prepare(db)
        town = add_town(db, "06433009", "Nauheim", "NAU")
        issued = auth.enrol(db, admin.enrolment_code(db, town.office_id), "m.yilmaz")
        assert issued is not None
        tokens = issued[0]
    finally:
        db.close()
    return Credentials(
        tokens.client_id, tokens.access_token, tokens.refresh_token, time.time() + tokens.expires_in,
        refresh_request=secrets.token_hex(16),
    )  # fmt: skip


def test_tokens_round_trip_and_fit_into_a_windows_credential(store: PlaintextKeyring, tmp_path: Path) -> None:
    creds = real_credentials(tmp_path)
    store_id = uuid7()
    credentials.save(store_id, creds)
    assert credentials.load(store_id) == creds
    kept = store.get_password(credentials.SERVICE, f"arbeitsplatz:{store_id}")
    assert kept is not None and json.loads(kept)["access_token"] == creds.access_token
    assert len(kept.encode("utf-16-le")) <= WINDOWS_BLOB_LIMIT // 2  # half the limit: room to grow
    assert len(f"arbeitsplatz:{store_id}") < CRED_MAX_USERNAME_LENGTH
    stored = configparser.ConfigParser()
    stored.read(store.file_path, encoding="utf-8")
    entries = [(s, key) for s in stored.sections() if s != "keyring-setting" for key in stored.options(s)]
    assert len(entries) == 1  # one entry per data folder, nothing else


def test_two_data_folders_keep_their_own_tokens(store: PlaintextKeyring, tmp_path: Path) -> None:
    """WinVault keeps one credential per service name and moves others to "user@service"; our
    API must only ever see each data folder's own tokens."""
    first, second = uuid7(), uuid7()
    creds = real_credentials(tmp_path)
    other = Credentials("c2", "a2", "r2", 0.0)
    credentials.save(first, creds)
    credentials.save(second, other)
    assert (credentials.load(first), credentials.load(second)) == (creds, other)
    credentials.forget(first)
    assert credentials.load(first) is None and credentials.load(second) == other
    credentials.forget(first)  # forgetting twice is no error (WinVault raises for a missing one)
    assert credentials.load(second) == other


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_without_a_safe_store_nothing_is_kept_and_it_is_said_in_german(backend: type) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend())
    try:
        with pytest.raises(SyncError, match="Windows-Anmeldeinformationsverwaltung"):
            credentials.ensure_available()
        with pytest.raises(SyncError, match="IT-Betreuung"):
            credentials.save(uuid7(), Credentials("c", "a", "r", 0.0))
    finally:
        keyring.set_keyring(previous)


def test_a_failing_store_is_said_in_german(store: PlaintextKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(service: str, username: str, password: str) -> None:
        raise OSError("Das Schlüsselbund ist gesperrt")  # e.g. CredWrite refused

    monkeypatch.setattr(store, "set_password", locked)
    with pytest.raises(SyncError, match="nicht im Schlüsselspeicher des Rechners abgelegt"):
        credentials.save(uuid7(), Credentials("c", "a", "r", 0.0))


class _CredentialManagerLike(PlaintextKeyring):
    """A real file keyring with the knob keyring's WinVaultKeyring has: ``persist``."""

    persist = "enterprise"  # WinVaultKeyring's default: the credential roams with the profile


def test_tokens_in_the_credential_manager_stay_on_this_pc(tmp_path: Path) -> None:
    backend = _CredentialManagerLike()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        credentials.save("0001", real_credentials(tmp_path))
        assert backend.persist == "local machine"
        assert credentials.load("0001") is not None
    finally:
        keyring.set_keyring(previous)
