"""Migration 3: full-text search over applications (FTS5).

The index keeps its own copy of the searchable text (Aktenzeichen, applicant, address, form
values, Wiedervorlage note); triggers keep it in step with every insert, update and delete, in
the same transaction. ``remove_diacritics 2`` lets "Ozturk" find "Öztürk".
"""

from __future__ import annotations

_FORM_TEXT = "(SELECT group_concat(value, ' ') FROM json_each({row}.form_data))"
_ADDRESS = "{row}.applicant_street || ' ' || {row}.applicant_postal_code || ' ' || {row}.applicant_city"
_VALUES = (
    "{row}.rowid, {row}.aktenzeichen, {row}.applicant_name, "
    + _ADDRESS
    + ", "
    + _FORM_TEXT
    + ", {row}.follow_up_note"
)


def _insert(row: str) -> str:
    return (
        "INSERT INTO applications_fts (rowid, aktenzeichen, applicant, address, form_text, notes)"
        f" SELECT {_VALUES.format(row=row)}"
    )


STATEMENTS: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE applications_fts USING fts5("
    " aktenzeichen, applicant, address, form_text, notes,"
    " tokenize = 'unicode61 remove_diacritics 2')",
    f"{_insert('a')} FROM applications a WHERE a.deleted_at IS NULL",
    f"CREATE TRIGGER applications_fts_insert AFTER INSERT ON applications WHEN new.deleted_at IS NULL"
    f" BEGIN {_insert('new')}; END",
    "CREATE TRIGGER applications_fts_delete AFTER DELETE ON applications"
    " BEGIN DELETE FROM applications_fts WHERE rowid = old.rowid; END",
    "CREATE TRIGGER applications_fts_update AFTER UPDATE OF aktenzeichen, applicant_name, applicant_street,"
    " applicant_postal_code, applicant_city, form_data, follow_up_note, deleted_at ON applications"
    " BEGIN DELETE FROM applications_fts WHERE rowid = old.rowid;"
    f" {_insert('new')} WHERE new.deleted_at IS NULL; END",
)
