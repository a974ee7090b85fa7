"""Migration 5: letters and notices (Bescheide).

- ``letter_templates``: text blocks per municipality, optionally per service, kind and block;
  every save is a new version (rows are never updated).
- ``notices``: every archived letter of a case, its PDF in the content store by SHA-256, the
  template versions it was made from, its status and the legal dates once it is posted. The
  content columns are immutable (trigger); a correction is a new row with ``replaces_id``.
- ``services.remedy``: Widerspruch (the Hessian default) or Klage against the service's notices.
- ``municipalities.bekanntgabe_tage``: the day after posting a letter counts as notified (3 or 4).
"""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE letter_templates (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        service_id TEXT REFERENCES services(id),
        kind TEXT NOT NULL,
        block TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT REFERENCES clerks(id)
    )
    """,
    "CREATE UNIQUE INDEX letter_templates_key ON letter_templates"
    " (municipality_id, coalesce(service_id, ''), kind, block, version)",
    """
    CREATE TRIGGER letter_templates_no_update BEFORE UPDATE ON letter_templates
    BEGIN SELECT RAISE(ABORT, 'letter_templates are versioned, never updated'); END
    """,
    """
    CREATE TABLE notices (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        application_id TEXT NOT NULL REFERENCES applications(id),
        kind TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        status TEXT NOT NULL CHECK (status IN ('entwurf', 'freigegeben', 'versandt', 'storniert')),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size_bytes INTEGER NOT NULL,
        template_versions TEXT NOT NULL DEFAULT '[]',
        details TEXT NOT NULL DEFAULT '{}',
        letter_date TEXT NOT NULL,
        remedy TEXT CHECK (remedy IN ('widerspruch', 'klage')),
        fee_due_on TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT REFERENCES clerks(id),
        released_at TEXT,
        released_by TEXT REFERENCES clerks(id),
        posted_on TEXT,
        bekanntgabe_on TEXT,
        remedy_deadline TEXT,
        cancelled_at TEXT,
        cancelled_by TEXT REFERENCES clerks(id),
        cancel_reason TEXT NOT NULL DEFAULT '',
        replaces_id TEXT REFERENCES notices(id),
        updated_at TEXT NOT NULL,
        UNIQUE (application_id, kind, version)
    )
    """,
    "CREATE INDEX notices_application ON notices (application_id, created_at)",
    "CREATE INDEX notices_ready ON notices (municipality_id, status, released_at)",
    # At most one live decision or fee notice per case and kind; a second one is a correction.
    "CREATE UNIQUE INDEX notices_single_live ON notices (application_id, kind)"
    " WHERE status != 'storniert' AND kind IN ('bewilligung', 'ablehnung', 'gebuehrenbescheid')",
    # An archived notice is what was printed: its content columns never change, it is never deleted.
    """
    CREATE TRIGGER notices_content_immutable BEFORE UPDATE OF id, municipality_id, application_id,
        kind, version, sha256, size_bytes, template_versions, details, letter_date, remedy, fee_due_on,
        created_at, created_by, replaces_id ON notices
    BEGIN SELECT RAISE(ABORT, 'an archived notice is immutable'); END
    """,
    """
    CREATE TRIGGER notices_no_delete BEFORE DELETE ON notices
    BEGIN SELECT RAISE(ABORT, 'an archived notice is never deleted'); END
    """,
    "ALTER TABLE services ADD COLUMN remedy TEXT NOT NULL DEFAULT 'widerspruch'"
    " CHECK (remedy IN ('widerspruch', 'klage'))",
    "ALTER TABLE municipalities ADD COLUMN bekanntgabe_tage INTEGER NOT NULL DEFAULT 4"
    " CHECK (bekanntgabe_tage IN (3, 4))",
)
