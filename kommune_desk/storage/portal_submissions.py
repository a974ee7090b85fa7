"""Portal submissions delivered by the sync, waiting to be taken over as applications."""

from __future__ import annotations

import sqlite3


def waiting(conn: sqlite3.Connection, municipality_id: str) -> list[tuple[str, str]]:
    """(id, sha256) of submissions not yet taken over, oldest first."""
    return conn.execute(
        "SELECT id, sha256 FROM portal_submissions WHERE municipality_id = ? AND imported_at IS NULL"
        " ORDER BY received_at",
        (municipality_id,),
    ).fetchall()


def any_waiting(conn: sqlite3.Connection) -> bool:
    """Whether any delivered submission waits to be taken over (a cheap look after each round)."""
    return (
        conn.execute("SELECT 1 FROM portal_submissions WHERE imported_at IS NULL LIMIT 1").fetchone()
        is not None
    )


def mark_imported(
    conn: sqlite3.Connection, submission_id: str, at: str, clerk_id: str | None, outcome: str
) -> None:
    conn.execute(
        "UPDATE portal_submissions SET imported_at = ?, imported_by = ?, outcome = ?, updated_at = ?"
        " WHERE id = ?",
        (at, clerk_id, outcome, at, submission_id),
    )
