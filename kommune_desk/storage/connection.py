"""Open SQLite connections with the pragmas every connection must carry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kommune_desk.domain.collation import sort_key

from .errors import DatabaseCorruptError, DatabaseLockedError, StorageError

BUSY_TIMEOUT_MS = 5000

_CORRUPT_HINT = (
    "Die Datenbankdatei {path} ist beschädigt oder keine KommuneDesk-Datenbank. "
    "Sie wurde nicht verändert. Bitte wenden Sie sich an Ihre IT-Betreuung: Sie kann die "
    "letzte Sicherung zurückspielen (kommune-desk-cli restore)."
)
_LOCKED_HINT = (
    "Die Datenbank {path} wird gerade von einem anderen Programm gesperrt. "
    "Schließen Sie andere KommuneDesk-Fenster oder Sicherungsprogramme und versuchen Sie "
    "es erneut. Es wurde nichts verändert."
)


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit) with the house pragmas.

    Raises a German StorageError when the file is not a database or is locked.
    """
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.OperationalError as exc:
        raise StorageError(
            f"Die Datenbank {path} kann nicht geöffnet werden. Prüfen Sie, ob der Ordner "
            "existiert und Sie Schreibrechte haben."
        ) from exc
    try:
        _apply_pragmas(conn, read_only=read_only)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise translate_error(exc, path) from exc
    return conn


def _apply_pragmas(conn: sqlite3.Connection, *, read_only: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageError(
            "Die Datenbank konnte nicht in den sicheren WAL-Modus geschaltet werden "
            f"(Antwort: {mode}). Liegt sie auf einem Netzlaufwerk?"
        )
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")
    # German dictionary order for sorts that no stored key covers (e.g. by service name).
    conn.create_function("german_sort_key", 1, sort_key, deterministic=True)
    if read_only:
        conn.execute("PRAGMA query_only=ON")


def translate_error(exc: sqlite3.DatabaseError, path: Path) -> StorageError:
    """Map an sqlite3 error to the German message a clerk should see."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLockedError(_LOCKED_HINT.format(path=path))
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseCorruptError(_CORRUPT_HINT.format(path=path))
    return StorageError(f"Unerwarteter Datenbankfehler in {path}. Es wurde nichts verändert.")
