"""Storage on real SQLite files: pragmas, migrations, audit, locations, broken files."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from kommune_desk.storage.connection import connect
from kommune_desk.storage.database import DATABASE_FILE, Database, quick_check
from kommune_desk.storage.errors import (
    DatabaseCorruptError,
    DatabaseLockedError,
    DatabaseTooNewError,
    UnsafeLocationError,
)
from kommune_desk.storage.files import blob_path, store_bytes
from kommune_desk.storage.location import location_problem
from kommune_desk.storage.migrations import LATEST_VERSION, MIGRATIONS, Migration, migrate, schema_version

from .conftest import DATA_TABLES, locked_by_another_process


def test_every_connection_carries_the_house_pragmas(db: Database) -> None:
    for conn in (db._writer, db.reader()):
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert db.reader().execute("PRAGMA query_only").fetchone()[0] == 1


def test_new_database_is_migrated_to_the_latest_schema(db: Database) -> None:
    conn = db.reader()
    assert schema_version(conn) == LATEST_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {*DATA_TABLES, "outbox"} <= tables
    assert quick_check(conn) == []


def test_reopening_applies_nothing_twice(data_dir: Path) -> None:
    Database.open(data_dir).close()
    conn = connect(data_dir / DATABASE_FILE)
    assert migrate(conn) == []
    assert schema_version(conn) == LATEST_VERSION


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda m: f"v{m.version}")
def test_each_migration_upgrades_a_database_of_the_previous_release(
    tmp_path: Path, migration: Migration
) -> None:
    """Build the previous schema with a row in every table it has, then upgrade."""
    conn = connect(tmp_path / "old.sqlite3")
    previous = [m for m in MIGRATIONS if m.version < migration.version]
    if previous:
        migrate(conn, previous)
    before = {
        name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    applied = migrate(conn, [*previous, migration])
    assert applied == [migration.version]
    assert schema_version(conn) == migration.version
    for name, count in before.items():
        assert conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == count
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.sqlite3")
    migrate(conn)

    def broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half_done (x)")
        c.execute("THIS IS NOT SQL")

    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, [*MIGRATIONS, Migration(LATEST_VERSION + 1, "kaputt", broken)])
    assert schema_version(conn) == LATEST_VERSION
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0


def test_a_database_from_a_newer_release_is_refused_unchanged(data_dir: Path) -> None:
    Database.open(data_dir).close()
    path = data_dir / DATABASE_FILE
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    raw.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseTooNewError) as caught:
        Database.open(data_dir)
    assert "neueren KommuneDesk-Version" in caught.value.message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_audit_log_is_append_only(db: Database) -> None:
    with db.write() as conn:
        conn.execute(
            "INSERT INTO audit_log (id, at, entity, entity_id, action) VALUES ('a', 't', 'x', 'y', 'z')"
        )
    for statement in ("UPDATE audit_log SET action = 'anders'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"), db.write() as conn:
            conn.execute(statement)
    assert db.reader().execute("SELECT action FROM audit_log").fetchall() == [("z",)]


def test_write_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')")
        raise RuntimeError("mitten drin")
    assert db.reader().execute("SELECT count(*) FROM settings").fetchone()[0] == 0


def test_corrupt_file_gives_a_german_message_and_stays_untouched(data_dir: Path) -> None:
    data_dir.mkdir()
    path = data_dir / DATABASE_FILE
    path.write_bytes(b"Dies ist keine Datenbank, sondern ein kaputter Rest. " * 200)
    before = path.read_bytes()
    with pytest.raises(DatabaseCorruptError) as caught:
        Database.open(data_dir)
    assert "beschädigt" in caught.value.message
    assert "Sicherung" in caught.value.message
    assert path.read_bytes() == before


@pytest.mark.slow
def test_database_locked_by_another_process_gives_a_german_message(data_dir: Path) -> None:
    Database.open(data_dir).close()
    with locked_by_another_process(data_dir / DATABASE_FILE):
        started = time.monotonic()
        with pytest.raises(DatabaseLockedError) as caught:
            Database.open(data_dir)
        assert time.monotonic() - started < 15
        assert "anderen Programm" in caught.value.message


MOUNTS = """\
/dev/vda1 / ext4 rw 0 0
//nas/rathaus /mnt/rathaus cifs rw 0 0
server:/export /srv/nfs nfs4 rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("\\\\nas\\rathaus\\kommune", "Netzwerkfreigabe"),
        ("//nas/rathaus/kommune", "Netzwerkfreigabe"),
        ("/home/anna/OneDrive - Stadt/KommuneDesk", "OneDrive"),
        ("/mnt/rathaus/kommune", "Netzlaufwerk (cifs)"),
        ("/srv/nfs/daten", "Netzlaufwerk (nfs4)"),
    ],
)
def test_unsafe_locations_are_refused(path: str, fragment: str) -> None:
    problem = location_problem(Path(path), MOUNTS)
    assert problem is not None and fragment in problem


def test_local_disk_is_fine(tmp_path: Path) -> None:
    assert location_problem(tmp_path / "daten", MOUNTS) is None


def test_database_on_a_share_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    target = tmp_path / "OneDrive" / "KommuneDesk"
    with pytest.raises(UnsafeLocationError):
        Database.open(target)
    assert not target.exists()


def test_content_addressed_store_ignores_names_and_deduplicates(tmp_path: Path) -> None:
    first = store_bytes(tmp_path, b"Lageplan")
    second = store_bytes(tmp_path, b"Lageplan")
    assert first == second == hashlib.sha256(b"Lageplan").hexdigest()
    assert blob_path(tmp_path, first).read_bytes() == b"Lageplan"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first]


def test_integrity_check_finds_a_damaged_page_and_can_be_stopped(demo_dir: Path) -> None:
    from kommune_desk.services.maintenance import IntegrityCheck

    db = Database.open(demo_dir)
    assert IntegrityCheck(db).run() == []
    stopped = IntegrityCheck(db)
    stopped.interrupt()
    assert stopped.run() is None
    db.close()
    path = demo_dir / DATABASE_FILE
    raw = sqlite3.connect(path)
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    pages = path.stat().st_size // page_size
    with path.open("r+b") as handle:  # a failing disk: data page headers late in the file
        for page in range(pages * 3 // 4, pages * 3 // 4 + 4):
            handle.seek(page_size * page)
            handle.write(b"\xde\xad\xbe\xef" * 4)
    damaged = Database.open(demo_dir)
    try:
        problems = IntegrityCheck(damaged).run()
        assert problems, "quick_check must notice the damaged page"
    finally:
        damaged.close()


def test_a_file_instead_of_a_folder_is_explained_in_german(tmp_path: Path) -> None:
    from kommune_desk.storage.errors import StorageError

    blocker = tmp_path / "daten"
    blocker.write_text("keine Datenbank")
    with pytest.raises(StorageError, match="ist eine Datei, kein Ordner"):
        Database.open(blocker)
    with pytest.raises(StorageError, match="ein Teil des Pfads ist eine Datei") as caught:
        Database.open(blocker / "unterordner")
    assert "Directory" not in caught.value.message  # no English OS text
    assert blocker.read_text() == "keine Datenbank"


def test_data_dir_is_always_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kommune_desk.locations import resolve_data_dir

    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("demo-data") == tmp_path / "demo-data"
    monkeypatch.setenv("KOMMUNE_DESK_DATA_DIR", "aus-umgebung")
    assert resolve_data_dir(None) == tmp_path / "aus-umgebung"


RELEASE_FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("fixture", sorted(RELEASE_FIXTURES.glob("release-*.sqlite3")), ids=lambda p: p.stem)
def test_a_database_of_an_earlier_release_upgrades_with_all_its_data(fixture: Path, tmp_path: Path) -> None:
    """Databases written by released versions (kept in tests/fixtures) open in this one."""
    import shutil

    data_dir = tmp_path / "alt"
    data_dir.mkdir()
    shutil.copy(fixture, data_dir / DATABASE_FILE)
    before = sqlite3.connect(fixture)
    existing = {r[0] for r in before.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = [t for t in DATA_TABLES if t in existing]  # tables of later releases start empty
    counts = {t: before.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    old_version = before.execute("PRAGMA user_version").fetchone()[0]
    before.close()
    assert old_version < LATEST_VERSION
    db = Database.open(data_dir)
    try:
        conn = db.reader()
        assert schema_version(conn) == LATEST_VERSION
        assert {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == counts
        assert quick_check(conn) == []
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()
