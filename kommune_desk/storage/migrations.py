"""Numbered, forward-only schema migrations, run at start inside one transaction."""

from __future__ import annotations

import importlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import DatabaseTooNewError
from .transaction import immediate_transaction


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _statements(module: str) -> Callable[[sqlite3.Connection], None]:
    """A migration that runs the STATEMENTS of ``storage/<module>.py`` (read only when needed)."""

    def apply(conn: sqlite3.Connection) -> None:
        for statement in importlib.import_module(f"{__package__}.{module}").STATEMENTS:
            conn.execute(statement)

    return apply


def _function(module: str) -> Callable[[sqlite3.Connection], None]:
    """A migration that runs ``apply(conn)`` of ``storage/<module>.py`` (it needs the live schema)."""

    def apply(conn: sqlite3.Connection) -> None:
        importlib.import_module(f"{__package__}.{module}").apply(conn)

    return apply


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "Grundschema", _statements("schema_v1")),
    Migration(2, "Bearbeitungsstand: Entwurf, Fristpause, Wiedervorlage", _statements("schema_v2")),
    Migration(3, "Volltextsuche", _statements("schema_v3")),
    Migration(4, "Eingang, Notizen, Zahlungen, gespeicherte Ansichten", _statements("schema_v4")),
    Migration(5, "Schreiben und Bescheide, Textbausteine, Rechtsbehelf", _statements("schema_v5")),
    Migration(6, "Synchronisation: Änderungserfassung, Konflikte, Geräte-Pool", _function("schema_v6")),
    Migration(7, "Statistik: Sitzungen und Zählwerte der Online-Dienste", _function("schema_v7")),
    Migration(8, "Geräteverleih: Entleiher, Warteliste, Übergabe, Rückgabe, Wartung", _function("schema_v8")),
    Migration(9, "Formularschemata, Berichtigung von Antragsdaten, Anzeigeverfahren", _function("schema_v9")),
)
LATEST_VERSION = MIGRATIONS[-1].version


def _dangling_references(conn: sqlite3.Connection) -> Counter[tuple[str, str]]:
    """References without their row, per (table, parent). Pulled rows are written with foreign
    keys off, so a file may hold some already; a migration must only not add new ones."""
    return Counter((row[0], row[2]) for row in conn.execute("PRAGMA foreign_key_check"))


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Bring the schema up to the newest version; return the versions applied.

    All pending migrations run in one ``BEGIN IMMEDIATE`` transaction: a failure leaves
    the database exactly as it was. A database from a newer release is refused.
    """
    latest = migrations[-1].version
    current = schema_version(conn)
    if current > latest:
        raise DatabaseTooNewError(
            f"Diese Datenbank stammt von einer neueren KommuneDesk-Version (Schema {current}, "
            f"diese Version kennt bis {latest}). Bitte installieren Sie die aktuelle Version. "
            "Es wurde nichts verändert."
        )
    pending = [m for m in migrations if m.version > current]
    if not pending:
        return []
    # SQLite's procedure for rebuilding a table that others reference: foreign keys off for the
    # transaction (the pragma is a no-op inside one), checked as a whole before the commit.
    enforced = bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with immediate_transaction(conn):
            # Re-read inside the lock: another process may have migrated meanwhile.
            current = schema_version(conn)
            pending = [m for m in migrations if m.version > current]
            before = _dangling_references(conn) if enforced else Counter()
            for migration in pending:
                migration.apply(conn)
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            if enforced and _dangling_references(conn) - before:
                raise sqlite3.IntegrityError("a migration left a reference without its row")
    finally:
        if enforced:
            conn.execute("PRAGMA foreign_keys = ON")
    return [m.version for m in pending]
