"""What the Kreis IT runs the server by: /readyz, Prometheus metrics without personal data,
uploaded files in the blob folder, and transactions the database aborts being run again
(both backends where it applies)."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from kommune_desk.intake import write_submission
from kommune_desk.server import admin
from kommune_desk.server.app import create_app
from kommune_desk.server.db import PostgresServerDatabase, ServerDatabase
from kommune_desk.services.sync import sync_once
from tests.sync.fault_support import access_token, enrol_workstation, register, state
from tests.sync.harness import ServerThread, add_town

APPLICANT = "Weißenbach-Öztürk, Ingrid"


def test_readyz_says_whether_the_schema_is_this_servers(server: ServerThread) -> None:
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ok"}
    with server.db.transaction() as tx:
        tx.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")  # a database not yet upgraded
    answer = httpx.get(f"{server.url}/readyz")
    assert answer.status_code == 503 and "Datenbankschema" in answer.json()["status"]
    assert httpx.get(f"{server.url}/healthz").status_code == 200  # the process itself is fine
    admin.prepare(server.db)  # what the server does at start: upgrade
    assert httpx.get(f"{server.url}/readyz").status_code == 200


def test_readyz_fails_while_postgresql_is_unreachable(pg_admin_url: str, tmp_path: Path) -> None:
    name = f"kd_test_gone_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    db = PostgresServerDatabase(url)
    admin.prepare(db)
    server = ServerThread(db, app=create_app(db, blob_dir=tmp_path / "blobs")).start()
    try:
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
        started = time.monotonic()
        answer = httpx.get(f"{server.url}/readyz", timeout=60)
        assert time.monotonic() - started < 5, "a probe must not hang while the database is gone"
        assert answer.status_code == 503 and answer.json() == {"status": "Datenbank nicht erreichbar"}
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    finally:
        server.stop()


def test_metrics_count_requests_and_sizes_without_personal_data(server: ServerThread, tmp_path: Path) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "ws", "anna")
    register(ws, APPLICANT)
    sync_once(ws.db)
    portal = admin.portal_credential(server.db, town.ags)
    submission = write_submission(tmp_path / "einreichung.zip", as_zip=True)
    delivered = httpx.post(
        f"{server.url}/v1/intake/submissions", content=submission.read_bytes(),
        headers={"Authorization": f"Bearer {portal}"},
    )  # fmt: skip
    assert delivered.status_code == 200
    text = httpx.get(f"{server.url}/metrics").text

    def value(pattern: str) -> float:
        found = re.search(pattern + r" ([0-9.e+]+)$", text, re.MULTILINE)
        assert found, pattern
        return float(found.group(1))

    assert value(r'kommune_desk_requests_total\{method="POST",route="/v1/push",status="200"\}') >= 1
    assert value(r'kommune_desk_request_seconds_count\{method="GET",route="/v1/hello"\}') >= 2
    assert value(r"kommune_desk_push_mutations_count") >= 1
    assert value(r"kommune_desk_pull_changes_sum") >= 1
    assert value(r'kommune_desk_mutations_total\{outcome="applied"\}') >= 1
    assert value(r'kommune_desk_pending_portal_submissions\{ags="06433009"\}') == 1
    assert value(r"kommune_desk_uploaded_bytes_total") >= submission.stat().st_size
    # Labels are route templates and codes: no name, no token, no id of a row or a client.
    for secret in (
        APPLICANT,
        "Weißenbach",
        access_token(ws.db),
        portal,
        state(ws.db, "client_id"),
        town.municipality_id,
    ):
        assert secret not in text
    assert "/v1/blobs/{sha256}" not in text or re.search(r"/v1/blobs/[0-9a-f]{64}", text) is None


def test_an_upload_lands_in_the_blob_folder_and_a_wrong_one_leaves_nothing(
    server: ServerThread, tmp_path: Path
) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "ws", "anna")
    headers = {"Authorization": f"Bearer {access_token(ws.db)}"}
    data = b"%PDF-1.7 Lageplan " * 50_000
    sha = hashlib.sha256(data).hexdigest()
    assert httpx.put(f"{server.url}/v1/blobs/{sha}", content=data, headers=headers).status_code == 204
    stored = list(Path(server.blob_dir).rglob(sha))
    assert len(stored) == 1 and stored[0].read_bytes() == data
    with server.db.transaction() as tx:
        assert tx.one("SELECT in_file, size FROM blobs WHERE sha256 = ?", (sha,)) == (True, len(data))
    assert httpx.get(f"{server.url}/v1/blobs/{sha}", headers=headers).content == data
    wrong = httpx.put(f"{server.url}/v1/blobs/{'0' * 64}", content=b"anderer Inhalt", headers=headers)
    assert wrong.status_code == 422 and "Prüfsumme" in wrong.json()["detail"]
    assert list((Path(server.blob_dir) / "incoming").iterdir()) == []
    assert not list(Path(server.blob_dir).rglob("0" * 64))


def test_a_file_stored_in_the_database_by_an_older_server_is_still_served(
    server: ServerThread, tmp_path: Path
) -> None:
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    ws = enrol_workstation(server.db, server.url, town, tmp_path / "ws", "anna")
    data = b"\xff\xd8 Foto vom Baum"
    sha = hashlib.sha256(data).hexdigest()
    with server.db.transaction() as tx:
        tx.execute(
            "INSERT INTO blobs (sha256, scope, size, data, created_at) VALUES (?, ?, ?, ?, ?)",
            (sha, f"municipality:{town.municipality_id}", len(data), data, "2026-01-05T10:00:00+00:00"),
        )
    answer = httpx.get(
        f"{server.url}/v1/blobs/{sha}", headers={"Authorization": f"Bearer {access_token(ws.db)}"}
    )
    assert answer.status_code == 200 and answer.content == data


def test_a_deadlock_is_run_again_and_both_transactions_succeed(server_db: ServerDatabase) -> None:
    """Two transactions lock two rows crosswise: PostgreSQL aborts one (a real deadlock), and
    ``run`` does it again; SQLite serialises them, so there is none."""
    admin.prepare(server_db)
    with server_db.transaction() as tx:
        tx.execute("INSERT INTO meta (key, value) VALUES ('a', '0'), ('b', '0')")
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts: list[str] = []
    retries: list[int] = []
    server_db.on_retry = lambda: retries.append(1)

    def crosswise(first: str, second: str) -> None:
        def work(tx: object) -> None:
            attempts.append(first)
            tx.execute("UPDATE meta SET value = value || '1' WHERE key = ?", (first,))  # type: ignore[attr-defined]
            if attempts.count(first) == 1 and server_db.dialect == "postgresql":
                both_hold_one.wait()
            tx.execute("UPDATE meta SET value = value || '2' WHERE key = ?", (second,))  # type: ignore[attr-defined]

        server_db.run(work)

    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=lambda f=f, s=s: _collect(errors, crosswise, f, s))
        for f, s in (("a", "b"), ("b", "a"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with server_db.transaction() as tx:
        values = dict(tx.all("SELECT key, value FROM meta WHERE key IN ('a', 'b')"))
    # Each committed once: one 1 (own row) and one 2 (the other's row) per key, whatever the order.
    assert sorted(values["a"]) == sorted(values["b"]) == ["0", "1", "2"]
    if server_db.dialect == "postgresql":
        assert retries == [1] and len(attempts) == 3


def _collect(errors: list[BaseException], job: object, *args: object) -> None:
    try:
        job(*args)  # type: ignore[operator]
    except BaseException as exc:  # reported by the test
        errors.append(exc)
