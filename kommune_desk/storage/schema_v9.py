"""Migration 9: Anträge in the field.

- ``form_schemas``: FIM submission schemas by their URI, imported by any office and shared with
  every office through the sync (scope ``shared``), so all offices label Fachdaten alike. A
  schema's row never changes: a new version of a schema has a new URI.
- ``applications.form_schema_uri``: the schema the submission named, so labels appear as soon
  as the schema arrives (no re-import).
- ``applications.submitted_data``: the applicant and form data as they were received, kept
  when a clerk first corrects them (Art. 16 DSGVO); NULL while nothing was corrected.
- ``services.procedure``: whether the service decides (``genehmigung``: a Bescheid) or
  receives (``anzeige``: a receipt such as § 15 Abs. 1 GewO).
"""

from __future__ import annotations

import sqlite3

from .schema_v6 import run_uncaptured_then_recapture

STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE form_schemas (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL,
        uri TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        sha256 TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX form_schemas_uri ON form_schemas (uri, created_at)",
    "ALTER TABLE applications ADD COLUMN form_schema_uri TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE applications ADD COLUMN submitted_data TEXT",
    "ALTER TABLE services ADD COLUMN procedure TEXT NOT NULL DEFAULT 'genehmigung'"
    " CHECK (procedure IN ('genehmigung', 'anzeige'))",
    # Gewerbean- and -abmeldung are Anzeigen (§ 14 Abs. 1 GewO): the office certifies receipt
    # (§ 15 Abs. 1 GewO) and decides nothing.
    "UPDATE services SET procedure = 'anzeige' WHERE leika_id IN ('99050012104000', '99050012106000')",
    # … within three days (§ 15 Abs. 1 GewO); a town's own period other than the old default stays.
    "UPDATE services SET processing_days = 3"
    " WHERE leika_id IN ('99050012104000', '99050012106000') AND processing_days = 14",
)

_RECAPTURED = ("form_schemas", "applications", "services")


def apply(conn: sqlite3.Connection) -> None:
    run_uncaptured_then_recapture(conn, STATEMENTS, _RECAPTURED)
