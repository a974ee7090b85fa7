"""Migration 4: what intake, the case file and the Posteingang views need.

- Notes on a case (``application_notes``), searchable: the FTS ``notes`` column now holds the
  Wiedervorlage note and every note; the triggers are rebuilt for that.
- Intake details: the reason a case waits in Klärung, the portal's reference and reply address,
  and for attachments their purpose (Formular, Anlage, Fachdaten …) and FIT-Connect id.
- Payment: amount paid, when, and the payment provider's transaction id.
- Saved views of the Posteingang, per clerk.
- Indexes for the views (Neu, Meine, Wiedervorlage, Frist) so a view switch stays fast.
"""

from __future__ import annotations

_FORM_TEXT = "(SELECT group_concat(value, ' ') FROM json_each({row}.form_data))"
_ADDRESS = "{row}.applicant_street || ' ' || {row}.applicant_postal_code || ' ' || {row}.applicant_city"
_NOTES = (
    "{row}.follow_up_note || ' ' || coalesce((SELECT group_concat(n.body, ' ') FROM application_notes n"
    " WHERE n.application_id = {row}.id AND n.deleted_at IS NULL), '')"
)
_VALUES = (
    "{row}.rowid, {row}.aktenzeichen, {row}.applicant_name, " + _ADDRESS + ", " + _FORM_TEXT + ", " + _NOTES
)


def _insert(row: str) -> str:
    return (
        "INSERT INTO applications_fts (rowid, aktenzeichen, applicant, address, form_text, notes)"
        f" SELECT {_VALUES.format(row=row)}"
    )


def _reindex(application_id: str) -> str:
    """Statements that rewrite one application's search entry (after a note changed)."""
    return (
        "DELETE FROM applications_fts WHERE rowid ="
        f" (SELECT rowid FROM applications WHERE id = {application_id});"
        f" {_insert('a')} FROM applications a WHERE a.id = {application_id} AND a.deleted_at IS NULL;"
    )


STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE application_notes (
        id TEXT PRIMARY KEY,
        municipality_id TEXT NOT NULL REFERENCES municipalities(id),
        application_id TEXT NOT NULL REFERENCES applications(id),
        clerk_id TEXT REFERENCES clerks(id),
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        deleted_at TEXT
    )
    """,
    "CREATE INDEX application_notes_application ON application_notes (application_id, created_at)",
    "ALTER TABLE applications ADD COLUMN clarification_reason TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE applications ADD COLUMN sender_reference TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE applications ADD COLUMN reply_email TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE applications ADD COLUMN paid_cents INTEGER",
    "ALTER TABLE applications ADD COLUMN paid_at TEXT",
    "ALTER TABLE applications ADD COLUMN payment_transaction TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE attachments ADD COLUMN purpose TEXT NOT NULL DEFAULT 'attachment'",
    "ALTER TABLE attachments ADD COLUMN fit_attachment_id TEXT",
    "ALTER TABLE attachments ADD COLUMN description TEXT NOT NULL DEFAULT ''",
    """
    CREATE TABLE saved_views (
        id TEXT PRIMARY KEY,
        clerk_id TEXT NOT NULL REFERENCES clerks(id),
        name TEXT NOT NULL,
        definition TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (clerk_id, name)
    )
    """,
    "DROP INDEX applications_assignee",
    "CREATE INDEX applications_assignee ON applications (municipality_id, assignee_id, received_at)"
    " WHERE deleted_at IS NULL",
    # Search entries now include notes: rebuild them and the triggers that keep them in step.
    "DROP TRIGGER applications_fts_insert",
    "DROP TRIGGER applications_fts_update",
    "DELETE FROM applications_fts",
    f"{_insert('a')} FROM applications a WHERE a.deleted_at IS NULL",
    f"CREATE TRIGGER applications_fts_insert AFTER INSERT ON applications WHEN new.deleted_at IS NULL"
    f" BEGIN {_insert('new')}; END",
    "CREATE TRIGGER applications_fts_update AFTER UPDATE OF aktenzeichen, applicant_name, applicant_street,"
    " applicant_postal_code, applicant_city, form_data, follow_up_note, deleted_at ON applications"
    " BEGIN DELETE FROM applications_fts WHERE rowid = old.rowid;"
    f" {_insert('new')} WHERE new.deleted_at IS NULL; END",
    f"CREATE TRIGGER application_notes_fts_insert AFTER INSERT ON application_notes"
    f" BEGIN {_reindex('new.application_id')} END",
    f"CREATE TRIGGER application_notes_fts_update AFTER UPDATE OF body, deleted_at ON application_notes"
    f" BEGIN {_reindex('new.application_id')} END",
)
