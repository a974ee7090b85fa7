"""The Konflikte inbox (``sync_conflicts``, written by the server, answered by the office)."""

from __future__ import annotations

import sqlite3

_SELECT = (
    "SELECT id, mutation_name, entity_kind, entity_id, reason, mine, theirs, created_at, resolved_at,"
    " resolution FROM sync_conflicts WHERE municipality_id = ?"
)


def list_rows(conn: sqlite3.Connection, municipality_id: str, include_resolved: bool) -> list[tuple]:
    """Rows (in ``_SELECT``'s column order), newest first; only open ones unless asked."""
    sql = _SELECT + ("" if include_resolved else " AND resolved_at IS NULL")
    return conn.execute(sql + " ORDER BY created_at DESC, id DESC", (municipality_id,)).fetchall()


def find_row(conn: sqlite3.Connection, municipality_id: str, conflict_id: str) -> tuple | None:
    return conn.execute(_SELECT + " AND id = ?", (municipality_id, conflict_id)).fetchone()


def mark_resolved(
    conn: sqlite3.Connection, conflict_id: str, at: str, clerk_id: str | None, resolution: str
) -> None:
    conn.execute(
        "UPDATE sync_conflicts SET resolved_at = ?, resolved_by = ?, resolution = ?, updated_at = ?"
        " WHERE id = ?",
        (at, clerk_id, resolution, at, conflict_id),
    )


# --- names a conflict's description needs ---------------------------------------------------


def aktenzeichen(conn: sqlite3.Connection, application_id: str) -> str | None:
    found = conn.execute("SELECT aktenzeichen FROM applications WHERE id = ?", (application_id,)).fetchone()
    return found[0] if found else None


def device_label(conn: sqlite3.Connection, device_id: str) -> tuple[str, str] | None:
    """(name, inventory number) of a device."""
    found = conn.execute("SELECT name, inventory_number FROM devices WHERE id = ?", (device_id,)).fetchone()
    return (found[0], found[1]) if found else None


def loan_device(conn: sqlite3.Connection, loan_id: str) -> str | None:
    found = conn.execute("SELECT device_id FROM loans WHERE id = ?", (loan_id,)).fetchone()
    return found[0] if found else None


def town_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Every town this office knows by id: the pool's members, and its own (which wins)."""
    names = dict(conn.execute("SELECT id, name FROM pool_members").fetchall())
    names.update(conn.execute("SELECT id, name FROM municipalities").fetchall())
    return names
