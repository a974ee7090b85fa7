"""The case file (Akte) of one application: its row, attachments, notes and audit history."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def application_row(
    conn: sqlite3.Connection, application_id: str, municipality_id: str
) -> dict[str, Any] | None:
    """All columns of one live application of ``municipality_id`` (None for another tenant's id)."""
    cursor = conn.execute(
        "SELECT * FROM applications WHERE id = ? AND municipality_id = ? AND deleted_at IS NULL",
        (application_id, municipality_id),
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip((d[0] for d in cursor.description), row, strict=True))


def attachments(conn: sqlite3.Connection, application_id: str) -> list[dict[str, Any]]:
    cursor = conn.execute(
        "SELECT id, sha256, display_name, media_type, size_bytes, purpose, description, created_at"
        " FROM attachments WHERE application_id = ? AND deleted_at IS NULL ORDER BY created_at, rowid",
        (application_id,),
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def attachment(conn: sqlite3.Connection, attachment_id: str, municipality_id: str) -> dict[str, Any] | None:
    cursor = conn.execute(
        "SELECT id, sha256, display_name, media_type, size_bytes FROM attachments"
        " WHERE id = ? AND municipality_id = ? AND deleted_at IS NULL",
        (attachment_id, municipality_id),
    )
    row = cursor.fetchone()
    return None if row is None else dict(zip((d[0] for d in cursor.description), row, strict=True))


def insert_attachment(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO attachments (id, municipality_id, application_id, sha256, display_name, media_type,"
        " size_bytes, created_at, purpose, fit_attachment_id, description)"
        " VALUES (:id, :municipality_id, :application_id, :sha256, :display_name, :media_type,"
        " :size_bytes, :created_at, :purpose, :fit_attachment_id, :description)",
        {"purpose": "attachment", "fit_attachment_id": None, "description": "", **row},
    )


def notes(conn: sqlite3.Connection, application_id: str) -> list[tuple[str, str | None, str]]:
    """(created_at, clerk_id, body), oldest first."""
    return conn.execute(
        "SELECT created_at, clerk_id, body FROM application_notes"
        " WHERE application_id = ? AND deleted_at IS NULL ORDER BY created_at, rowid",
        (application_id,),
    ).fetchall()


def insert_note(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO application_notes (id, municipality_id, application_id, clerk_id, body, created_at)"
        " VALUES (:id, :municipality_id, :application_id, :clerk_id, :body, :created_at)",
        row,
    )


def history(
    conn: sqlite3.Connection, application_id: str
) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """(at, clerk_id, action, changes) of every audit entry of the application, oldest first."""
    return [
        (at, clerk_id, action, json.loads(changes))
        for at, clerk_id, action, changes in conn.execute(
            "SELECT at, clerk_id, action, changes FROM audit_log"
            " WHERE entity = 'application' AND entity_id = ? ORDER BY at, rowid",
            (application_id,),
        )
    ]


def display_names(conn: sqlite3.Connection, municipality_id: str) -> dict[str, str]:
    """Clerk and service ids of a municipality → their names (for history lines)."""
    return dict(
        conn.execute(
            "SELECT id, display_name FROM clerks WHERE municipality_id = ?"
            " UNION ALL SELECT id, name FROM services WHERE municipality_id = ?",
            (municipality_id, municipality_id),
        ).fetchall()
    )


def find_by_submission(conn: sqlite3.Connection, submission_key: str) -> str | None:
    """The Aktenzeichen of the application imported from a submission, if any."""
    row = conn.execute(
        "SELECT aktenzeichen FROM applications WHERE submission_id = ?", (submission_key,)
    ).fetchone()
    return None if row is None else str(row[0])
