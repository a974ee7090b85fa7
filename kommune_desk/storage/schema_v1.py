"""Migration 1: reference data, applications, attachments, usage events, pool, outbox, audit.

Sync conventions from the start: UUIDv7 text ids, ``municipality_id`` on tenant rows,
``deleted_at`` tombstones, an outbox of intent-level mutations and an append-only audit log.
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE municipalities (
        id TEXT PRIMARY KEY,
        ags TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('gemeinde', 'stadt', 'kreis')),
        street TEXT NOT NULL DEFAULT '',
        postal_code TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        website TEXT NOT NULL DEFAULT '',
        bank_name TEXT NOT NULL DEFAULT '',
        iban TEXT NOT NULL DEFAULT '',
        bic TEXT NOT NULL DEFAULT '',
        logo_sha256 TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    """
    CREATE TABLE offices (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        name TEXT NOT NULL,
        code TEXT NOT NULL UNIQUE,
        street TEXT NOT NULL DEFAULT '',
        postal_code TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        opening_hours TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    """
    CREATE TABLE clerks (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        office_id TEXT NOT NULL REFERENCES offices(id),
        os_login TEXT NOT NULL,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('sachbearbeitung', 'teamleitung', 'administration')),
        email TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT,
        UNIQUE (municipality_id, os_login)
    )
    """,
    """
    CREATE TABLE services (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        leika_id TEXT NOT NULL,
        name TEXT NOT NULL,
        processing_days INTEGER NOT NULL CHECK (processing_days >= 0),
        fee_rule TEXT NOT NULL,
        four_eyes INTEGER NOT NULL CHECK (four_eyes IN (0, 1)),
        legal_basis TEXT NOT NULL DEFAULT '',
        form_fields TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT,
        UNIQUE (municipality_id, leika_id)
    )
    """,
    """
    CREATE TABLE number_ranges (
        office_id TEXT NOT NULL REFERENCES offices(id),
        year INTEGER NOT NULL,
        last_number INTEGER NOT NULL,
        PRIMARY KEY (office_id, year)
    )
    """,
    """
    CREATE TABLE applications (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        office_id TEXT NOT NULL REFERENCES offices(id),
        service_id TEXT REFERENCES services(id),
        aktenzeichen TEXT NOT NULL,
        received_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        applicant_name TEXT NOT NULL,
        applicant_sort TEXT NOT NULL,
        applicant_street TEXT NOT NULL DEFAULT '',
        applicant_postal_code TEXT NOT NULL DEFAULT '',
        applicant_city TEXT NOT NULL DEFAULT '',
        applicant_email TEXT NOT NULL DEFAULT '',
        applicant_phone TEXT NOT NULL DEFAULT '',
        form_data TEXT NOT NULL DEFAULT '{}',
        assignee_id TEXT REFERENCES clerks(id),
        due_date TEXT,
        decision TEXT,
        decided_at TEXT,
        fee_cents INTEGER NOT NULL DEFAULT 0,
        kassenzeichen TEXT,
        payment_status TEXT NOT NULL DEFAULT 'offen',
        payment_method TEXT,
        submission_id TEXT UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT,
        UNIQUE (municipality_id, aktenzeichen)
    )
    """,
    # One partial index per Posteingang sort order, so a sorted list never needs a temp sort.
    "CREATE INDEX applications_received ON applications (municipality_id, received_at)"
    " WHERE deleted_at IS NULL",
    "CREATE INDEX applications_applicant ON applications (municipality_id, applicant_sort)"
    " WHERE deleted_at IS NULL",
    "CREATE INDEX applications_status ON applications (municipality_id, status, due_date)"
    " WHERE deleted_at IS NULL",
    "CREATE INDEX applications_due ON applications (municipality_id, due_date) WHERE deleted_at IS NULL",
    "CREATE INDEX applications_assignee ON applications (assignee_id, status)",
    "CREATE INDEX applications_service ON applications (service_id)",
    """
    CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        application_id TEXT NOT NULL REFERENCES applications(id),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        display_name TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX attachments_application ON attachments (application_id)",
    """
    CREATE TABLE usage_events (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        leika_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        kind TEXT NOT NULL
            CHECK (kind IN ('gestartet', 'schritt', 'abgebrochen', 'abgeschickt', 'bezahlt')),
        step INTEGER,
        payment_method TEXT
    )
    """,
    "CREATE INDEX usage_events_service_time ON usage_events (municipality_id, leika_id, occurred_at)",
    """
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        home_municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        inventory_number TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        category TEXT NOT NULL,
        serial_number TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('verfuegbar', 'wartung', 'ausgemustert')),
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    """
    CREATE TABLE loans (
        id TEXT PRIMARY KEY,
        pool TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices(id),
        borrower_municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        borrower_name TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL CHECK (end_date >= start_date),
        status TEXT NOT NULL
            CHECK (status IN ('reserviert', 'ausgegeben', 'zurueckgegeben', 'storniert')),
        handed_over_at TEXT,
        returned_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX loans_device_period ON loans (device_id, start_date, end_date)",
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        args TEXT NOT NULL,
        created_at TEXT NOT NULL,
        pushed_at TEXT
    )
    """,
    """
    CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        clerk_id TEXT REFERENCES clerks(id),
        municipality_id TEXT REFERENCES municipalities(id),
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        action TEXT NOT NULL,
        changes TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX audit_log_entity ON audit_log (entity, entity_id)",
    # Append-only: the audit trail must not be rewritten, not even by our own code.
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
)
