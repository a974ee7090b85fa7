"""The server's tables, for SQLite and PostgreSQL, created (idempotently) at start.

- ``entities``: the latest state of every replicated row, with its scope and the scope version
  of its last change (tombstones stay, so a pull never misses a delete).
- ``scopes``: one version counter per scope; ``floor`` is the oldest cursor still served.
- ``processed_mutations``: each client's mutations by sequence number with the stored outcome.
- ``pool_devices`` / ``pool_bookings``: the pool's rules as relations, so PostgreSQL can make a
  double booking impossible with an exclusion constraint.
- ``comparison_cache``: the last Kreisvergleich payload and when it was computed (server.statistics).
"""

from __future__ import annotations

from .db import APP_ROLE, Tx

# Raised with every change to the tables below; /readyz answers only when the database has it.
SCHEMA_VERSION = 2

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    scope TEXT PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0, floor BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, id TEXT NOT NULL, scope TEXT NOT NULL, data TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE, version BIGINT NOT NULL, PRIMARY KEY (kind, id));
CREATE INDEX IF NOT EXISTS entities_scope_version ON entities (scope, version);
CREATE TABLE IF NOT EXISTS municipalities (
    id TEXT PRIMARY KEY, ags TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offices (
    id TEXT PRIMARY KEY, municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL, code TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code_hash TEXT PRIMARY KEY, office_id TEXT NOT NULL REFERENCES offices(id),
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY, office_id TEXT NOT NULL REFERENCES offices(id),
    municipality_id TEXT NOT NULL REFERENCES municipalities(id), name TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT, last_seen_at TEXT, last_seq BIGINT NOT NULL DEFAULT 0,
    replaced_by TEXT, workstation INTEGER NOT NULL DEFAULT 1,
    refresh_generation BIGINT NOT NULL DEFAULT 0, refresh_hash TEXT, refresh_expires_at TEXT,
    access_not_before BIGINT NOT NULL DEFAULT 0, refresh_previous_hash TEXT, refresh_request_id TEXT,
    refresh_used BOOLEAN NOT NULL DEFAULT FALSE, access_grant TEXT);
CREATE TABLE IF NOT EXISTS portal_credentials (
    id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id), created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS processed_mutations (
    mutation_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, seq BIGINT NOT NULL, name TEXT NOT NULL,
    outcome TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', processed_at TEXT NOT NULL,
    UNIQUE (client_id, seq));
CREATE TABLE IF NOT EXISTS pool_devices (
    id TEXT PRIMARY KEY, inventory_number TEXT NOT NULL UNIQUE, home_municipality_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pool_bookings (
    loan_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, start_date {date} NOT NULL, end_date {date} NOT NULL,
    municipality_id TEXT NOT NULL, blocking BOOLEAN NOT NULL);
CREATE INDEX IF NOT EXISTS pool_bookings_device ON pool_bookings (device_id, start_date);
CREATE TABLE IF NOT EXISTS submission_claims (
    municipality_id TEXT NOT NULL, submission_id TEXT NOT NULL, application_id TEXT NOT NULL,
    PRIMARY KEY (municipality_id, submission_id));
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT NOT NULL, scope TEXT NOT NULL, size BIGINT NOT NULL, data {blob} NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (scope, sha256));
CREATE TABLE IF NOT EXISTS comparison_cache (
    name TEXT PRIMARY KEY, computed_at TEXT NOT NULL, payload TEXT NOT NULL);
"""

# Tables a tenant transaction reads and writes, each guarded by its scope column.
_SCOPED_TABLES = {"entities": "scope", "blobs": "scope", "scopes": "scope"}
# Columns added after the first release, for servers whose tables already exist.
_ADDED_COLUMNS = (
    ("clients", "refresh_previous_hash", "TEXT"),
    ("clients", "refresh_request_id", "TEXT"),
    ("clients", "refresh_used", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("clients", "access_grant", "TEXT"),
    # What a workstation reported at the start of its last sync round (admin status, metrics).
    ("clients", "outbox_pending", "INTEGER"),
    ("clients", "outbox_oldest_at", "TEXT"),
    # The file's bytes are in the blob folder, not in ``data`` (which is then empty).
    ("blobs", "in_file", "BOOLEAN NOT NULL DEFAULT FALSE"),
)

_APP_TABLES = ("processed_mutations", "pool_devices", "pool_bookings", "submission_claims", "clients", "meta")

_POSTGRES_EXTRA = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """DO $$ BEGIN
        ALTER TABLE pool_bookings ADD CONSTRAINT pool_bookings_no_overlap EXCLUDE USING gist
            (device_id WITH =, daterange(start_date, end_date, '[]') WITH &&) WHERE (blocking);
    EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL; END $$""",
    f"""DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object THEN NULL; END $$""",
    f"GRANT {APP_ROLE} TO CURRENT_USER",
)


def create_schema(tx: Tx) -> None:
    """Create what is missing; safe on every start."""
    postgres = tx.dialect == "postgresql"
    ddl = _TABLES.format(date="DATE" if postgres else "TEXT", blob="BYTEA" if postgres else "BLOB")
    for statement in filter(str.strip, ddl.split(";")):
        tx.execute(statement)
    for table, column, declaration in _ADDED_COLUMNS:
        if column not in _columns(tx, table):
            tx.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    if postgres:
        for statement in _POSTGRES_EXTRA:
            tx.execute(statement)
        _row_level_security(tx)
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        # An older server started on a newer database must not hide that: /readyz stays false.
        " WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
        (str(SCHEMA_VERSION),),
    )


def is_current(tx: Tx) -> bool:
    """Whether the database has exactly this server's schema (created or upgraded by it)."""
    row = tx.one("SELECT value FROM meta WHERE key = 'schema_version'")
    return row is not None and row[0] == str(SCHEMA_VERSION)


def _columns(tx: Tx, table: str) -> set[str]:
    if tx.dialect == "postgresql":
        found = tx.all(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
        return {row[0] for row in found}
    return {row[1] for row in tx.all(f"PRAGMA table_info({table})")}


def _row_level_security(tx: Tx) -> None:
    """Enable and force RLS: the app role sees only rows of the scopes its transaction names."""
    for table, column in _SCOPED_TABLES.items():
        tx.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        tx.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        tx.execute(f"DROP POLICY IF EXISTS {table}_by_scope ON {table}")
        tx.execute(
            f"CREATE POLICY {table}_by_scope ON {table} TO {APP_ROLE} USING"
            f" ({column} = ANY (string_to_array(current_setting('kommune.scopes', true), ',')))"
        )
        tx.execute(f"DROP POLICY IF EXISTS {table}_owner ON {table}")
        # The owner (admin CLI, authentication, intake) works without a tenant.
        tx.execute(f"CREATE POLICY {table}_owner ON {table} TO CURRENT_USER USING (true)")
        tx.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")
    for table in _APP_TABLES:
        tx.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")
