"""A clerk's saved Posteingang views (name + filter as JSON)."""

from __future__ import annotations

import sqlite3


def upsert(conn: sqlite3.Connection, view_id: str, clerk_id: str, name: str, definition: str, at: str) -> str:
    """Store a view under ``name`` (replacing one of the same name); return its id."""
    row = conn.execute(
        "INSERT INTO saved_views (id, clerk_id, name, definition, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (clerk_id, name) DO UPDATE SET definition = excluded.definition RETURNING id",
        (view_id, clerk_id, name, definition, at),
    ).fetchone()
    return str(row[0])


def list_for(conn: sqlite3.Connection, clerk_id: str) -> list[tuple[str, str, str]]:
    """(id, name, definition) of a clerk's views, by name."""
    return conn.execute(
        "SELECT id, name, definition FROM saved_views WHERE clerk_id = ? ORDER BY name", (clerk_id,)
    ).fetchall()


def delete(conn: sqlite3.Connection, view_id: str, clerk_id: str) -> bool:
    return (
        conn.execute("DELETE FROM saved_views WHERE id = ? AND clerk_id = ?", (view_id, clerk_id)).rowcount
        > 0
    )
