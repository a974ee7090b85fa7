"""Migration 6: sync.

- Change capture: triggers on every replicated table write each row change (before/after as
  JSON) into ``sync_capture``; the transaction's outbox mutation takes them as its *effects*.
  Rows written by the sync itself (pulled changes) are not captured (``sync_capture_off``).
- The outbox keeps each mutation's effects and, once the server answered, its outcome.
- Pull cursors per scope; which files went up and which are still to fetch; the Konflikte
  inbox; the pool's member towns; portal submissions waiting to be imported.
- The borrower of a loan is personal data of the lending town: it moves out of ``loans`` (the
  shared pool scope) into ``loan_borrowers`` (the town's own scope).
"""

from __future__ import annotations

import sqlite3

from kommune_desk.domain.replication import CLIENT_CAPTURED

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE sync_capture (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        row_id TEXT NOT NULL,
        before TEXT,
        after TEXT
    )
    """,
    "CREATE TABLE sync_capture_off (active INTEGER NOT NULL)",
    "ALTER TABLE outbox ADD COLUMN effects TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE outbox ADD COLUMN outcome TEXT",
    "ALTER TABLE outbox ADD COLUMN outcome_detail TEXT",
    "CREATE INDEX outbox_pending ON outbox (seq) WHERE pushed_at IS NULL",
    """
    CREATE TABLE sync_cursors (
        scope TEXT PRIMARY KEY,
        version INTEGER NOT NULL CHECK (version >= 0)
    )
    """,
    """
    CREATE TABLE sync_conflicts (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        mutation_id TEXT NOT NULL,
        mutation_name TEXT NOT NULL,
        entity_kind TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        mine TEXT NOT NULL DEFAULT '{}',
        theirs TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        resolved_at TEXT,
        resolved_by TEXT,
        resolution TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX sync_conflicts_open ON sync_conflicts (created_at) WHERE resolved_at IS NULL",
    """
    CREATE TABLE pool_members (
        id TEXT PRIMARY KEY,
        ags TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE portal_submissions (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        imported_at TEXT,
        imported_by TEXT,
        outcome TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE loan_borrowers (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        name TEXT NOT NULL,
        contact TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    # Files (attachments, notice PDFs, portal submissions) travel beside the rows, by SHA-256.
    """
    CREATE TABLE sync_files (
        sha256 TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('hochgeladen', 'fehlt'))
    )
    """,
    "INSERT INTO loan_borrowers (id, municipality_id, name, created_at, updated_at, deleted_at)"
    " SELECT id, borrower_municipality_id, borrower_name, created_at, updated_at, deleted_at FROM loans",
    "ALTER TABLE loans DROP COLUMN borrower_name",
)


def capture_trigger_statements(conn: sqlite3.Connection, table: str) -> list[str]:
    """Drop and re-create the capture triggers of ``table`` for its current columns.

    A later migration that adds a column to a replicated table must call this again.
    """
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]

    def as_json(row: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {row}.{c}" for c in columns) + ")"

    guard = "WHEN NOT EXISTS (SELECT 1 FROM sync_capture_off)"
    insert = "INSERT INTO sync_capture (kind, row_id, before, after) VALUES"
    return [
        f"DROP TRIGGER IF EXISTS capture_{table}_insert",
        f"DROP TRIGGER IF EXISTS capture_{table}_update",
        f"DROP TRIGGER IF EXISTS capture_{table}_delete",
        f"CREATE TRIGGER capture_{table}_insert AFTER INSERT ON {table} {guard}"
        f" BEGIN {insert} ('{table}', new.id, NULL, {as_json('new')}); END",
        f"CREATE TRIGGER capture_{table}_update AFTER UPDATE ON {table} {guard}"
        f" BEGIN {insert} ('{table}', new.id, {as_json('old')}, {as_json('new')}); END",
        f"CREATE TRIGGER capture_{table}_delete AFTER DELETE ON {table} {guard}"
        f" BEGIN {insert} ('{table}', old.id, {as_json('old')}, NULL); END",
    ]


def run_uncaptured_then_recapture(
    conn: sqlite3.Connection, statements: tuple[str, ...], tables: tuple[str, ...]
) -> None:
    """A later migration's statements with change capture off (a migration changes no shared
    data), then fresh capture triggers for ``tables`` whose columns it changed."""
    conn.execute("INSERT INTO sync_capture_off VALUES (1)")
    for statement in statements:
        conn.execute(statement)
    conn.execute("DELETE FROM sync_capture_off")
    for table in tables:
        if table in CLIENT_CAPTURED:
            for statement in capture_trigger_statements(conn, table):
                conn.execute(statement)


def apply(conn: sqlite3.Connection) -> None:
    for statement in STATEMENTS:
        conn.execute(statement)
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # Kinds of later releases get their triggers in the migration that creates their table.
    for table in (t for t in CLIENT_CAPTURED if t in existing):
        for statement in capture_trigger_statements(conn, table):
            conn.execute(statement)
