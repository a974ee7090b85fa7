"""Schemathesis against the published OpenAPI of a live server on loopback: whatever it sends,
authenticated or not, the server never answers 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from kommune_desk.server import admin
from kommune_desk.server.db import SqliteServerDatabase
from tests.sync.harness import ServerThread, add_town, enrolled_workstation


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, str, str]]:
    """A server with one enrolled workstation and a portal credential: (server, token, portal)."""
    import keyring.core

    folder = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        patch.setenv("XDG_DATA_HOME", str(folder / "keyring"))
        keyring.core.init_backend()
        db = SqliteServerDatabase(folder / "server" / "server.sqlite3")
        admin.prepare(db)
        # Generous token limits: the fuzzer may call /v1/token many times.
        from kommune_desk.server.app import create_app

        server = ServerThread(db, app=create_app(db, token_rate=(100_000, 60.0))).start()
        town = add_town(db, "06433009", "Nauheim", "NAU")
        portal = admin.portal_credential(db, "06433009")
        ws = enrolled_workstation(server, town, folder / "ws", "anna", "Anna Admin")
        from kommune_desk.sync import credentials

        conn = ws.db.reader()
        store_id = conn.execute("SELECT value FROM settings WHERE key = 'sync.store_id'").fetchone()[0]
        conn.close()
        token = credentials.load(store_id).access_token  # type: ignore[union-attr]
        yield server, token, portal
        server.stop()
        db.close()
    keyring.core.init_backend()


@schemathesis.serializer("application/zip")
def _zip_bytes(_ctx, value):  # type: ignore[no-untyped-def]
    """The portal's ZIP body: whatever the fuzzer generates, as raw bytes."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def test_no_server_errors(live) -> None:  # type: ignore[no-untyped-def]
    server, token, portal = live
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        secret = portal if operation.path.startswith("/v1/intake") else token

        @given(case=operation.as_strategy())
        @settings(max_examples=50, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers={"Authorization": f"Bearer {secret}"})  # noqa: B023
            assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"

        call()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 10, checked
