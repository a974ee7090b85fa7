"""Tenants never see each other: every endpoint, tried with the other town's ids and tokens,
answers exactly as for ids that do not exist. Plus the walls around tokens and request sizes."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import httpx
import pytest

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel, Role
from kommune_desk.server import admin
from kommune_desk.server.app import create_app
from kommune_desk.server.db import SqliteServerDatabase
from kommune_desk.services.applications import register_application
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.reference import list_services
from kommune_desk.sync import credentials
from kommune_desk.sync.credentials import Credentials
from tests.sync.harness import ServerThread, add_town, enrolled_workstation

NOWHERE = "0190ffff-ffff-7fff-bfff-ffffffffffff"


def _creds(ws: Workspace) -> Credentials:
    conn = ws.db.reader()
    try:
        store_id = conn.execute("SELECT value FROM settings WHERE key = 'sync.store_id'").fetchone()[0]
    finally:
        conn.close()
    found = credentials.load(store_id)
    assert found is not None
    return found


def _auth(ws: Workspace) -> dict[str, str]:
    return {"Authorization": f"Bearer {_creds(ws).access_token}"}


@pytest.fixture
def towns(server: ServerThread, tmp_path: Path) -> tuple[Workspace, Workspace, str, str]:
    """Nauheim with an application and its uploaded file; Trebur, enrolled; (ids of both)."""
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    trebur = add_town(server.db, "06433012", "Trebur", "TRE")
    a_admin = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    add_clerk(a_admin, "sara", "Sara Sach", Role.SACHBEARBEITUNG)
    a = load_workspace(a_admin.db, "sara")
    assert a is not None
    conn = a.db.reader()
    service = next(s for s in list_services(conn, a.municipality.id) if s.name == "Baumfällgenehmigung")
    conn.close()
    scan = tmp_path / "foto.jpg"
    scan.write_bytes(b"\xff\xd8geheim")
    application_id = register_application(
        a,
        NewApplication(
            service.id, "Roß, Ingrid", Channel.PAPIER, dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
            form_data={"baumart": "Linde"},
        ),
        [scan],
    )  # fmt: skip
    sync_once(a.db)
    b = enrolled_workstation(server, trebur, tmp_path / "b", "tom", "Tom Admin")
    return a, b, application_id, hashlib.sha256(b"\xff\xd8geheim").hexdigest()


def test_reads_of_another_town_answer_like_nothing_is_there(server: ServerThread, towns) -> None:  # type: ignore[no-untyped-def]
    a, b, application_id, sha = towns
    url = server.url
    with httpx.Client(base_url=url) as http:
        assert http.get(f"/v1/blobs/{sha}", headers=_auth(a)).content == b"\xff\xd8geheim"
        foreign_blob = http.get(f"/v1/blobs/{sha}", headers=_auth(b))
        missing_blob = http.get(f"/v1/blobs/{'0' * 64}", headers=_auth(b))
        assert foreign_blob.status_code == missing_blob.status_code == 404
        assert foreign_blob.json() == missing_blob.json()

        foreign_scope = http.post(
            "/v1/pull", json={"scope": f"municipality:{a.municipality.id}"}, headers=_auth(b)
        )
        missing_scope = http.post("/v1/pull", json={"scope": f"municipality:{NOWHERE}"}, headers=_auth(b))
        assert foreign_scope.status_code == missing_scope.status_code == 404
        assert foreign_scope.json() == missing_scope.json()

        own = http.post(
            "/v1/pull", json={"scope": f"municipality:{b.municipality.id}"}, headers=_auth(b)
        ).json()
        assert application_id not in str(own) and "Roß" not in str(own)
        pool = http.post("/v1/pull", json={"scope": "pool"}, headers=_auth(b)).json()
        assert "Roß" not in str(pool) and "Anna" not in str(pool)

        hello = http.get("/v1/hello", headers=_auth(b)).json()
        assert hello["scopes"] == [f"municipality:{b.municipality.id}", "pool", "shared"]


def _push_one(http: httpx.Client, ws: Workspace, effect: dict) -> dict:  # type: ignore[type-arg]
    last = http.get("/v1/hello", headers=_auth(ws)).json()["last_seq"]
    mutation = {"seq": last + 1, "mutation_id": f"0190aaaa-0000-7000-8000-{last + 1:012d}", "name": "probe",
                "effects": [effect]}  # fmt: skip
    answer = http.post("/v1/push", json={"mutations": [mutation]}, headers=_auth(ws))
    assert answer.status_code == 200
    return answer.json()["results"][0]


def test_writes_to_another_towns_rows_answer_like_missing_rows(server: ServerThread, towns) -> None:  # type: ignore[no-untyped-def]
    a, b, application_id, _sha = towns
    with httpx.Client(base_url=server.url) as http:
        for op, extra in (("update", {"set": {"status": "abgelehnt"}, "base": {"status": "eingegangen"}}),
                          ("delete", {"base": {}})):  # fmt: skip
            foreign = _push_one(http, b, {"kind": "applications", "id": application_id, "op": op, **extra})
            missing = _push_one(http, b, {"kind": "applications", "id": NOWHERE, "op": op, **extra})
            assert (foreign["outcome"], foreign["detail"]) == (missing["outcome"], missing["detail"])
        hijack = _push_one(
            http, b,
            {"kind": "applications", "id": application_id, "op": "insert",
             "set": {"id": application_id, "municipality_id": b.municipality.id, "applicant_name": "X"}},
        )  # fmt: skip
        assert hijack["outcome"] == "rejected"
        smuggle = _push_one(
            http, b,
            {"kind": "applications", "id": NOWHERE, "op": "insert",
             "set": {"id": NOWHERE, "municipality_id": a.municipality.id, "applicant_name": "X"}},
        )  # fmt: skip
        assert smuggle["outcome"] == "rejected" and "anderer Kommunen" in smuggle["detail"]
    # Nauheim's row is untouched on the server and nothing of it reached Trebur.
    sync_once(a.db)
    sync_once(b.db)
    conn = a.db.reader()
    try:
        row = conn.execute("SELECT status, applicant_name FROM applications WHERE id = ?", (application_id,))
        assert row.fetchone() == ("eingegangen", "Roß, Ingrid")
    finally:
        conn.close()
    conn = b.db.reader()
    try:
        assert conn.execute("SELECT count(*) FROM applications").fetchone()[0] == 0
        theirs = [row[0] for row in conn.execute("SELECT theirs FROM sync_conflicts")]
    finally:
        conn.close()
    assert all("Roß" not in text for text in theirs)


def test_tokens_codes_and_clients(server: ServerThread, towns) -> None:  # type: ignore[no-untyped-def]
    a, b, _application_id, _sha = towns
    with httpx.Client(base_url=server.url) as http:
        for headers in ({}, {"Authorization": "Bearer falsch"}, {"Authorization": "Basic abc"}):
            answer = http.get("/v1/hello", headers=headers)
            assert answer.status_code == 401 and "Anmeldung" in answer.json()["detail"]
        refresh = _creds(b).refresh_token
        first = http.post("/v1/token", json={"refresh_token": refresh})
        assert first.status_code == 200
        # The spent refresh token again: someone copied it, so the client is locked out.
        reused = http.post("/v1/token", json={"refresh_token": refresh})
        assert reused.status_code == 401
        fresh = first.json()["access_token"]
        assert http.get("/v1/hello", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
        old = http.get("/v1/hello", headers=_auth(a) | {"X-KommuneDesk-Schema": "5"})
        assert old.status_code == 426 and "aktuelle" in old.json()["detail"]
    with server.db.transaction() as tx:
        stored = " ".join(str(value) for row in tx.all("SELECT * FROM clients") for value in row)
        stored += " ".join(str(row) for row in tx.all("SELECT * FROM meta"))
    # Tokens are signed, never stored: only the hash of the newest refresh token is kept.
    newest = first.json()["refresh_token"]
    assert refresh not in stored and newest not in stored and fresh not in stored
    assert hashlib.sha256(newest.encode()).hexdigest() in stored


def test_request_size_and_rate_limits(tmp_path: Path) -> None:
    db = SqliteServerDatabase(tmp_path / "s" / "server.sqlite3")
    admin.prepare(db)
    server = ServerThread(db, app=create_app(db, token_rate=(3, 60.0))).start()
    try:
        with httpx.Client(base_url=server.url) as http:
            answers = [http.post("/v1/enrol", json={"code": f"FALSCH-{i}"}) for i in range(4)]
            assert [a.status_code for a in answers] == [401, 401, 401, 429]
            assert int(answers[-1].headers["Retry-After"]) > 0
            assert "später" in answers[-1].json()["detail"]
            big = http.post(
                "/v1/push", content=b"x" * (17 * 1024 * 1024), headers={"Content-Type": "application/json"}
            )
            assert big.status_code == 413 and big.json()["detail"] == "Die Anfrage ist zu groß."
            small_route = http.post("/v1/token", content=b"{" + b" " * 70_000 + b"}")
            assert small_route.status_code == 413
    finally:
        server.stop()
        db.close()


def test_postgres_row_level_security_is_a_second_wall(pg_url: str, tmp_path: Path) -> None:
    from kommune_desk.server.db import APP_ROLE, PostgresServerDatabase

    db = PostgresServerDatabase(pg_url)
    try:
        admin.prepare(db)
        nauheim = add_town(db, "06433009", "Nauheim", "NAU")
        trebur = add_town(db, "06433012", "Trebur", "TRE")
        with db.transaction() as tx:
            forced = tx.all(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
                " WHERE relname IN ('entities', 'blobs', 'scopes') ORDER BY relname"
            )
            role = tx.one("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ?", (APP_ROLE,))
            owner = tx.one("SELECT tableowner FROM pg_tables WHERE tablename = 'entities'")
        assert forced == [("blobs", True, True), ("entities", True, True), ("scopes", True, True)]
        assert role == (False, False) and owner[0] != APP_ROLE
        # A tenant transaction, even with a query that asks for everything, sees its scopes only.
        with db.transaction([f"municipality:{trebur.municipality_id}", "pool"]) as tx:
            seen = {row[0] for row in tx.all("SELECT DISTINCT scope FROM entities")}
            assert tx.one("SELECT current_user")[0] == APP_ROLE
        assert seen == {f"municipality:{trebur.municipality_id}", "pool"}
        assert f"municipality:{nauheim.municipality_id}" not in seen
    finally:
        db.close()
