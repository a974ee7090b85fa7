"""docs/server-sicherung.md, done once for real on PostgreSQL: ``pg_dump -Fc`` and a copy of the
blob folder, ``pg_restore`` into an empty database, ``new-epoch``, the server on the restored
database. The workstation ends with its data intact, and what it sent after the dump it sends
again, so nothing is lost.

As in production, the server, the dump and the restore work as the tables' owner, a role that is
no superuser: row-level security is forced on the owner too, so pg_dump needs
``--enable-row-security`` (the owner's policy lets it read every row)."""

from __future__ import annotations

import datetime as dt
import glob
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel
from kommune_desk.domain.replication import municipality_scope
from kommune_desk.server.db import PostgresServerDatabase
from kommune_desk.services.applications import register_application
from kommune_desk.services.cases import add_note
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workflow import set_follow_up
from kommune_desk.storage.files import blob_path
from kommune_desk.storage.reference import list_services
from tests.pg_support import fresh_database, unavailable
from tests.sync.fault_support import (
    assert_converged,
    enrol_workstation,
    processed,
    rows,
    server_view,
    state,
    sync_until_quiet,
)
from tests.sync.harness import add_town
from tests.sync.server_process import SERVER_SCRIPT, ServerProcess, free_port


def pg_program(name: str, url: str) -> str:
    """``pg_dump``/``pg_restore`` of the server's major version (as scripts/pg-test-cluster.sh
    finds its binaries), else the newest installed; a dump needs a pg_dump at least that new."""
    with psycopg.connect(url, autocommit=True) as connection:
        major = int(connection.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: -int(p.split("/")[4]))
    for candidate in (f"/usr/lib/postgresql/{major}/bin/{name}", *installed, shutil.which(name)):
        if candidate and Path(candidate).is_file():
            return candidate
    unavailable(f"{name} ist nicht installiert")


@contextmanager
def owner_role(admin_url: str) -> Iterator[tuple[str, str]]:
    """A login role like the Kreis' ``kd_owner``: no superuser, no BYPASSRLS; CREATEROLE so the
    server may create (once per cluster) and join the role ``kommune_desk_app``."""
    name, password = f"kd_test_owner_{secrets.token_hex(4)}", secrets.token_hex(16)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
    try:
        yield name, password
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@contextmanager
def owned_database(admin_url: str, role: tuple[str, str]) -> Iterator[str]:
    """A fresh, empty database owned by ``role``; the URL signs in as that role."""
    with fresh_database(admin_url) as url:
        parts = urlsplit(url)
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(parts.path.lstrip("/")), sql.Identifier(role[0])
                )
            )
        host = parts.netloc.rsplit("@", 1)[-1]
        yield urlunsplit(parts._replace(netloc=f"{role[0]}:{role[1]}@{host}"))


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _application_with_scan(ws, folder: Path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A paper application with a scanned file; its id and the file's SHA-256."""
    conn = ws.db.reader()
    try:
        service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Baumfällgenehmigung")
    finally:
        conn.close()
    scan = folder / "antrag.pdf"
    scan.write_bytes(b"%PDF-1.4\n% Antrag auf Baumfaellung\n" + bytes(range(256)) * 64)
    new = NewApplication(
        service.id, "Roß, Ingrid", Channel.PAPIER, dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC),
        form_data={"baumart": "Linde"},
    )  # fmt: skip
    application_id = register_application(ws, new, scans=[scan])
    sha256 = rows(ws.db, "SELECT sha256 FROM attachments WHERE application_id = ?", application_id)[0][0]
    return application_id, sha256


def _notes(server_db: PostgresServerDatabase, municipality_id: str) -> set[str]:
    view = server_view(server_db, [municipality_scope(municipality_id)])
    return {note["body"] for note in view.get("application_notes", {}).values()}


def test_pg_dump_restore_and_new_epoch_lose_nothing(pg_admin_url: str, tmp_path: Path) -> None:
    with (
        owner_role(pg_admin_url) as role,
        owned_database(pg_admin_url, role) as live_url,
        owned_database(pg_admin_url, role) as empty_url,
    ):
        _backup_and_restore(pg_admin_url, live_url, empty_url, tmp_path)


def _backup_and_restore(admin_url: str, live_url: str, restored_url: str, tmp_path: Path) -> None:
    port = free_port()  # the workstations know the server by its address: it stays the same
    pg_dump, pg_restore = pg_program("pg_dump", admin_url), pg_program("pg_restore", admin_url)

    def serve(url: str, blob_dir: Path) -> ServerProcess:
        return ServerProcess(
            tmp_path / "server", port, command=[SERVER_SCRIPT],
            args=["--database-url", url, "--blob-dir", str(blob_dir), "--log-format", "text"],
        ).start(timeout=60)  # fmt: skip

    backup = tmp_path / "sicherung"
    blobs, saved_blobs, dump = tmp_path / "blobs", backup / "blobs", backup / "kommune-desk.dump"
    server, server_db = serve(live_url, blobs), PostgresServerDatabase(live_url)
    try:
        nauheim = add_town(server_db, "06433009", "Nauheim", "NAU")
        ws = enrol_workstation(server_db, server.url, nauheim, tmp_path / "ws", "anna")
        application_id, sha256 = _application_with_scan(ws, tmp_path)
        add_note(ws, application_id, "Vor der Sicherung notiert.")
        sync_until_quiet([ws])
        in_dump = processed(server_db)

        # The backup, while the server runs: the dump first, then the blob folder (files never change).
        backup.mkdir()
        _run(pg_dump, "--format=custom", "--enable-row-security", f"--file={dump}", live_url)
        shutil.copytree(blobs, saved_blobs, ignore=shutil.ignore_patterns("incoming"))

        # Work after the dump, which the server confirms and the restore will lose.
        add_note(ws, application_id, "Nach der Sicherung notiert.")
        set_follow_up(ws, application_id, dt.date(2026, 12, 3), "Gutachten prüfen")
        sync_until_quiet([ws])
        everything = processed(server_db)
        assert len(everything) > len(in_dump)
        old_epoch = state(ws.db, "epoch")
    finally:
        server.stop()
        server_db.close()

    # Into an empty database of the same owner; kommune_desk_app belongs to the cluster and exists.
    _run(
        pg_restore,
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={restored_url}",
        str(dump),
    )
    announced = _run(SERVER_SCRIPT, "--database-url", restored_url, "new-epoch").strip()
    assert announced.startswith("Neue Epoche: ")
    new_epoch = announced.removeprefix("Neue Epoche: ")
    server, restored_db = serve(restored_url, saved_blobs), PostgresServerDatabase(restored_url)
    try:
        assert processed(restored_db) == in_dump
        assert _notes(restored_db, nauheim.municipality_id) == {"Vor der Sicherung notiert."}

        report = sync_once(ws.db)
        assert report.rebuilt and state(ws.db, "epoch") == new_epoch != old_epoch
        assert report.pushed == len(everything) - len(in_dump)  # exactly what the dump lacks
        sync_until_quiet([ws])

        assert_converged(ws.db, restored_db)
        assert {r[0] for r in processed(restored_db)} == {r[0] for r in everything}
        assert _notes(restored_db, nauheim.municipality_id) == {
            "Vor der Sicherung notiert.", "Nach der Sicherung notiert.",
        }  # fmt: skip
        assert rows(ws.db, "SELECT follow_up_on FROM applications WHERE id = ?", application_id) == [
            ("2026-12-03",)
        ]
        assert rows(ws.db, "SELECT count(*) FROM sync_conflicts") == [(0,)]
        # The scan is back from the copied blob folder: a new workstation downloads it.
        second = enrol_workstation(restored_db, server.url, nauheim, tmp_path / "ws2", "bernd")
        sync_until_quiet([second])
        copy = blob_path(second.db.attachments_dir, sha256)
        assert copy.read_bytes() == blob_path(ws.db.attachments_dir, sha256).read_bytes()
        # Row-level security survived the restore: the app role sees only the scopes it names.
        with restored_db.transaction(["municipality:keine"]) as tx:
            assert tx.one("SELECT count(*) FROM entities") == (0,)
    finally:
        server.stop()
        restored_db.close()
