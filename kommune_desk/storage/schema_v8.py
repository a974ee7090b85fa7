"""Migration 8: the Geräteverleih as a whole job.

Shared pool scope (no personal data, replicated to every partner):
- ``devices`` learns make, model, home location (Heimatstandort: where it is kept between
  loans, not always its owner's Rathaus), current location, accessories, condition, replacement value,
  a loan policy of its own and the status ``vermisst``; SQLite cannot widen a CHECK, so the
  table is rebuilt (foreign keys are checked as a whole by the migration runner).
- ``device_types``: the loan policy per type (loan days, renewals, deposit, pickup window).
- ``loans`` learns renewals, who handed over and took back, condition, checklists, damage and
  the Teamleitung's override note.
- ``device_maintenance`` and ``device_transfers``: the maintenance log and the moves between
  towns.
- ``waitlist``: who waits for which type and period (the town, never the person), and the
  device offered with its pickup window.

The lending town's own scope (personal data stays there):
- ``borrowers`` with minimal data, the privacy notice, a block with its reason and the day
  until which their data may be kept (``retain_until``; retention anonymises after it).
- ``loan_borrowers`` learns the borrower, ID seen, briefing and the deposit.
- ``waitlist_borrowers`` (who waits) and ``loan_reminders`` (every reminder sent).

Local only: ``retention_log`` (what retention removed, counts and dates, no personal data).
"""

from __future__ import annotations

import sqlite3

from .schema_v6 import run_uncaptured_then_recapture

_DEVICE_COLUMNS = """
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        home_municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        inventory_number TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        category TEXT NOT NULL,
        make TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        serial_number TEXT NOT NULL DEFAULT '',
        base_municipality_id TEXT,
        location_municipality_id TEXT,
        accessories TEXT NOT NULL DEFAULT '[]',
        condition TEXT NOT NULL DEFAULT '',
        replacement_value_cents INTEGER NOT NULL DEFAULT 0,
        loan_days INTEGER,
        max_renewals INTEGER,
        deposit_cents INTEGER,
        pickup_days INTEGER,
        status TEXT NOT NULL CHECK (status IN ('verfuegbar', 'wartung', 'vermisst', 'ausgemustert')),
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
"""
_OLD_DEVICE = (
    "id, pool, home_municipality_id, inventory_number, name, category, serial_number, status, notes,"
    " created_at, updated_at, deleted_at"
)

STATEMENTS: tuple[str, ...] = (
    f"CREATE TABLE devices_v8 ({_DEVICE_COLUMNS})",
    f"INSERT INTO devices_v8 ({_OLD_DEVICE}, base_municipality_id, location_municipality_id)"
    f" SELECT {_OLD_DEVICE}, home_municipality_id, home_municipality_id FROM devices",
    "DROP TABLE devices",
    "ALTER TABLE devices_v8 RENAME TO devices",
    "CREATE INDEX devices_category ON devices (category, inventory_number)",
    """
    CREATE TABLE device_types (
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        municipality_id TEXT NOT NULL,
        name TEXT NOT NULL,
        loan_days INTEGER NOT NULL,
        max_renewals INTEGER NOT NULL,
        deposit_cents INTEGER NOT NULL,
        pickup_days INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX device_types_name ON device_types (name)",
    "ALTER TABLE loans ADD COLUMN renewals INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE loans ADD COLUMN handed_over_by TEXT",
    "ALTER TABLE loans ADD COLUMN returned_to TEXT",
    "ALTER TABLE loans ADD COLUMN checklist_out TEXT",
    "ALTER TABLE loans ADD COLUMN checklist_in TEXT",
    "ALTER TABLE loans ADD COLUMN condition_out TEXT",
    "ALTER TABLE loans ADD COLUMN condition_in TEXT",
    "ALTER TABLE loans ADD COLUMN damage TEXT",
    "ALTER TABLE loans ADD COLUMN override_note TEXT",
    "CREATE INDEX loans_status_end ON loans (status, end_date)",
    """
    CREATE TABLE device_maintenance (
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices(id),
        municipality_id TEXT NOT NULL,
        done_on TEXT NOT NULL,
        what TEXT NOT NULL,
        cost_cents INTEGER NOT NULL DEFAULT 0,
        next_due TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX device_maintenance_device ON device_maintenance (device_id, done_on)",
    """
    CREATE TABLE device_transfers (
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices(id),
        municipality_id TEXT NOT NULL,
        from_municipality_id TEXT,
        to_municipality_id TEXT NOT NULL,
        moved_on TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX device_transfers_device ON device_transfers (device_id, moved_on)",
    """
    CREATE TABLE waitlist (
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        municipality_id TEXT NOT NULL,
        category TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL CHECK (end_date >= start_date),
        status TEXT NOT NULL
            CHECK (status IN ('wartend', 'angeboten', 'erledigt', 'abgelaufen', 'storniert')),
        offered_device_id TEXT,
        offered_on TEXT,
        offer_until TEXT,
        passed_over TEXT NOT NULL DEFAULT '[]',
        loan_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX waitlist_open ON waitlist (category, created_at) WHERE status IN ('wartend', 'angeboten')",
    """
    CREATE TABLE borrowers (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('buerger', 'verein', 'personal')),
        name TEXT NOT NULL,
        street TEXT NOT NULL DEFAULT '',
        postal_code TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        privacy_ack_on TEXT,
        blocked_reason TEXT,
        retain_until TEXT,
        anonymised_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX borrowers_name ON borrowers (municipality_id, name COLLATE NOCASE)",
    "CREATE INDEX borrowers_retention ON borrowers (retain_until) WHERE anonymised_at IS NULL",
    "ALTER TABLE loan_borrowers ADD COLUMN borrower_id TEXT",
    "ALTER TABLE loan_borrowers ADD COLUMN id_seen INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE loan_borrowers ADD COLUMN briefing_given INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE loan_borrowers ADD COLUMN deposit_cents INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE loan_borrowers ADD COLUMN deposit_method TEXT",
    "ALTER TABLE loan_borrowers ADD COLUMN deposit_returned_cents INTEGER",
    "ALTER TABLE loan_borrowers ADD COLUMN deposit_note TEXT",
    "CREATE INDEX loan_borrowers_borrower ON loan_borrowers (borrower_id)",
    """
    CREATE TABLE waitlist_borrowers (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        borrower_id TEXT,
        name TEXT NOT NULL,
        contact TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    """
    CREATE TABLE loan_reminders (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        loan_id TEXT NOT NULL,
        level INTEGER NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('brief', 'email')),
        sent_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX loan_reminders_loan ON loan_reminders (loan_id, level)",
    """
    CREATE TABLE retention_log (
        id INTEGER PRIMARY KEY,
        run_at TEXT NOT NULL,
        cutoff TEXT NOT NULL,
        borrowers INTEGER NOT NULL,
        loan_records INTEGER NOT NULL,
        waitlist_records INTEGER NOT NULL,
        dry_run INTEGER NOT NULL DEFAULT 0
    )
    """,
    "ALTER TABLE clerks ADD COLUMN pool_manager INTEGER NOT NULL DEFAULT 0",
    # Borrowers of earlier releases were names on loans: each becomes a borrower record once.
    """
    INSERT INTO borrowers (id, municipality_id, kind, name, created_at, updated_at)
    SELECT lb.id, lb.municipality_id, 'buerger', lb.name, lb.created_at, lb.updated_at
    FROM loan_borrowers lb WHERE lb.deleted_at IS NULL
    """,
    "UPDATE loan_borrowers SET borrower_id = id WHERE deleted_at IS NULL",
)

_RECAPTURED = (
    "devices", "loans", "loan_borrowers", "clerks", "device_types", "device_maintenance",
    "device_transfers", "waitlist", "borrowers", "waitlist_borrowers", "loan_reminders",
)  # fmt: skip


def apply(conn: sqlite3.Connection) -> None:
    run_uncaptured_then_recapture(conn, STATEMENTS, _RECAPTURED)
