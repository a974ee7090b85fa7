"""Migration 7: statistics of the online services.

- ``usage_events`` (replicated, from the portal through the server) learns the feedback kind
  ``bewertet`` and the optional channel, sign-in and rating; SQLite cannot widen a CHECK, so the
  table is rebuilt (and its capture triggers with it).
- ``usage_imported_events``: events imported from a file on this workstation (never replicated).
- ``usage_sessions``: what is known of each form session; ``usage_counts``: sessions per start
  day, service, channel and mark, kept current whenever events arrive (see storage.usage_stats).
  The dashboard reads only the counts; the raw events may go after the retention period.
- ``kreis_comparison``: the Kreisvergleich the sync server published (storage.comparison).
"""

from __future__ import annotations

import sqlite3

from .schema_v6 import run_uncaptured_then_recapture

_EVENT_COLUMNS = """
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        leika_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN
            ('gestartet', 'schritt', 'abgebrochen', 'abgeschickt', 'bezahlt', 'bewertet')),
        step INTEGER,
        payment_method TEXT,
        channel TEXT,
        authentication TEXT,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5)
"""
_OLD_COLUMNS = "id, municipality_id, leika_id, session_id, occurred_at, kind, step, payment_method"

STATEMENTS: tuple[str, ...] = (
    f"CREATE TABLE usage_events_v7 ({_EVENT_COLUMNS})",
    f"INSERT INTO usage_events_v7 ({_OLD_COLUMNS}) SELECT {_OLD_COLUMNS} FROM usage_events",
    "DROP TABLE usage_events",
    "ALTER TABLE usage_events_v7 RENAME TO usage_events",
    "CREATE INDEX usage_events_service_time ON usage_events (municipality_id, leika_id, occurred_at)",
    # Always the own town's: no foreign key to check a million times per import.
    f"CREATE TABLE usage_imported_events ({_EVENT_COLUMNS.replace(' REFERENCES municipalities(id)', '')})",
    """
    CREATE TABLE usage_sessions (
        municipality_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        leika_id TEXT NOT NULL,
        started_on TEXT,
        highest_step INTEGER NOT NULL DEFAULT 0,
        submitted INTEGER NOT NULL DEFAULT 0,
        payment_method TEXT,
        rating INTEGER,
        rated_at TEXT,
        channel TEXT,
        channel_at TEXT,
        authentication TEXT,
        authentication_at TEXT,
        last_event_at TEXT NOT NULL,
        PRIMARY KEY (municipality_id, session_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX usage_sessions_last_event ON usage_sessions (last_event_at)",
    # When a case's processing ended (notice sent, or closed): from the audit trail where it has
    # one, else the release of the decision (demo databases of earlier releases).
    "ALTER TABLE applications ADD COLUMN completed_at TEXT",
    """
    UPDATE applications SET completed_at = coalesce(
        (SELECT min(at) FROM audit_log WHERE entity = 'application' AND entity_id = applications.id
            AND action IN ('bescheid_versenden', 'abschliessen')),
        decided_at, updated_at)
    WHERE status IN ('bescheid_versandt', 'abgeschlossen')
    """,
    "CREATE INDEX applications_paid ON applications (municipality_id, paid_at)"
    " WHERE paid_at IS NOT NULL AND deleted_at IS NULL",
    "CREATE INDEX applications_completed ON applications (municipality_id, completed_at)"
    " WHERE completed_at IS NOT NULL AND deleted_at IS NULL",
    """
    CREATE TABLE usage_counts (
        municipality_id TEXT NOT NULL,
        day TEXT NOT NULL,
        leika_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        metric TEXT NOT NULL,
        key TEXT NOT NULL,
        sessions INTEGER NOT NULL,
        PRIMARY KEY (municipality_id, day, leika_id, channel, metric, key)
    ) WITHOUT ROWID
    """,
    # The Kreisvergleich as the server published it (rates and days across towns, never counts);
    # replaced as a whole after each sync round (storage.comparison). Local only, not replicated.
    """
    CREATE TABLE kreis_comparison (
        period TEXT NOT NULL,
        leika_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        towns INTEGER NOT NULL,
        median REAL NOT NULL,
        q1 REAL NOT NULL,
        q3 REAL NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (period, leika_id, metric)
    ) WITHOUT ROWID
    """,
)


def apply(conn: sqlite3.Connection) -> None:
    from .usage_stats import absorb_stored_events

    # Capture off: filling completed_at from the local audit log is no change to send (each
    # workstation derives it itself), and migration 6's triggers do not know the new columns.
    run_uncaptured_then_recapture(conn, STATEMENTS, ("usage_events", "applications"))
    absorb_stored_events(conn)  # events of earlier releases are counted once, now
