"""Backups and restore on real files: verified copies, rotation, nothing ever deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QLockFile

from kommune_desk.storage.backup import BackupError, create_backup, list_backups, restore_backup
from kommune_desk.storage.database import ATTACHMENTS_DIR, DATABASE_FILE, Database


def _count(data_dir: Path, table: str = "applications") -> int:
    db = Database.open(data_dir)
    try:
        return db.reader().execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_backup_is_a_checked_copy_with_its_files(demo_dir: Path, tmp_path: Path) -> None:
    db = Database.open(demo_dir)
    try:
        backup = create_backup(db, tmp_path / "sicherungen", now=dt.datetime(2026, 11, 24, 17, 0))
    finally:
        db.close()
    assert backup.name == "kommune-desk-20261124-170000"
    assert _count(backup) == _count(demo_dir)
    originals = sorted(p.name for p in (demo_dir / ATTACHMENTS_DIR).rglob("*") if p.is_file())
    copies = sorted(p.name for p in (backup / ATTACHMENTS_DIR).rglob("*") if p.is_file())
    assert copies == originals and originals
    assert all(
        hashlib.sha256(p.read_bytes()).hexdigest() == p.name
        for p in (backup / ATTACHMENTS_DIR).rglob("*")
        if p.is_file()
    )


def test_old_backups_are_rotated(demo_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "sicherungen"
    db = Database.open(demo_dir)
    try:
        for day in range(1, 6):
            create_backup(db, root, keep=3, now=dt.datetime(2026, 11, day, 18, 0))
    finally:
        db.close()
    assert [p.name for p in list_backups(root)] == [
        "kommune-desk-20261103-180000",
        "kommune-desk-20261104-180000",
        "kommune-desk-20261105-180000",
    ]


def test_restore_brings_back_the_old_state_and_keeps_the_current_file(demo_dir: Path, tmp_path: Path) -> None:
    db = Database.open(demo_dir)
    try:
        backup = create_backup(db, tmp_path / "sicherungen")
        with db.write() as conn:  # work done after the backup …
            conn.execute("DELETE FROM attachments")
            conn.execute(  # archived letters keep their cases
                "DELETE FROM applications WHERE status = 'abgeschlossen'"
                " AND id NOT IN (SELECT application_id FROM notices)"
            )
    finally:
        db.close()
    before_restore = _count(demo_dir)
    kept = restore_backup(backup, demo_dir)
    assert _count(demo_dir) == _count(backup) > before_restore
    assert kept.exists() and kept.name.startswith("kommune-desk.sqlite3.vor-wiederherstellung-")
    raw = sqlite3.connect(kept)
    assert raw.execute("SELECT count(*) FROM applications").fetchone()[0] == before_restore
    raw.close()


def test_a_damaged_backup_is_refused_and_nothing_changes(demo_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "kommune-desk-20260101-120000"
    broken.mkdir()
    (broken / DATABASE_FILE).write_bytes(b"SQLite format 3\x00" + b"\x00\xff" * 3000)
    digest = hashlib.sha256((demo_dir / DATABASE_FILE).read_bytes()).hexdigest()
    with pytest.raises(BackupError) as caught:
        restore_backup(broken, demo_dir)
    assert "beschädigt" in caught.value.message and "nichts verändert" in caught.value.message
    assert hashlib.sha256((demo_dir / DATABASE_FILE).read_bytes()).hexdigest() == digest
    assert list(demo_dir.glob("*.vor-wiederherstellung-*")) == []


def test_backup_to_an_unwritable_place_is_explained(demo_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "datei-statt-ordner"
    blocker.write_text("kein Ordner")
    db = Database.open(demo_dir)
    try:
        with pytest.raises(BackupError) as caught:
            create_backup(db, blocker / "sicherungen")
    finally:
        db.close()
    assert "Ihre Daten sind unverändert" in caught.value.message


_FULL_DRIVE = """
import resource, signal, sys
from pathlib import Path
from kommune_desk.storage.backup import BackupError, create_backup
from kommune_desk.storage.database import Database

db = Database.open(Path(sys.argv[1]))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails as on a full drive
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))
try:
    create_backup(db, Path(sys.argv[2]))
except BackupError as exc:
    print(exc.message)
"""


def test_a_drive_that_fills_up_midway_leaves_no_half_backup(demo_dir: Path, tmp_path: Path) -> None:
    """SQLite's own write error during the copy (a full or vanished network drive) is a German
    BackupError like any disk error, and no unfinished folder is left behind."""
    target = tmp_path / "sicherungen"
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DRIVE, str(demo_dir), str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nicht vollständig kopieren" in done.stdout and "Ihre Daten sind unverändert" in done.stdout
    assert list(target.iterdir()) == []  # neither a backup nor a ".…unvollständig" folder
    assert _count(demo_dir) > 0  # the database itself is untouched


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_backup_list_and_restore(demo_dir: Path) -> None:
    made = _cli("--data-dir", str(demo_dir), "backup")
    assert made.returncode == 0, made.stderr
    assert "geprüft" in made.stdout
    listed = _cli("--data-dir", str(demo_dir), "backup", "--list")
    backup = listed.stdout.strip().splitlines()[-1]
    assert Path(backup).parent == demo_dir / "sicherungen"
    restored = _cli("--data-dir", str(demo_dir), "restore", backup)
    assert restored.returncode == 0, restored.stderr
    assert "bisherige Datenbank liegt unverändert" in restored.stdout


def test_cli_restore_is_refused_while_kommunedesk_is_open(demo_dir: Path, tmp_path: Path) -> None:
    lock = QLockFile(str(demo_dir / "kommune-desk.lock"))
    assert lock.tryLock(100)
    try:
        result = _cli("--data-dir", str(demo_dir), "restore", str(tmp_path))
    finally:
        lock.unlock()
    assert result.returncode == 1
    assert "schließen Sie das Programm" in result.stderr
    assert "Traceback" not in result.stderr
