"""Backups through SQLite's backup API, verified and rotated; restore that never deletes.

A backup is a folder ``kommune-desk-JJJJMMTT-HHMMSS`` holding a copy of the database and
the content-addressed files it refers to (copied incrementally: same name = same bytes).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

from .connection import connect
from .database import ATTACHMENTS_DIR, DATABASE_FILE, Database
from .errors import StorageError, describe_os_error

BACKUP_PREFIX = "kommune-desk-"
DEFAULT_BACKUP_DIR = "sicherungen"


class BackupError(StorageError):
    title = "Sicherung fehlgeschlagen"


def create_backup(db: Database, target_root: Path, keep: int = 14, now: dt.datetime | None = None) -> Path:
    """Copy the live database (consistent even while clerks work) and its files to a new
    backup folder under ``target_root``, check the copy, then delete all but ``keep`` backups."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    final = target_root / f"{BACKUP_PREFIX}{stamp}"
    partial = target_root / f".{final.name}.unvollständig"
    try:
        target_root.mkdir(parents=True, exist_ok=True)
        if final.exists():
            raise BackupError(f"Die Sicherung {final} gibt es schon. Bitte eine Minute warten.")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        source = db.reader()
        target = sqlite3.connect(partial / DATABASE_FILE)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        _verify(partial / DATABASE_FILE)
        _copy_missing_files(db.attachments_dir, partial / ATTACHMENTS_DIR)
        partial.rename(final)
    except (OSError, sqlite3.Error, BackupError) as exc:
        # Nothing half-made stays behind: a drive gone mid-copy, a copy that fails its check.
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, BackupError):
            raise
        if isinstance(exc, OSError):
            reason = describe_os_error(exc)
        else:  # SQLite's own write or read error
            reason = (
                "die Datenbank ließ sich nicht vollständig kopieren (Laufwerk voll, getrennt oder defekt)"
            )
        raise BackupError(
            f"Die Sicherung nach {target_root} ist fehlgeschlagen: {reason}. Ihre Daten sind unverändert."
        ) from exc
    _rotate(target_root, keep)
    return final


def list_backups(target_root: Path) -> list[Path]:
    """Finished backups, oldest first."""
    if not target_root.exists():
        return []
    return sorted(p for p in target_root.iterdir() if p.is_dir() and p.name.startswith(BACKUP_PREFIX))


def restore_backup(backup: Path, data_dir: Path) -> Path:
    """Replace the database in ``data_dir`` with ``backup`` after checking it.

    The current database is kept beside it (renamed, never deleted); returns its new path.
    The caller makes sure KommuneDesk is not running on ``data_dir``.
    """
    source_file = backup / DATABASE_FILE
    if not source_file.is_file():
        raise BackupError(f"In {backup} liegt keine KommuneDesk-Sicherung ({DATABASE_FILE} fehlt).")
    _verify(source_file)
    current = data_dir / DATABASE_FILE
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = data_dir / f"{DATABASE_FILE}.vor-wiederherstellung-{stamp}"
    if current.exists():
        # Fold the WAL into the file first, so the kept copy is complete on its own.
        conn = connect(current)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        current.rename(kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{current}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    target = sqlite3.connect(current)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    _copy_missing_files(backup / ATTACHMENTS_DIR, data_dir / ATTACHMENTS_DIR)
    return kept


def _verify(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        result = [type(exc).__name__]
    finally:
        conn.close()
    if result != ["ok"]:
        raise BackupError(
            f"Die Sicherungsdatei {path} ist beschädigt ({len(result)} Fehler bei der Prüfung). "
            "Es wurde nichts verändert; bitte nehmen Sie eine ältere Sicherung."
        )


def _copy_missing_files(source: Path, target: Path) -> None:
    if not source.exists():
        return
    for blob in source.rglob("*"):
        if blob.is_file() and not blob.name.startswith("."):
            destination = target / blob.relative_to(source)
            if not destination.exists():
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(blob, destination)


def _rotate(target_root: Path, keep: int) -> None:
    for old in list_backups(target_root)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
